;; The contract of vulnerable.wat, remediated: `update(admin, hash)` checks the admin, records a
;; constant marker (`fee_v2 = true`-style, here symbol `foo` = 111) and swaps the code. Nothing
;; stored is read or reinterpreted on the upgrade path: the old code writes a fixed value in a
;; layout it owns, and rescaling the fee is left to the new code's version-checked migration.
(module
  (type $t_jjj_j (func (param i64 i64 i64) (result i64)))
  (type $t_jj_j (func (param i64 i64) (result i64)))
  (type $t_j_j (func (param i64) (result i64)))
  (import "l" "_" (func $put_contract_data (type $t_jjj_j)))
  (import "l" "6" (func $update_current_contract_wasm (type $t_j_j)))
  (import "a" "0" (func $require_auth (type $t_j_j)))
  (memory 16)
  (global $__stack_pointer (mut i32) (i32.const 1048576))
  (export "memory" (memory 0))
  (export "update" (func $update))

  ;; pub fn update(env: Env, admin: Address, hash: BytesN<32>)
  (func $update (type $t_jj_j) (param $admin i64) (param $hash i64) (result i64)
    local.get $admin
    call $require_auth
    drop
    ;; env.storage().instance().set(&symbol_short!("foo"), &111_u32);
    i64.const 45954062
    i64.const 476741369860
    i64.const 2
    call $put_contract_data
    drop
    ;; env.deployer().update_current_contract_wasm(hash);
    local.get $hash
    call $update_current_contract_wasm
    drop
    i64.const 2)
)
