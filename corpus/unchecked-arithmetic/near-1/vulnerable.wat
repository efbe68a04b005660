;; NEAR vault written against near-sys and built with `overflow-checks = false` (the release
;; default), as rustc lays it out: shadow stack in global 0, host values read back through
;; registers. `withdraw(amount: u64)` reads the caller's stored balance, subtracts the requested
;; amount with a wrapping `i64.sub`, stores the result through the `write_u64` helper and sends
;; `amount` to the caller. Asking for more than the balance wraps it to almost 2^64.
(module
  (type $t_j (func (param i64)))
  (type $t_jj (func (param i64 i64)))
  (type $t_j_j (func (param i64) (result i64)))
  (type $t_jj_j (func (param i64 i64) (result i64)))
  (type $t_jjj_j (func (param i64 i64 i64) (result i64)))
  (type $t_jjjjj_j (func (param i64 i64 i64 i64 i64) (result i64)))
  (type $t_iii (func (param i32 i32 i32)))
  (type $t (func))
  (import "env" "input" (func $input (type $t_j)))
  (import "env" "register_len" (func $register_len (type $t_j_j)))
  (import "env" "read_register" (func $read_register (type $t_jj)))
  (import "env" "predecessor_account_id" (func $predecessor_account_id (type $t_j)))
  (import "env" "storage_read" (func $storage_read (type $t_jjj_j)))
  (import "env" "storage_write" (func $storage_write (type $t_jjjjj_j)))
  (import "env" "promise_batch_create" (func $promise_batch_create (type $t_jj_j)))
  (import "env" "promise_batch_action_transfer" (func $promise_batch_action_transfer (type $t_jj)))
  (import "env" "panic_utf8" (func $panic_utf8 (type $t_jj)))
  (memory 17)
  (global $__stack_pointer (mut i32) (i32.const 1048576))
  (data (i32.const 1048576) "balance")
  (data (i32.const 1048584) "Insufficient balance")

  ;; fn write_u64(key: &[u8], value: &u64)
  (func $write_u64 (type $t_iii) (param $key i32) (param $key_len i32) (param $value i32)
    local.get $key_len
    i64.extend_i32_u
    local.get $key
    i64.extend_i32_u
    i64.const 8
    local.get $value
    i64.extend_i32_u
    i64.const 3
    call $storage_write
    drop)

  ;; pub fn withdraw(amount: u64)
  (func $withdraw (export "withdraw") (type $t)
    (local $sp i32) (local $balance i64) (local $amount i64) (local $promise i64)
    global.get $__stack_pointer
    i32.const 64
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    ;; let amount: u64 = input
    i64.const 0
    call $input
    i64.const 0
    local.get $sp
    i32.const 16
    i32.add
    i64.extend_i32_u
    call $read_register
    local.get $sp
    i64.load offset=16
    local.set $amount
    ;; let balance: u64 = storage["balance"]
    i64.const 7
    i64.const 1048576
    i64.const 1
    call $storage_read
    drop
    i64.const 1
    local.get $sp
    i64.extend_i32_u
    call $read_register
    local.get $sp
    i64.load
    local.set $balance
    ;; storage["balance"] = balance - amount
    local.get $sp
    local.get $balance
    local.get $amount
    i64.sub ;; @expect unchecked-arithmetic
    i64.store offset=8
    i32.const 1048576
    i32.const 7
    local.get $sp
    i32.const 8
    i32.add
    call $write_u64
    ;; Promise::new(predecessor).transfer(amount)
    i64.const 2
    call $predecessor_account_id
    i64.const 2
    local.get $sp
    i32.const 32
    i32.add
    i64.extend_i32_u
    call $read_register
    i64.const 2
    call $register_len
    local.get $sp
    i32.const 32
    i32.add
    i64.extend_i32_u
    call $promise_batch_create
    local.set $promise
    local.get $sp
    local.get $amount
    i64.store offset=24
    local.get $promise
    local.get $sp
    i32.const 24
    i32.add
    i64.extend_i32_u
    call $promise_batch_action_transfer
    local.get $sp
    i32.const 64
    i32.add
    global.set $__stack_pointer)
)
