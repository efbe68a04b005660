;; NEAR contract (near-sdk-rs layout): methods are exports, host values travel through registers,
;; `env.memory` is the contract's own. Actions are dispatched through a function table, as a
;; `dyn Action` call compiles: `upgrade` reaches `promise_batch_action_deploy_contract` through
;; `call_indirect`. Remediated: `upgrade` starts with `assert_self` (predecessor == current account,
;; else `panic_utf8`), the same guard `reset` uses.
(module
  (type $t_j (func (param i64)))
  (type $t_jj (func (param i64 i64)))
  (type $t_j_j (func (param i64) (result i64)))
  (type $t_jj_j (func (param i64 i64) (result i64)))
  (type $t_jjj (func (param i64 i64 i64)))
  (type $t_jjjjj_j (func (param i64 i64 i64 i64 i64) (result i64)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $t (func))
  (import "env" "input" (func $input (type $t_j)))
  (import "env" "register_len" (func $register_len (type $t_j_j)))
  (import "env" "read_register" (func $read_register (type $t_jj)))
  (import "env" "current_account_id" (func $current_account_id (type $t_j)))
  (import "env" "predecessor_account_id" (func $predecessor_account_id (type $t_j)))
  (import "env" "storage_write" (func $storage_write (type $t_jjjjj_j)))
  (import "env" "panic_utf8" (func $panic_utf8 (type $t_jj)))
  (import "env" "promise_batch_create" (func $promise_batch_create (type $t_jj_j)))
  (import "env" "promise_batch_action_deploy_contract" (func $promise_batch_action_deploy_contract (type $t_jjj)))
  (memory 17)
  (global $__stack_pointer (mut i32) (i32.const 1048576))
  (global $heap (mut i32) (i32.const 1114112))
  (table 3 3 funcref)
  (elem (i32.const 1) func $noop_action $deploy_action)
  (data (i32.const 1048576) "Method is private\00STATE")

  (func $memcmp (type $t_iii_i) (param $a i32) (param $b i32) (param $n i32) (result i32)
    (local $x i32) (local $y i32)
    block $done
      loop $next
        local.get $n
        i32.eqz
        br_if $done
        local.get $a
        i32.load8_u
        local.tee $x
        local.get $b
        i32.load8_u
        local.tee $y
        i32.ne
        if
          local.get $x
          local.get $y
          i32.sub
          return
        end
        local.get $a
        i32.const 1
        i32.add
        local.set $a
        local.get $b
        i32.const 1
        i32.add
        local.set $b
        local.get $n
        i32.const -1
        i32.add
        local.set $n
        br $next
      end
    end
    i32.const 0)

  ;; near_sdk::env::register -> Vec<u8> (bump allocator)
  ;; the register's bytes land in a fresh heap buffer; callers ask register_len for the length
  (func $read_reg (param $reg i64) (result i32)
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
    local.get $ptr)

  ;; near_sdk::assert_self
  (func $assert_self (type $t)
    (local $p i32) (local $plen i32) (local $c i32) (local $clen i32)
    i64.const 0
    call $predecessor_account_id
    i64.const 0
    call $read_reg
    local.set $p
    i64.const 0
    call $register_len
    i32.wrap_i64
    local.set $plen
    i64.const 1
    call $current_account_id
    i64.const 1
    call $read_reg
    local.set $c
    i64.const 1
    call $register_len
    i32.wrap_i64
    local.set $clen
    block $ok
      local.get $plen
      local.get $clen
      i32.eq
      if
        local.get $p
        local.get $c
        local.get $plen
        call $memcmp
        i32.eqz
        br_if $ok
      end
      i64.const 17
      i64.const 1048576
      call $panic_utf8
      unreachable
    end)

  (func $noop_action (type $t_jj) (param i64 i64))

  ;; <DeployContract as Action>::run
  (func $deploy_action (type $t_jj) (param $code_len i64) (param $code_ptr i64)
    (local $acc i32) (local $acc_len i32) (local $promise i64)
    i64.const 2
    call $current_account_id
    i64.const 2
    call $read_reg
    local.set $acc
    i64.const 2
    call $register_len
    i32.wrap_i64
    local.set $acc_len
    local.get $acc_len
    i64.extend_i32_u
    local.get $acc
    i64.extend_i32_u
    call $promise_batch_create
    local.set $promise
    local.get $promise
    local.get $code_len
    local.get $code_ptr
    call $promise_batch_action_deploy_contract
  )

  (func $run_action (param $kind i32) (param $len i64) (param $ptr i64)
    local.get $len
    local.get $ptr
    local.get $kind
    call_indirect (type $t_jj))

  (func $upgrade (export "upgrade") (type $t)
    (local $code i32) (local $len i32)
    call $assert_self
    i64.const 0
    call $input
    i64.const 0
    call $read_reg
    local.set $code
    i64.const 0
    call $register_len
    i32.wrap_i64
    local.set $len
    i32.const 2
    local.get $len
    i64.extend_i32_u
    local.get $code
    i64.extend_i32_u
    call $run_action)

  (func $reset (export "reset") (type $t)
    call $assert_self
    i64.const 5
    i64.const 1048594
    i64.const 0
    i64.const 0
    i64.const 0
    call $storage_write
    drop)
)
