;; Raw NEAR locker: `set_password(password)` stores the unlock password that `unlock` later
;; compares against. It is written in plain text under the key `password` through the
;; `save_field` helper: contract storage is public (`view_state` RPC), so anyone reads it.
(module
  (type $t_j (func (param i64)))
  (type $t_jj (func (param i64 i64)))
  (type $t_j_j (func (param i64) (result i64)))
  (type $t_jjj (func (param i64 i64 i64)))
  (type $t_jjjjj_j (func (param i64 i64 i64 i64 i64) (result i64)))
  (type $t_ji_i (func (param i64 i32) (result i32)))
  (type $t_iiii (func (param i32 i32 i32 i32)))
  (type $t (func))
  (import "env" "input" (func $input (type $t_j)))
  (import "env" "register_len" (func $register_len (type $t_j_j)))
  (import "env" "read_register" (func $read_register (type $t_jj)))
  (import "env" "storage_write" (func $storage_write (type $t_jjjjj_j)))
  (import "env" "sha256" (func $sha256 (type $t_jjj)))
  (memory 17)
  (global $__stack_pointer (mut i32) (i32.const 1048576))
  (global $heap (mut i32) (i32.const 1114112))
  (export "memory" (memory 0))
  (export "set_password" (func $set_password))
  (data (i32.const 1048576) "password")

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

  ;; env::storage_write(key, value)
  (func $save_field (type $t_iiii) (param $key i32) (param $key_len i32) (param $value i32) (param $value_len i32)
    local.get $key_len
    i64.extend_i32_u
    local.get $key
    i64.extend_i32_u
    local.get $value_len
    i64.extend_i32_u
    local.get $value
    i64.extend_i32_u
    i64.const 3
    call $storage_write ;; @expect secret-leak
    drop)

  (func $set_password (type $t)
    (local $sp i32) (local $pw i32)
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
    local.set $pw
    i32.const 1048576
    i32.const 8
    local.get $pw
    local.get $sp
    i32.load
    call $save_field
    local.get $sp
    i32.const 16
    i32.add
    global.set $__stack_pointer)
)
