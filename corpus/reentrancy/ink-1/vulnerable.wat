;; ink! 4 escrow on pallet-contracts (seal1/seal2 ABI), laid out as rustc emits it: a shadow
;; stack in global 0, the whole contract struct packed under the root storage key 0x00000000,
;; `call` dispatching on the 4-byte selector. `release` loads the root, pays the deposit to the
;; beneficiary through the `pay` helper and only then zeroes the deposit and writes the root back.
;; `pay` builds its CallFlags as `ALLOW_REENTRY | FORWARD_INPUT` (8|1) in a stack slot, so the
;; beneficiary's contract can call `release` again while the deposit is still stored.
(module
  (type $t_ii (func (param i32 i32)))
  (type $t_iii (func (param i32 i32 i32)))
  (type $t_iiii_i (func (param i32 i32 i32 i32) (result i32)))
  (type $t_call (func (param i32 i32 i64 i32 i32 i32 i32 i32) (result i32)))
  (type $t_i (func (param i32)))
  (type $t_ijj (func (param i32 i64 i64)))
  (type $t (func))
  (import "seal0" "input" (func $input (type $t_ii)))
  (import "seal0" "caller" (func $caller (type $t_ii)))
  (import "seal1" "get_storage" (func $get_storage (type $t_iiii_i)))
  (import "seal2" "set_storage" (func $set_storage (type $t_iiii_i)))
  (import "seal1" "call" (func $seal_call (type $t_call)))
  (import "seal0" "seal_return" (func $seal_return (type $t_iii)))
  (import "env" "memory" (memory 2 16))
  (global $__stack_pointer (mut i32) (i32.const 65536))
  ;; root storage key
  (data (i32.const 1024) "\00\00\00\00")

  ;; <Escrow as Storable>::decode(&get_contract_storage(&ROOT_KEY))
  (func $load_root (type $t_i) (param $out i32)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 16
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    i32.const 64
    i32.store offset=12
    i32.const 1024
    i32.const 4
    local.get $out
    local.get $sp
    i32.const 12
    i32.add
    call $get_storage
    if
      unreachable
    end
    local.get $sp
    i32.const 16
    i32.add
    global.set $__stack_pointer)

  ;; set_contract_storage(&ROOT_KEY, &escrow)
  (func $store_root (type $t_i) (param $in i32)
    i32.const 1024
    i32.const 4
    local.get $in
    i32.const 64
    call $set_storage
    drop)

  ;; ink::env::invoke_contract(&CallParams { callee, value, flags: ALLOW_REENTRY | FORWARD_INPUT })
  (func $pay (type $t_ijj) (param $dest i32) (param $lo i64) (param $hi i64)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 48
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    i32.const 8
    i32.const 1
    i32.or
    i32.store offset=4
    local.get $sp
    local.get $lo
    i64.store offset=16
    local.get $sp
    local.get $hi
    i64.store offset=24
    local.get $sp
    i32.load offset=4
    local.get $dest
    i64.const 0
    local.get $sp
    i32.const 16
    i32.add
    i32.const 0
    i32.const 0
    i32.const -1
    i32.const 0
    call $seal_call
    if
      unreachable
    end
    local.get $sp
    i32.const 48
    i32.add
    global.set $__stack_pointer)

  ;; message release()
  (func $release (type $t)
    (local $sp i32) (local $lo i64) (local $hi i64)
    global.get $__stack_pointer
    i32.const 80
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    call $load_root
    local.get $sp
    i64.load offset=32
    local.tee $lo
    local.get $sp
    i64.load offset=40
    local.tee $hi
    i64.or
    i64.eqz
    if
      unreachable
    end
    local.get $sp
    local.get $lo
    local.get $hi
    call $pay
    local.get $sp
    i64.const 0
    i64.store offset=32
    local.get $sp
    i64.const 0
    i64.store offset=40
    local.get $sp
    call $store_root ;; @expect reentrancy
    local.get $sp
    i32.const 80
    i32.add
    global.set $__stack_pointer)

  ;; constructor new(): the caller is the beneficiary, nothing deposited yet
  (func $deploy (export "deploy") (type $t)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 80
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    i32.const 32
    i32.store offset=72
    local.get $sp
    local.get $sp
    i32.const 72
    i32.add
    call $caller
    local.get $sp
    i64.const 0
    i64.store offset=32
    local.get $sp
    i64.const 0
    i64.store offset=40
    local.get $sp
    call $store_root
    local.get $sp
    i32.const 80
    i32.add
    global.set $__stack_pointer)

  (func $call (export "call") (type $t)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 32
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    i32.const 16
    i32.store offset=28
    local.get $sp
    local.get $sp
    i32.const 28
    i32.add
    call $input
    block $unknown
      local.get $sp
      i32.load
      i32.const 0x9c1b6e5d
      i32.ne
      br_if $unknown
      call $release
    end
    i32.const 0
    i32.const 0
    i32.const 0
    call $seal_return
    unreachable)
)
