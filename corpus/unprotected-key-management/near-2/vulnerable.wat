;; Raw NEAR multi-key wallet. Key actions are `dyn KeyAction` objects run through a function
;; table, as a trait-object call compiles: `manage_key(kind, public_key)` picks the action from
;; the first input byte and reaches `promise_batch_action_add_key_with_full_access` or
;; `promise_batch_action_delete_key` through `call_indirect`. The wallet stores its owner under
;; `owner` and has an `assert_owner` guard, but `manage_key` never calls it: anyone can add their
;; key, or delete the owner's.
(module
  (type $t_j (func (param i64)))
  (type $t_jj (func (param i64 i64)))
  (type $t_j_j (func (param i64) (result i64)))
  (type $t_jj_j (func (param i64 i64) (result i64)))
  (type $t_jjj (func (param i64 i64 i64)))
  (type $t_jjj_j (func (param i64 i64 i64) (result i64)))
  (type $t_jjjj (func (param i64 i64 i64 i64)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $t_ji_i (func (param i64 i32) (result i32)))
  (type $t_ijjj (func (param i32 i64 i64 i64)))
  (type $t (func))
  (import "env" "input" (func $input (type $t_j)))
  (import "env" "register_len" (func $register_len (type $t_j_j)))
  (import "env" "read_register" (func $read_register (type $t_jj)))
  (import "env" "current_account_id" (func $current_account_id (type $t_j)))
  (import "env" "predecessor_account_id" (func $predecessor_account_id (type $t_j)))
  (import "env" "storage_read" (func $storage_read (type $t_jjj_j)))
  (import "env" "promise_batch_create" (func $promise_batch_create (type $t_jj_j)))
  (import "env" "promise_batch_action_add_key_with_full_access" (func $promise_batch_action_add_key_with_full_access (type $t_jjjj)))
  (import "env" "promise_batch_action_delete_key" (func $promise_batch_action_delete_key (type $t_jjj)))
  (import "env" "panic_utf8" (func $panic_utf8 (type $t_jj)))
  (memory 17)
  (global $__stack_pointer (mut i32) (i32.const 1048576))
  (global $heap (mut i32) (i32.const 1114112))
  (table 3 3 funcref)
  (elem (i32.const 1) func $add_key_action $delete_key_action)
  (export "memory" (memory 0))
  (export "manage_key" (func $manage_key))
  (data (i32.const 1048576) "ownerUnauthorized")

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

  ;; Self::assert_owner: panics unless predecessor_account_id() == storage["owner"]
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

  ;; <AddFullAccessKey as KeyAction>::run
  (func $add_key_action (type $t_jjj) (param $promise i64) (param $pk_len i64) (param $pk i64)
    local.get $promise
    local.get $pk_len
    local.get $pk
    i64.const 0
    call $promise_batch_action_add_key_with_full_access ;; @expect unprotected-key-management
  )

  ;; <DeleteKey as KeyAction>::run
  (func $delete_key_action (type $t_jjj) (param $promise i64) (param $pk_len i64) (param $pk i64)
    local.get $promise
    local.get $pk_len
    local.get $pk
    call $promise_batch_action_delete_key ;; @expect unprotected-key-management
  )

  (func $run_action (type $t_ijjj) (param $kind i32) (param $promise i64) (param $pk_len i64) (param $pk i64)
    local.get $promise
    local.get $pk_len
    local.get $pk
    local.get $kind
    call_indirect (type $t_jjj))

  ;; manage_key(kind: u8, public_key): the action runs on the wallet's own account
  (func $manage_key (type $t)
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
    i64.const 1
    call $current_account_id
    i64.const 1
    local.get $sp
    i32.const 4
    i32.add
    call $read_reg
    local.set $me
    local.get $sp
    i64.load32_u offset=4
    local.get $me
    i64.extend_i32_u
    call $promise_batch_create
    local.set $p
    local.get $args
    i32.load8_u
    local.get $p
    local.get $sp
    i64.load32_u
    i64.const 1
    i64.sub
    local.get $args
    i32.const 1
    i32.add
    i64.extend_i32_u
    call $run_action
    local.get $sp
    i32.const 16
    i32.add
    global.set $__stack_pointer)
)
