;; Raw NEAR treasury. Remediated: `assert_owner` compares the stored owner with
;; `predecessor_account_id` (the immediate caller), so only the owner's own call passes.
(module
  (type $t_j (func (param i64)))
  (type $t_jj (func (param i64 i64)))
  (type $t_j_j (func (param i64) (result i64)))
  (type $t_jj_j (func (param i64 i64) (result i64)))
  (type $t_jjj_j (func (param i64 i64 i64) (result i64)))
  (type $t_jjjjj_j (func (param i64 i64 i64 i64 i64) (result i64)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $t_ji_i (func (param i64 i32) (result i32)))
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
  (global $heap (mut i32) (i32.const 1114112))
  (export "memory" (memory 0))
  (export "withdraw" (func $withdraw))
  (data (i32.const 1048576) "ownerUnauthorizedpaid")

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

  ;; Self::assert_owner: panics unless the account is storage["owner"]
  (func $assert_owner (type $t)
    (local $sp i32) (local $p i32) (local $o i32)
    global.get $__stack_pointer
    i32.const 16
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    i64.const 0
    call $predecessor_account_id
    i64.const 0
    local.get $sp
    call $read_reg
    local.set $p
    i64.const 5
    i64.const 1048576
    i64.const 1
    call $storage_read
    drop
    i64.const 1
    local.get $sp
    i32.const 4
    i32.add
    call $read_reg
    local.set $o
    block $ok
      local.get $sp
      i32.load
      local.get $sp
      i32.load offset=4
      i32.eq
      if
        local.get $p
        local.get $o
        local.get $sp
        i32.load
        call $memcmp
        i32.eqz
        br_if $ok
      end
      i64.const 12
      i64.const 1048581
      call $panic_utf8
      unreachable
    end
    local.get $sp
    i32.const 16
    i32.add
    global.set $__stack_pointer)

  ;; withdraw(amount): pays the owner and records the payment
  (func $withdraw (type $t)
    (local $sp i32) (local $o i32) (local $promise i64)
    global.get $__stack_pointer
    i32.const 32
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    call $assert_owner
    i64.const 0
    call $input
    i64.const 0
    local.get $sp
    call $read_reg
    drop
    i64.const 5
    i64.const 1048576
    i64.const 2
    call $storage_read
    drop
    i64.const 2
    local.get $sp
    i32.const 4
    i32.add
    call $read_reg
    local.set $o
    local.get $sp
    i64.load32_u offset=4
    local.get $o
    i64.extend_i32_u
    call $promise_batch_create
    local.tee $promise
    local.get $sp
    i64.extend_i32_u
    call $promise_batch_action_transfer
    i64.const 4
    i64.const 1048593
    i64.const 8
    local.get $sp
    i64.extend_i32_u
    i64.const 3
    call $storage_write
    drop
    local.get $sp
    i32.const 32
    i32.add
    global.set $__stack_pointer)
)
