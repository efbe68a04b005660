;; ink!-style contract (seal0 ABI): `migrate` writes a flags word into its stack frame as
;; `input | 0x10` (the "initialized" bit always set), and only when a later read of that word has
;; the bit clear does it call `seal_set_code_hash`. The check goes through arithmetic on a stored
;; value, so the upgrade can never run. The default analysis sees an unguarded code upgrade; the
;; SMT check follows the store and the load and refutes it.
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

  ;; message migrate(code_hash: Hash, flags: u32)
  (func $migrate (type $t_i) (param $args i32)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 16
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    ;; state.flags = flags | INITIALIZED
    local.get $sp
    local.get $args
    i32.load offset=32
    i32.const 0x10
    i32.or
    i32.store offset=8
    ;; if !state.is_initialized() { upgrade }
    local.get $sp
    i32.load offset=8
    i32.const 4
    i32.shr_u
    i32.const 1
    i32.and
    i32.eqz
    if
      local.get $args
      call $seal_set_code_hash
      drop
    end
    local.get $sp
    i32.const 16
    i32.add
    global.set $__stack_pointer)

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
    i32.const 0x5c6d7e8f
    i32.eq
    if
      local.get $sp
      i32.const 4
      i32.add
      call $migrate
    end
    i32.const 0
    i32.const 0
    i32.const 0
    call $seal_return
    unreachable)
)
