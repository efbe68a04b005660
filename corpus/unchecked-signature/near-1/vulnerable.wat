;; Raw NEAR relayer: `execute_signed` accepts a payload signed by the key stored under `pubkey`
;; and records it as the latest instruction. It calls `ed25519_verify`, but an invalid signature
;; only produces a log line: the payload is stored either way, so anyone can submit
;; instructions without the key.
(module
  (type $t_j (func (param i64)))
  (type $t_jj (func (param i64 i64)))
  (type $t_j_j (func (param i64) (result i64)))
  (type $t_jjj_j (func (param i64 i64 i64) (result i64)))
  (type $t_jjjjj_j (func (param i64 i64 i64 i64 i64) (result i64)))
  (type $t_jjjjjj_j (func (param i64 i64 i64 i64 i64 i64) (result i64)))
  (type $t_ji_i (func (param i64 i32) (result i32)))
  (type $t (func))
  (import "env" "input" (func $input (type $t_j)))
  (import "env" "register_len" (func $register_len (type $t_j_j)))
  (import "env" "read_register" (func $read_register (type $t_jj)))
  (import "env" "storage_read" (func $storage_read (type $t_jjj_j)))
  (import "env" "storage_write" (func $storage_write (type $t_jjjjj_j)))
  (import "env" "ed25519_verify" (func $ed25519_verify (type $t_jjjjjj_j)))
  (import "env" "log_utf8" (func $log_utf8 (type $t_jj)))
  (import "env" "panic_utf8" (func $panic_utf8 (type $t_jj)))
  (memory 17)
  (global $__stack_pointer (mut i32) (i32.const 1048576))
  (global $heap (mut i32) (i32.const 1114112))
  (export "memory" (memory 0))
  (export "execute_signed" (func $execute_signed))
  (data (i32.const 1048576) "pubkeylastinvalid signature")

  ;; near_sdk::env::read_register into a fresh heap buffer; the length is stored at `out`
  (func $read_reg (type $t_ji_i) (param $reg i64) (param $out i32) (result i32)
    (local $len i32) (local $ptr i32)
    local.get $reg
    call $register_len
    i32.wrap_i64
    local.set $len
    global.get $heap
    local.set $ptr
    global.get $heap
    local.get $len
    i32.add
    global.set $heap
    local.get $reg
    local.get $ptr
    i64.extend_i32_u
    call $read_register
    local.get $out
    local.get $len
    i32.store
    local.get $ptr)

  ;; execute_signed(payload, signature): input is the 64-byte signature then the payload
  (func $execute_signed (type $t)
    (local $sp i32) (local $args i32) (local $pk i32) (local $ok i64)
    global.get $__stack_pointer
    i32.const 16
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    i64.const 0
    call $input
    i64.const 0
    local.get $sp
    call $read_reg
    local.set $args
    i64.const 6
    i64.const 1048576
    i64.const 1
    call $storage_read
    drop
    i64.const 1
    local.get $sp
    i32.const 4
    i32.add
    call $read_reg
    local.set $pk
    i64.const 64
    local.get $args
    i64.extend_i32_u
    local.get $sp
    i64.load32_u
    i64.const 64
    i64.sub
    local.get $args
    i32.const 64
    i32.add
    i64.extend_i32_u
    i64.const 32
    local.get $pk
    i64.extend_i32_u
    call $ed25519_verify ;; @expect unchecked-signature
    local.tee $ok
    i64.eqz
    if
      i64.const 17
      i64.const 1048586
      call $log_utf8
    end
    i64.const 4
    i64.const 1048582
    local.get $sp
    i64.load32_u
    i64.const 64
    i64.sub
    local.get $args
    i32.const 64
    i32.add
    i64.extend_i32_u
    i64.const 2
    call $storage_write
    drop
    local.get $sp
    i32.const 16
    i32.add
    global.set $__stack_pointer)
)
