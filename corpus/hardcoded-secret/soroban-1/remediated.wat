;; The remediated tickets: no secret in the module. The backend signs (buyer) with its ed25519
;; key; the contract verifies the signature (c.0 verify_sig_ed25519, traps on failure) against
;; the public key stored at construction (l.1 get_contract_data).
(module
  (type $t_jj_j (func (param i64 i64) (result i64)))
  (type $t_j_j (func (param i64) (result i64)))
  (type $t_jjj_j (func (param i64 i64 i64) (result i64)))
  (import "a" "0" (func $require_auth (type $t_j_j)))
  (import "b" "_" (func $serialize_to_bytes (type $t_j_j)))
  (import "c" "0" (func $verify_sig_ed25519 (type $t_jjj_j)))
  (import "l" "1" (func $get_contract_data (type $t_jj_j)))
  (import "l" "_" (func $put_contract_data (type $t_jjj_j)))
  (memory 17)
  (global $__stack_pointer (mut i32) (i32.const 1048576))
  (export "memory" (memory 0))
  (export "redeem" (func $redeem))
  (@custom "contractenvmetav0" "\00\00\00\00\00\00\00\16\00\00\00\00")
  (@custom "contractspecv0" "\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\06redeem\00\00\00\00\00\00\00\00\00\00\00\00\00\01\00\00\00\04")

  ;; redeem(buyer: Address, ticket: Val, signature: BytesN<64>)
  (func $redeem (type $t_jjj_j) (param $buyer i64) (param $ticket i64) (param $sig i64) (result i64)
    local.get $buyer
    call $require_auth
    drop
    ;; the BackendKey symbol (small-symbol Val) in instance storage
    i64.const 14520074734606
    i64.const 0x0000_0002_0000_0004
    call $get_contract_data
    local.get $buyer
    call $serialize_to_bytes
    local.get $sig
    call $verify_sig_ed25519
    drop
    local.get $ticket
    local.get $buyer
    i64.const 0x0000_0001_0000_0004
    call $put_contract_data
    drop
    i64.const 2)
)
