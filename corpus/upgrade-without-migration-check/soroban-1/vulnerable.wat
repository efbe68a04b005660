;; Soroban contract (soroban-sdk layout: `Val`s are i64, host functions under short names,
;; `l._` = put_contract_data, `l.1` = get_contract_data, `l.6` = update_current_contract_wasm).
;; `update(admin, hash)` checks the admin, then rescales the stored fee (a u32 `Val`, key symbol
;; `fee`) for the new code's precision and swaps the code. The rescale reads and reinterprets the
;; stored value without checking which version wrote it: a second `update` rescales again.
(module
  (type $t_jjj_j (func (param i64 i64 i64) (result i64)))
  (type $t_jj_j (func (param i64 i64) (result i64)))
  (type $t_j_j (func (param i64) (result i64)))
  (import "l" "_" (func $put_contract_data (type $t_jjj_j)))
  (import "l" "1" (func $get_contract_data (type $t_jj_j)))
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
    ;; let fee: u32 = env.storage().instance().get(&symbol_short!("fee")).unwrap();
    ;; env.storage().instance().set(&symbol_short!("fee"), &(fee * 100));
    i64.const 45954062
    i64.const 45954062
    i64.const 2
    call $get_contract_data
    i64.const 32
    i64.shr_u
    i64.const 100
    i64.mul
    i64.const 32
    i64.shl
    i64.const 4
    i64.or
    i64.const 2
    call $put_contract_data ;; @expect upgrade-without-migration-check
    drop
    ;; env.deployer().update_current_contract_wasm(hash);
    local.get $hash
    call $update_current_contract_wasm
    drop
    i64.const 2)
)
