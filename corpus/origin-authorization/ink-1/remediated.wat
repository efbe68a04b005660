;; ink! fee router on pallet-contracts (seal0 ABI, rustc layout: shadow stack in global 0, `call`
;; reads the input and dispatches on the 4-byte selector). Remediated: `set_fee` calls
;; `ensure_owner`, which compares `caller()` with the stored operator and traps on a mismatch.
(module
  (type $t_ii (func (param i32 i32)))
  (type $t_i_i (func (param i32) (result i32)))
  (type $t_iii (func (param i32 i32 i32)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $r_i (func (result i32)))
  (type $t_i (func (param i32)))
  (type $t (func))
  (import "seal0" "seal_input" (func $seal_input (type $t_ii)))
  (import "seal0" "seal_caller" (func $seal_caller (type $t_ii)))
  (import "seal0" "seal_get_storage" (func $seal_get_storage (type $t_iii_i)))
  (import "seal0" "seal_set_storage" (func $seal_set_storage (type $t_iii)))
  (import "seal0" "seal_return" (func $seal_return (type $t_iii)))
  (import "env" "memory" (memory 2 16))
  (global $__stack_pointer (mut i32) (i32.const 65536))
  (data (i32.const 1024) "\00\00\00\00owner-key-slot-0000000000000000")
  (data (i32.const 1056) "\01\00\00\00fee-key-slot-00000000000000000")

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

  ;; Self::ensure_owner: traps unless caller() is the stored operator
  (func $ensure_owner (type $t)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 80
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    i32.const 32
    i32.store offset=64
    local.get $sp
    local.get $sp
    i32.const 64
    i32.add
    call $seal_caller
    local.get $sp
    i32.const 32
    i32.store offset=68
    i32.const 1024
    local.get $sp
    i32.const 32
    i32.add
    local.get $sp
    i32.const 68
    i32.add
    call $seal_get_storage
    if
      unreachable
    end
    local.get $sp
    local.get $sp
    i32.const 32
    i32.add
    i32.const 32
    call $memcmp
    if
      unreachable
    end
    local.get $sp
    i32.const 80
    i32.add
    global.set $__stack_pointer)

  ;; message set_fee(fee: u128)
  (func $set_fee (type $t_i) (param $fee i32)
    call $ensure_owner
    i32.const 1056
    local.get $fee
    i32.const 16
    call $seal_set_storage)

  (func $deploy (export "deploy") (type $t)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 48
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    i32.const 32
    i32.store offset=32
    local.get $sp
    local.get $sp
    i32.const 32
    i32.add
    call $seal_caller
    i32.const 1024
    local.get $sp
    i32.const 32
    call $seal_set_storage
    local.get $sp
    i32.const 48
    i32.add
    global.set $__stack_pointer)

  (func $call (export "call") (type $t)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 80
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    i32.const 64
    i32.store offset=72
    local.get $sp
    local.get $sp
    i32.const 72
    i32.add
    call $seal_input
    block $unknown
      local.get $sp
      i32.load
      i32.const 0x7e3fa1c2
      i32.ne
      br_if $unknown
      local.get $sp
      i32.const 4
      i32.add
      call $set_fee
    end
    i32.const 0
    i32.const 0
    i32.const 0
    call $seal_return
    unreachable)
)
