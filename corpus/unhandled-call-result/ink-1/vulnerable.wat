;; ink! escrow on pallet-contracts (seal0 ABI, rustc layout: shadow stack in global 0, `call`
;; dispatches on the 4-byte selector). `release(order)` pays the seller through
;; `Env::transfer`, which returns `seal_transfer`'s ReturnCode, and then deletes the order. The
;; message discards the code (`let _ = self.env().transfer(..)`): when the transfer fails
;; (the seller's account rejects value, the escrow is below the existential deposit) the order
;; is deleted anyway and the funds are stuck with no record of whom they belong to.
(module
  (type $t_ii (func (param i32 i32)))
  (type $t_i (func (param i32)))
  (type $t_i_i (func (param i32) (result i32)))
  (type $t_iii (func (param i32 i32 i32)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $t_iiii_i (func (param i32 i32 i32 i32) (result i32)))
  (type $t (func))
  (import "seal0" "seal_input" (func $seal_input (type $t_ii)))
  (import "seal0" "seal_caller" (func $seal_caller (type $t_ii)))
  (import "seal0" "seal_transfer" (func $seal_transfer (type $t_iiii_i)))
  (import "seal0" "seal_clear_storage" (func $seal_clear_storage (type $t_i)))
  (import "seal0" "seal_return" (func $seal_return (type $t_iii)))
  (import "env" "memory" (memory 2 16))
  (global $__stack_pointer (mut i32) (i32.const 65536))

  (func $memcmp (param $a i32) (param $b i32) (param $n i32) (result i32)
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

  ;; assert_eq!(self.env().caller(), order.buyer)
  (func $ensure_buyer (type $t_i) (param $order i32)
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
    local.get $sp
    local.get $order
    i32.const 80
    i32.add
    i32.const 32
    call $memcmp
    if
      unreachable
    end
    local.get $sp
    i32.const 48
    i32.add
    global.set $__stack_pointer)

  ;; ink_env::transfer::<DefaultEnvironment>(dest, value): the raw ReturnCode
  (func $env_transfer (type $t_ii_i) (param $dest i32) (param $value i32) (result i32)
    local.get $dest
    i32.const 32
    local.get $value
    i32.const 16
    call $seal_transfer ;; @expect unhandled-call-result
  )

  ;; message release(order: Order { seller, amount, key, buyer }): only the buyer releases
  (func $release (type $t_i) (param $order i32)
    local.get $order
    call $ensure_buyer
    local.get $order
    local.get $order
    i32.const 32
    i32.add
    call $env_transfer
    drop
    local.get $order
    i32.const 48
    i32.add
    call $seal_clear_storage)

  (func $deploy (export "deploy") (type $t))

  (func $call (export "call") (type $t)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 144
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    i32.const 128
    i32.store offset=132
    local.get $sp
    local.get $sp
    i32.const 132
    i32.add
    call $seal_input
    block $unknown
      local.get $sp
      i32.load
      i32.const 0x3b5c7d1e
      i32.ne
      br_if $unknown
      local.get $sp
      i32.const 4
      i32.add
      call $release
    end
    i32.const 0
    i32.const 0
    i32.const 0
    call $seal_return
    unreachable)
)
