;; NEAR meta-transaction relayer (near-sdk-rs layout). The developer pasted the relayer's full
;; access key pair string, `ed25519:` followed by the 64-byte secret key, as a `const` and
;; serves it from `relayer_key` so that the off-chain relayer can "fetch its configuration":
;; the secret key is readable by anyone from the contract code and from the view call.
(module
  (type $t_j (func (param i64)))
  (type $t_jj (func (param i64 i64)))
  (type $t_jj_j (func (param i64 i64) (result i64)))
  (type $t_jjjj (func (param i64 i64 i64 i64)))
  (type $t (func))
  (import "env" "predecessor_account_id" (func $predecessor_account_id (type $t_j)))
  (import "env" "value_return" (func $value_return (type $t_jj)))
  (import "env" "promise_batch_create" (func $promise_batch_create (type $t_jj_j)))
  (import "env" "promise_batch_action_add_key_with_full_access" (func $add_full_access_key (type $t_jjjj)))
  (memory 17)
  (global $__stack_pointer (mut i32) (i32.const 1048576))
  (export "memory" (memory 0))
  (export "relayer_key" (func $relayer_key))
  (data (i32.const 1048576) "relay")
  (data (i32.const 1048581) "ed25519:YZprwdx4B48Fvru19T3YoU55y6CUtooEfnrrHtkAxdLwwyzFwp7Fo8Ysf2nTz6QeTAHqnmtMiXatGaF5D7rBSZw\00")

  ;; #[view] pub fn relayer_key(&self) -> &'static str
  (func $relayer_key (type $t)
    i64.const 95
    i64.const 1048581 ;; @expect hardcoded-secret
    call $value_return)
)
