;; ink! voting contract on pallet-contracts (seal0 ABI), built by cargo-contract, whose
;; post-processing lowers sign-extension: the `i8` vote weight is sign-extended with a shift
;; pair, which is WebAssembly MVP and accepted by pallet-contracts.
(module
  (type $t_ii (func (param i32 i32)))
  (type $t_i_i (func (param i32) (result i32)))
  (type $t_iii (func (param i32 i32 i32)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $t_i (func (param i32)))
  (type $t (func))
  (import "seal0" "seal_input" (func $seal_input (type $t_ii)))
  (import "seal0" "seal_caller" (func $seal_caller (type $t_ii)))
  (import "seal0" "seal_get_storage" (func $seal_get_storage (type $t_iii_i)))
  (import "seal0" "seal_set_storage" (func $seal_set_storage (type $t_iii)))
  (import "seal0" "seal_return" (func $seal_return (type $t_iii)))
  (import "env" "memory" (memory 2 16))
  (global $__stack_pointer (mut i32) (i32.const 65536))
  (data (i32.const 1024) "tally\00\00\00")

  ;; <i8 as scale::Decode>::decode, reading the byte after the selector.
  (func $decode_weight (type $t_i_i) (param $input i32) (result i32)
    local.get $input
    i32.load offset=4
    i32.const 8
    i32.shr_u
    i32.const 24
    i32.shl
    i32.const 24
    i32.shr_s)

  ;; Lazy<i32>::get / set for the running tally.
  (func $load_tally (type $t_i_i) (param $buf i32) (result i32)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 16
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    i32.const 4
    i32.store offset=12
    i32.const 1024
    local.get $buf
    local.get $sp
    i32.const 12
    i32.add
    call $seal_get_storage
    if
      local.get $buf
      i32.const 0
      i32.store
    end
    local.get $sp
    i32.const 16
    i32.add
    global.set $__stack_pointer
    local.get $buf
    i32.load)

  ;; message vote(weight: i8)
  (func $vote (type $t_i) (param $input i32)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 16
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    local.get $sp
    call $load_tally
    local.get $input
    call $decode_weight
    i32.add
    i32.store
    i32.const 1024
    local.get $sp
    i32.const 4
    call $seal_set_storage
    local.get $sp
    i32.const 16
    i32.add
    global.set $__stack_pointer)

  (func $deploy (export "deploy") (type $t)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 16
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    i32.const 0
    i32.store
    i32.const 1024
    local.get $sp
    i32.const 4
    call $seal_set_storage
    local.get $sp
    i32.const 16
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
    i32.const 32
    i32.store offset=40
    local.get $sp
    local.get $sp
    i32.const 40
    i32.add
    call $seal_input
    block $unknown
      local.get $sp
      i32.load
      i32.const 0x5d8b2b12
      i32.ne
      br_if $unknown
      local.get $sp
      call $vote
    end
    i32.const 0
    i32.const 0
    i32.const 0
    call $seal_return
    unreachable)
)
