;; NEAR savings account (near-sys style, as rustc lays it out: shadow stack in global 0, host
;; values through registers). `move_to_staking` deducts the saved amount — it clears the
;; `saved` entry — and forwards 1 NEAR to the staking pool's `deposit` through the `forward`
;; helper, with no callback: when the pool rejects the call the NEAR comes back to this
;; contract, but the user's savings entry stays cleared.
(module
  (type $t_j (func (param i64)))
  (type $t_jj (func (param i64 i64)))
  (type $t_j_j (func (param i64) (result i64)))
  (type $t_jj_j (func (param i64 i64) (result i64)))
  (type $t_jjj_j (func (param i64 i64 i64) (result i64)))
  (type $t_jjjjj_j (func (param i64 i64 i64 i64 i64) (result i64)))
  (type $t_create (func (param i64 i64 i64 i64 i64 i64 i64 i64) (result i64)))
  (type $t_then (func (param i64 i64 i64 i64 i64 i64 i64 i64 i64) (result i64)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $t_ii (func (param i32 i32)))
  (type $t_ji (func (param i64 i32)))
  (type $t (func))
  (import "env" "input" (func $input (type $t_j)))
  (import "env" "register_len" (func $register_len (type $t_j_j)))
  (import "env" "read_register" (func $read_register (type $t_jj)))
  (import "env" "current_account_id" (func $current_account_id (type $t_j)))
  (import "env" "predecessor_account_id" (func $predecessor_account_id (type $t_j)))
  (import "env" "storage_write" (func $storage_write (type $t_jjjjj_j)))
  (import "env" "storage_remove" (func $storage_remove (type $t_jjj_j)))
  (import "env" "promise_create" (func $promise_create (type $t_create)))
  (import "env" "promise_then" (func $promise_then (type $t_then)))
  (import "env" "promise_result" (func $promise_result (type $t_jj_j)))
  (import "env" "panic_utf8" (func $panic_utf8 (type $t_jj)))
  (memory 17)
  (global $__stack_pointer (mut i32) (i32.const 1048576))
  (global $heap (mut i32) (i32.const 1114112))
  (data (i32.const 1048576) "Method on_claimed is private")
  (data (i32.const 1048608) "token.near")
  (data (i32.const 1048624) "ft_transfer")
  (data (i32.const 1048640) "on_claimed")
  (data (i32.const 1048656) "claiming")
  (data (i32.const 1048672) "claimed")
  (data (i32.const 1048688) "{\"receiver_id\":\"alice.near\",\"amount\":\"100\"}")
  ;; 1 yoctoNEAR and 0 as u128
  (data (i32.const 1048736) "\01\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00")
  (data (i32.const 1048752) "\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00")
  (data (i32.const 1048768) "\01")
  (data (i32.const 1048784) "pool.near")
  (data (i32.const 1048800) "deposit")
  (data (i32.const 1048808) "{}")
  ;; 1 NEAR = 10^24 yoctoNEAR as u128
  (data (i32.const 1048816) "\00\00\00\a1\ed\cc\ce\1b\c2\d3\00\00\00\00\00\00")
  (data (i32.const 1048832) "saved")
  (data (i32.const 1048840) "on_moved")

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

  ;; near_sdk::env::read_register(reg) -> Vec<u8> (bump allocator), returned through `out`
  (func $read_reg (type $t_ji) (param $reg i64) (param $out i32)
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

  ;; near_sdk::assert_private: predecessor_account_id == current_account_id
  (func $assert_private (type $t)
    (local $sp i32)
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
    i64.const 1
    call $current_account_id
    i64.const 1
    local.get $sp
    i32.const 8
    i32.add
    call $read_reg
    block $ok
      local.get $sp
      i32.load offset=4
      local.get $sp
      i32.load offset=12
      i32.eq
      if
        local.get $sp
        i32.load
        local.get $sp
        i32.load offset=8
        local.get $sp
        i32.load offset=4
        call $memcmp
        i32.eqz
        br_if $ok
      end
      i64.const 28
      i64.const 1048576
      call $panic_utf8
      unreachable
    end
    local.get $sp
    i32.const 16
    i32.add
    global.set $__stack_pointer)

  ;; near_sdk::env::storage_write(key, &[1])
  (func $set_flag (type $t_ii) (param $key i32) (param $len i32)
    local.get $len
    i64.extend_i32_u
    local.get $key
    i64.extend_i32_u
    i64.const 1
    i64.const 1048768
    i64.const 0
    call $storage_write
    drop)

  ;; fn forward(): Promise::new("pool.near").function_call("deposit", {}, 1 NEAR, 10 TGas)
  (func $forward (type $t)
    i64.const 9
    i64.const 1048784
    i64.const 7
    i64.const 1048800
    i64.const 2
    i64.const 1048808
    i64.const 1048816
    i64.const 10000000000000
    call $promise_create
    drop)

  ;; pub fn move_to_staking(&mut self)
  (func $move_to_staking (export "move_to_staking") (type $t)
    i64.const 5
    i64.const 1048832
    i64.const 0
    call $storage_remove
    drop
    call $forward ;; @expect reentrancy
  )
)
