;; Raw NEAR bridge vault (as near-1), with a callback no caller can misuse: `on_withdraw` only
;; checks that the transfer succeeded and writes back the state it read (near-sdk's state
;; write-back of a `&mut self` method). Neither its arguments nor the promise result reach the
;; write, so whoever calls it, directly or as the callback of their own promise, changes nothing.
(module
  (type $t_j (func (param i64)))
  (type $t_jj (func (param i64 i64)))
  (type $t_j_j (func (param i64) (result i64)))
  (type $t_jj_j (func (param i64 i64) (result i64)))
  (type $r_j (func (result i64)))
  (type $t_jjjjj_j (func (param i64 i64 i64 i64 i64) (result i64)))
  (type $t_jjjjjjjj_j (func (param i64 i64 i64 i64 i64 i64 i64 i64) (result i64)))
  (type $t_jjjjjjjjj_j (func (param i64 i64 i64 i64 i64 i64 i64 i64 i64) (result i64)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $t_ji_i (func (param i64 i32) (result i32)))
  (type $t_ii (func (param i32 i32)))
  (type $t (func))
  (type $t_jjj_j (func (param i64 i64 i64) (result i64)))
  (import "env" "input" (func $input (type $t_j)))
  (import "env" "register_len" (func $register_len (type $t_j_j)))
  (import "env" "read_register" (func $read_register (type $t_jj)))
  (import "env" "current_account_id" (func $current_account_id (type $t_j)))
  (import "env" "storage_write" (func $storage_write (type $t_jjjjj_j)))
  (import "env" "promise_create" (func $promise_create (type $t_jjjjjjjj_j)))
  (import "env" "promise_then" (func $promise_then (type $t_jjjjjjjjj_j)))
  (import "env" "promise_results_count" (func $promise_results_count (type $r_j)))
  (import "env" "promise_result" (func $promise_result (type $t_jj_j)))
  (import "env" "panic_utf8" (func $panic_utf8 (type $t_jj)))
  (import "env" "storage_read" (func $storage_read (type $t_jjj_j)))
  (memory 17)
  (global $__stack_pointer (mut i32) (i32.const 1048576))
  (global $heap (mut i32) (i32.const 1114112))
  (export "memory" (memory 0))
  (export "withdraw" (func $withdraw))
  (export "on_withdraw" (func $on_withdraw))
  (data (i32.const 1048576) "token.nearft_transferon_withdrawpaidSTATE")

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

  ;; storage["paid"] = args (the payout record)
  (func $record_payout (type $t_ii) (param $ptr i32) (param $len i32)
    i64.const 4
    i64.const 1048608
    local.get $len
    i64.extend_i32_u
    local.get $ptr
    i64.extend_i32_u
    i64.const 3
    call $storage_write
    drop)

  (func $withdraw (type $t)
    (local $sp i32) (local $args i32) (local $me i32) (local $p i64)
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
    i64.const 10
    i64.const 1048576
    i64.const 11
    i64.const 1048586
    local.get $sp
    i64.load32_u
    local.get $args
    i64.extend_i32_u
    i64.const 1
    i64.const 20000000000000
    call $promise_create
    local.set $p
    i64.const 1
    call $current_account_id
    i64.const 1
    local.get $sp
    i32.const 4
    i32.add
    call $read_reg
    local.set $me
    local.get $p
    local.get $sp
    i64.load32_u offset=4
    local.get $me
    i64.extend_i32_u
    i64.const 11
    i64.const 1048597
    local.get $sp
    i64.load32_u
    local.get $args
    i64.extend_i32_u
    i64.const 0
    i64.const 10000000000000
    call $promise_then
    drop
    local.get $sp
    i32.const 16
    i32.add
    global.set $__stack_pointer)

  ;; #[callback] on_withdraw(&mut self): `require!(promise_result(0) is Successful)`, then
  ;; near-sdk writes back the state it read (`state_read` at the start, `state_write` at the end)
  (func $on_withdraw (type $t)
    (local $sp i32) (local $state i32)
    global.get $__stack_pointer
    i32.const 16
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    i64.const 5
    i64.const 1048612
    i64.const 3
    call $storage_read
    i64.eqz
    if
      unreachable
    end
    i64.const 3
    local.get $sp
    call $read_reg
    local.set $state
    i64.const 0
    i64.const 2
    call $promise_result
    i64.const 1
    i64.ne
    if
      unreachable
    end
    i64.const 5
    i64.const 1048612
    local.get $sp
    i64.load32_u
    local.get $state
    i64.extend_i32_u
    i64.const 3
    call $storage_write
    drop
    local.get $sp
    i32.const 16
    i32.add
    global.set $__stack_pointer)
)
