;; ink!-style contract (seal0 ABI) whose `upgrade` message hides `seal_set_code_hash` behind an
;; opaque predicate: x * (x + 1) is a product of two consecutive integers, always even, so
;; `(x * (x + 1)) & 1 == 1` never holds and the upgrade is dead code (an obfuscator's decoy).
;; The default analysis sees an unguarded code upgrade; the SMT check refutes it.
(module
  (type $t_ii (func (param i32 i32)))
  (type $t_i_i (func (param i32) (result i32)))
  (type $t_iii (func (param i32 i32 i32)))
  (type $t_i (func (param i32)))
  (type $t (func))
  (import "seal0" "seal_input" (func $seal_input (type $t_ii)))
  (import "seal0" "seal_set_code_hash" (func $seal_set_code_hash (type $t_i_i)))
  (import "seal0" "seal_return" (func $seal_return (type $t_iii)))
  (import "env" "memory" (memory 2 16))
  (global $__stack_pointer (mut i32) (i32.const 65536))

  ;; message upgrade(code_hash: Hash)
  (func $upgrade (type $t_i) (param $hash i32)
    (local $x i32)
    local.get $hash
    i32.load
    local.tee $x
    local.get $x
    i32.const 1
    i32.add
    i32.mul
    i32.const 1
    i32.and
    i32.const 1
    i32.eq
    if
      local.get $hash
      call $seal_set_code_hash
      drop
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
    i32.const 0x694fb50f
    i32.eq
    if
      local.get $sp
      i32.const 4
      i32.add
      call $upgrade
    end
    i32.const 0
    i32.const 0
    i32.const 0
    call $seal_return
    unreachable)
)
