;; ink! 3 token on pallet-contracts (seal0 ABI), as rustc lays it out with `overflow-checks`
;; off: shadow stack in global 0, the contract struct (total supply as u128) under one storage
;; key. `mint(amount: u128)` is owner-only; it loads the stored supply and adds the input amount
;; with the `add_supply` helper (a `#[inline(never)]` `wrapping_add` on u128: two i64 limbs, the
;; low limb's carry fed into the high limb) and writes the sum back. Minting past 2^128 wraps the
;; supply to a small number.
(module
  (type $t_ii (func (param i32 i32)))
  (type $t_iii (func (param i32 i32 i32)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $t_ijjjj (func (param i32 i64 i64 i64 i64)))
  (type $t_i (func (param i32)))
  (type $t (func))
  (import "seal0" "seal_input" (func $seal_input (type $t_ii)))
  (import "seal0" "seal_caller" (func $seal_caller (type $t_ii)))
  (import "seal0" "seal_get_storage" (func $seal_get_storage (type $t_iii_i)))
  (import "seal0" "seal_set_storage" (func $seal_set_storage (type $t_iii)))
  (import "seal0" "seal_return" (func $seal_return (type $t_iii)))
  (import "env" "memory" (memory 2 16))
  (global $__stack_pointer (mut i32) (i32.const 65536))
  (data (i32.const 1024) "\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00")

  (func $load_root (type $t_i) (param $out i32)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 16
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    i32.const 48
    i32.store offset=12
    i32.const 1024
    local.get $out
    local.get $sp
    i32.const 12
    i32.add
    call $seal_get_storage
    if
      unreachable
    end
    local.get $sp
    i32.const 16
    i32.add
    global.set $__stack_pointer)

  (func $store_root (type $t_i) (param $in i32)
    i32.const 1024
    local.get $in
    i32.const 48
    call $seal_set_storage)

  ;; fn add_supply(out: &mut u128, a: u128, b: u128) { *out = a.wrapping_add(b) }
  (func $add_supply (type $t_ijjjj) (param $out i32) (param $a_lo i64) (param $a_hi i64) (param $b_lo i64) (param $b_hi i64)
    (local $lo i64)
    local.get $out
    local.get $a_lo
    local.get $b_lo
    i64.add
    local.tee $lo
    i64.store
    local.get $out
    local.get $a_hi
    local.get $b_hi
    i64.add
    local.get $lo
    local.get $a_lo
    i64.lt_u
    i64.extend_i32_u
    i64.add ;; @expect unchecked-arithmetic
    i64.store offset=8)

  ;; message mint(amount: Balance)
  (func $mint (type $t_i) (param $amount i32)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 96
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    call $load_root
    ;; only the owner (bytes 16..48 of the struct) may mint
    local.get $sp
    i32.const 32
    i32.store offset=92
    local.get $sp
    i32.const 48
    i32.add
    local.get $sp
    i32.const 92
    i32.add
    call $seal_caller
    local.get $sp
    i64.load offset=16
    local.get $sp
    i64.load offset=48
    i64.ne
    if
      unreachable
    end
    local.get $sp
    local.get $sp
    i64.load
    local.get $sp
    i64.load offset=8
    local.get $amount
    i64.load
    local.get $amount
    i64.load offset=8
    call $add_supply
    local.get $sp
    call $store_root
    local.get $sp
    i32.const 96
    i32.add
    global.set $__stack_pointer)

  (func $deploy (export "deploy") (type $t)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 64
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    i32.const 32
    i32.store offset=60
    local.get $sp
    i32.const 16
    i32.add
    local.get $sp
    i32.const 60
    i32.add
    call $seal_caller
    local.get $sp
    i64.const 0
    i64.store
    local.get $sp
    i64.const 0
    i64.store offset=8
    local.get $sp
    call $store_root
    local.get $sp
    i32.const 64
    i32.add
    global.set $__stack_pointer)

  (func $call (export "call") (type $t)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 48
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    i32.const 20
    i32.store offset=44
    local.get $sp
    local.get $sp
    i32.const 44
    i32.add
    call $seal_input
    block $unknown
      local.get $sp
      i32.load
      i32.const 0xcfdd9aa2
      i32.ne
      br_if $unknown
      local.get $sp
      i32.const 4
      i32.add
      call $mint
    end
    i32.const 0
    i32.const 0
    i32.const 0
    call $seal_return
    unreachable)
)
