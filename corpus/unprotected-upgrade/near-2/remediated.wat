;; NEAR contract (near-sdk-rs 4 layout): `Promise` queues `PromiseAction`s in a heap vector and
;; its drop runs one generic dispatcher, `construct_recursively`, that matches on each action's
;; tag and issues the host call. Every entry point that creates any promise reaches every arm, so
;; reaching the deploy arm says nothing by itself. `ft_transfer_call` only queues a function
;; call; `upgrade` queues a deploy of the input code on the contract's own account, and only
;; after `assert_self` (the predecessor must be the contract itself: a call from its full-access
;; key or its own promise).
(module
  (type $t_j (func (param i64)))
  (type $t_jj (func (param i64 i64)))
  (type $t_j_j (func (param i64) (result i64)))
  (type $t_jj_j (func (param i64 i64) (result i64)))
  (type $t_jjj (func (param i64 i64 i64)))
  (type $t_jjjjjjj (func (param i64 i64 i64 i64 i64 i64 i64)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $t_i (func (param i32)))
  (type $t (func))
  (import "env" "input" (func $input (type $t_j)))
  (import "env" "register_len" (func $register_len (type $t_j_j)))
  (import "env" "read_register" (func $read_register (type $t_jj)))
  (import "env" "current_account_id" (func $current_account_id (type $t_j)))
  (import "env" "predecessor_account_id" (func $predecessor_account_id (type $t_j)))
  (import "env" "panic_utf8" (func $panic_utf8 (type $t_jj)))
  (import "env" "promise_batch_create" (func $promise_batch_create (type $t_jj_j)))
  (import "env" "promise_batch_action_create_account" (func $promise_batch_action_create_account (type $t_j)))
  (import "env" "promise_batch_action_deploy_contract" (func $promise_batch_action_deploy_contract (type $t_jjj)))
  (import "env" "promise_batch_action_function_call" (func $promise_batch_action_function_call (type $t_jjjjjjj)))
  (import "env" "promise_batch_action_transfer" (func $promise_batch_action_transfer (type $t_jj)))
  (import "env" "promise_batch_action_delete_account" (func $promise_batch_action_delete_account (type $t_jjj)))
  (memory 17)
  (global $__stack_pointer (mut i32) (i32.const 1048576))
  (global $heap (mut i32) (i32.const 1114112))
  (data (i32.const 1048576) "Method is private\00ft_on_transfer")

  ;; near_sdk::env::register -> Vec<u8> (bump allocator)
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

  ;; near_sdk::assert_self
  (func $assert_self (type $t)
    (local $p i32) (local $plen i32) (local $c i32) (local $clen i32)
    i64.const 2
    call $predecessor_account_id
    i64.const 2
    call $read_reg
    local.set $p
    i64.const 2
    call $register_len
    i32.wrap_i64
    local.set $plen
    i64.const 3
    call $current_account_id
    i64.const 3
    call $read_reg
    local.set $c
    i64.const 3
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

  ;; Promise { account (ptr, len) at +0/+4, actions (ptr, count) at +8/+12 } on the heap
  (func $promise_new (param $acc i32) (param $acc_len i32) (result i32)
    (local $p i32)
    global.get $heap
    local.tee $p
    i32.const 16
    i32.add
    global.set $heap
    local.get $p
    local.get $acc
    i32.store
    local.get $p
    local.get $acc_len
    i32.store offset=4
    local.get $p
    global.get $heap
    i32.store offset=8
    global.get $heap
    i32.const 480
    i32.add
    global.set $heap
    local.get $p
    i32.const 0
    i32.store offset=12
    local.get $p)

  ;; Promise::add_action: PromiseAction { tag: u32, a: u64, b: u64 } (24 bytes) pushed
  (func $push_action (param $p i32) (param $tag i32) (param $a i64) (param $b i64)
    (local $slot i32)
    local.get $p
    i32.load offset=8
    local.get $p
    i32.load offset=12
    i32.const 24
    i32.mul
    i32.add
    local.tee $slot
    local.get $tag
    i32.store
    local.get $slot
    local.get $a
    i64.store offset=8
    local.get $slot
    local.get $b
    i64.store offset=16
    local.get $p
    local.get $p
    i32.load offset=12
    i32.const 1
    i32.add
    i32.store offset=12)

  ;; <Promise as Drop>::drop -> construct_recursively: one host call per queued action
  (func $construct_recursively (type $t_i) (param $p i32)
    (local $promise i64) (local $i i32) (local $act i32)
    local.get $p
    i32.load offset=4
    i64.extend_i32_u
    local.get $p
    i32.load
    i64.extend_i32_u
    call $promise_batch_create
    local.set $promise
    block $done
      loop $next
        local.get $i
        local.get $p
        i32.load offset=12
        i32.ge_u
        br_if $done
        local.get $p
        i32.load offset=8
        local.get $i
        i32.const 24
        i32.mul
        i32.add
        local.set $act
        block $delete
          block $transfer
            block $call
              block $deploy
                block $create
                  local.get $act
                  i32.load
                  br_table $create $deploy $call $transfer $delete $done
                end
                local.get $promise
                call $promise_batch_action_create_account
                br $delete
              end
              local.get $promise
              local.get $act
              i64.load offset=16
              local.get $act
              i64.load offset=8
              call $promise_batch_action_deploy_contract
              br $delete
            end
            local.get $promise
            i64.const 14
            i64.const 1048594
            local.get $act
            i64.load offset=16
            local.get $act
            i64.load offset=8
            i64.const 0
            i64.const 30000000000000
            call $promise_batch_action_function_call
            br $delete
          end
          local.get $promise
          local.get $act
          i64.load offset=8
          call $promise_batch_action_transfer
        end
        block $skip
          local.get $act
          i32.load
          i32.const 4
          i32.ne
          br_if $skip
          local.get $promise
          local.get $act
          i64.load offset=16
          local.get $act
          i64.load offset=8
          call $promise_batch_action_delete_account
        end
        local.get $i
        i32.const 1
        i32.add
        local.set $i
        br $next
      end
    end)

  ;; ft_transfer_call(receiver_id, msg): calls `ft_on_transfer` on the receiver from the input
  (func $ft_transfer_call (export "ft_transfer_call") (type $t)
    (local $in i32) (local $len i32) (local $p i32)
    i64.const 0
    call $input
    i64.const 0
    call $read_reg
    local.set $in
    i64.const 0
    call $register_len
    i32.wrap_i64
    local.set $len
    local.get $in
    i32.const 64
    call $promise_new
    local.tee $p
    i32.const 2
    local.get $in
    i64.extend_i32_u
    local.get $len
    i64.extend_i32_u
    call $push_action
    local.get $p
    call $construct_recursively)

  ;; upgrade(): Promise::new(env::current_account_id()).deploy_contract(env::input())
  (func $upgrade (export "upgrade") (type $t)
    (local $code i32) (local $len i32) (local $acc i32) (local $acc_len i32) (local $p i32)
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
    i64.const 1
    call $current_account_id
    i64.const 1
    call $read_reg
    local.set $acc
    i64.const 1
    call $register_len
    i32.wrap_i64
    local.set $acc_len
    local.get $acc
    local.get $acc_len
    call $promise_new
    local.tee $p
    i32.const 1
    local.get $code
    i64.extend_i32_u
    local.get $len
    i64.extend_i32_u
    call $push_action
    local.get $p
    call $construct_recursively)
)
