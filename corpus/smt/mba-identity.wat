;; ink!-style contract (seal0 ABI) whose `close` message guards `seal_terminate` with a
;; mixed boolean-arithmetic identity: (x ^ y) + 2 * (x & y) equals x + y for all 32-bit x and y,
;; so the `!=` branch never runs. The default analysis sees an unguarded terminate; the SMT
;; check proves the predicate constant and refutes it.
(module
  (type $t_ii (func (param i32 i32)))
  (type $t_iii (func (param i32 i32 i32)))
  (type $t_i (func (param i32)))
  (type $t (func))
  (import "seal0" "seal_input" (func $seal_input (type $t_ii)))
  (import "seal0" "seal_terminate" (func $seal_terminate (type $t_ii)))
  (import "seal0" "seal_return" (func $seal_return (type $t_iii)))
  (import "env" "memory" (memory 2 16))
  (global $__stack_pointer (mut i32) (i32.const 65536))

  ;; message close(beneficiary: AccountId, a: u32, b: u32)
  (func $close (type $t_i) (param $args i32)
    (local $x i32) (local $y i32)
    local.get $args
    i32.load offset=32
    local.set $x
    local.get $args
    i32.load offset=36
    local.set $y
    local.get $x
    local.get $y
    i32.xor
    local.get $x
    local.get $y
    i32.and
    i32.const 1
    i32.shl
    i32.add
    local.get $x
    local.get $y
    i32.add
    i32.ne
    if
      local.get $args
      i32.const 32
      call $seal_terminate
    end)

  (func $deploy (export "deploy") (type $t))

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
    local.get $sp
    i32.load
    i32.const 0x1b2c3d4e
    i32.eq
    if
      local.get $sp
      i32.const 4
      i32.add
      call $close
    end
    i32.const 0
    i32.const 0
    i32.const 0
    call $seal_return
    unreachable)
)
