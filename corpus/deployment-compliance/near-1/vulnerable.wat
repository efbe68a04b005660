;; NEAR contract (near-sdk-rs layout, methods are exports, host values travel through
;; registers) built for wasm32-wasip1 instead of wasm32-unknown-unknown: the `println!` in
;; `set_greeting` links `wasi_snapshot_preview1.fd_write`. nearcore accepts imports only from
;; `env` and only its own host functions, so deploying this code fails at preparation.
(module
  (type $t_j (func (param i64)))
  (type $t_jj (func (param i64 i64)))
  (type $t_j_j (func (param i64) (result i64)))
  (type $t_jjjjj_j (func (param i64 i64 i64 i64 i64) (result i64)))
  (type $t_iiii_i (func (param i32 i32 i32 i32) (result i32)))
  (type $t_ii (func (param i32 i32)))
  (type $t (func))
  (import "env" "input" (func $input (type $t_j)))
  (import "env" "register_len" (func $register_len (type $t_j_j)))
  (import "env" "read_register" (func $read_register (type $t_jj)))
  (import "env" "storage_write" (func $storage_write (type $t_jjjjj_j)))
  (import "env" "value_return" (func $value_return (type $t_jj)))
  (import "env" "log_utf8" (func $log_utf8 (type $t_jj)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (type $t_iiii_i)))
  (memory 17)
  (global $__stack_pointer (mut i32) (i32.const 1048576))
  (global $heap (mut i32) (i32.const 1114112))
  (export "memory" (memory 0))
  (export "set_greeting" (func $set_greeting))
  (export "get_greeting" (func $get_greeting))
  (data (i32.const 1048576) "STATEgreeting updated\0a")

  ;; near_sdk::env::register -> Vec<u8>, returned through an sret pointer {ptr, len}
  (func $read_reg (param $reg i64) (param $out i32)
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
    local.get $ptr
    i32.store
    local.get $out
    local.get $len
    i32.store offset=4)

  ;; std::io::_print -> <Stdout as Write>::write_all on WASI
  (func $print (type $t_ii) (param $ptr i32) (param $len i32)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 16
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    local.get $ptr
    i32.store
    local.get $sp
    local.get $len
    i32.store offset=4
    i32.const 1
    local.get $sp
    i32.const 1
    local.get $sp
    i32.const 8
    i32.add
    call $fd_write ;; @expect deployment-compliance
    drop
    local.get $sp
    i32.const 16
    i32.add
    global.set $__stack_pointer)

  (func $set_greeting (type $t)
    (local $sp i32) (local $msg i32) (local $len i32)
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
    local.get $sp
    i32.load
    local.set $msg
    local.get $sp
    i32.load offset=4
    local.set $len
    i64.const 5
    i64.const 1048576
    local.get $len
    i64.extend_i32_u
    local.get $msg
    i64.extend_i32_u
    i64.const 1
    call $storage_write
    drop
    i32.const 1048581
    i32.const 17
    call $print
    local.get $sp
    i32.const 16
    i32.add
    global.set $__stack_pointer)

  (func $get_greeting (type $t)
    (local $sp i32) (local $msg i32) (local $len i32)
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
    local.get $sp
    i32.load
    local.set $msg
    local.get $sp
    i32.load offset=4
    local.set $len
    local.get $len
    i64.extend_i32_u
    local.get $msg
    i64.extend_i32_u
    call $value_return
    local.get $sp
    i32.const 16
    i32.add
    global.set $__stack_pointer)
)
