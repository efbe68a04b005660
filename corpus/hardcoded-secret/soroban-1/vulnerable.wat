;; Soroban event tickets. Redemption codes are sha256(VOUCHER_KEY || buyer) with the 32-byte
;; backend key compiled into the data section: `Bytes::from_array(&env, &VOUCHER_KEY)` copies it
;; into a host byte string (b.3 bytes_new_from_linear_memory, position and length as U32Vals),
;; the buyer's serialized address is appended (b.e bytes_append), the host hashes it (c._
;; compute_hash_sha256) and the digest is compared (x.0 obj_cmp) with the caller's code. Anyone
;; who reads the Wasm can compute a valid code for any buyer and mint tickets.
(module
  (type $t_jj_j (func (param i64 i64) (result i64)))
  (type $t_j_j (func (param i64) (result i64)))
  (type $t_jjj_j (func (param i64 i64 i64) (result i64)))
  (import "a" "0" (func $require_auth (type $t_j_j)))
  (import "b" "3" (func $bytes_new_from_linear_memory (type $t_jj_j)))
  (import "b" "_" (func $serialize_to_bytes (type $t_j_j)))
  (import "b" "e" (func $bytes_append (type $t_jj_j)))
  (import "c" "_" (func $compute_hash_sha256 (type $t_j_j)))
  (import "x" "0" (func $obj_cmp (type $t_jj_j)))
  (import "l" "_" (func $put_contract_data (type $t_jjj_j)))
  (memory 17)
  (global $__stack_pointer (mut i32) (i32.const 1048576))
  (export "memory" (memory 0))
  (export "redeem" (func $redeem))
  (@custom "contractenvmetav0" "\00\00\00\00\00\00\00\16\00\00\00\00")
  (@custom "contractspecv0" "\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\06redeem\00\00\00\00\00\00\00\00\00\00\00\00\00\01\00\00\00\04")
  (data (i32.const 1048576) "\9d\3a\71\e4\0c\b8\56\2f\a1\6e\d3\48\17\fb\85\2c\60\ce\39\94\5b\07\ea\7d\b2\41\1f\c6\88\23\df\6a")

  ;; redeem(buyer: Address, ticket: Val, code: BytesN<32>)
  (func $redeem (type $t_jjj_j) (param $buyer i64) (param $ticket i64) (param $code i64) (result i64)
    local.get $buyer
    call $require_auth
    drop
    i64.const 0x0010_0000_0000_0004
    i64.const 0x0000_0020_0000_0004
    call $bytes_new_from_linear_memory ;; @expect hardcoded-secret
    local.get $buyer
    call $serialize_to_bytes
    call $bytes_append
    call $compute_hash_sha256
    local.get $code
    call $obj_cmp
    i64.eqz
    i32.eqz
    if
      unreachable
    end
    ;; persistent ticket -> buyer
    local.get $ticket
    local.get $buyer
    i64.const 0x0000_0001_0000_0004
    call $put_contract_data
    drop
    i64.const 2)
)
