;; ink! exchange on pallet-contracts (seal0 ABI). The swap fee is `(amount as f64 * fee_rate)
;; as u64`, with `fee_rate: f64` kept in the Config struct: pallet-contracts loads code with
;; wasmi floats disabled under Determinism::Enforced, so the code cannot be uploaded for
;; on-chain use (and stored as Relaxed it never runs in a transaction).
(module
  (type $t_ii (func (param i32 i32)))
  (type $t_ij_j (func (param i32 i64) (result i64)))
  (type $t_iii (func (param i32 i32 i32)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $t_i (func (param i32)))
  (type $t (func))
  (import "seal0" "seal_input" (func $seal_input (type $t_ii)))
  (import "seal0" "seal_get_storage" (func $seal_get_storage (type $t_iii_i)))
  (import "seal0" "seal_set_storage" (func $seal_set_storage (type $t_iii)))
  (import "seal0" "seal_return" (func $seal_return (type $t_iii)))
  (import "env" "memory" (memory 2 16))
  (global $__stack_pointer (mut i32) (i32.const 65536))
  (data (i32.const 1024) "config\00\00")
  ;; Config { owner: [u8; 0], fee_rate: f64 = 0.003 } as SCALE-encoded at deploy
  (data (i32.const 1032) "\00\00\00\00\00\00\00\00\6a\bc\74\93\18\04\68\3f")

  ;; exchange::fee_of(&Config, amount: u64) -> u64
  (func $fee_of (type $t_ij_j) (param $config i32) (param $amount i64) (result i64)
    (local $fee f64)
    local.get $config
    f64.load offset=8 ;; @expect nondeterminism
    local.get $amount
    f64.convert_i64_u
    f64.mul
    local.tee $fee
    f64.const 0x1p+64
    f64.lt
    if (result i64)
      local.get $fee
      i64.trunc_f64_u
    else
      i64.const -1
    end)

  ;; Lazy<Config>::get
  (func $load_config (type $t_i) (param $out i32)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 16
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    i32.const 16
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

  ;; message swap(amount: u64) -> u64 (amount after fee)
  (func $swap (type $t_i) (param $input i32)
    (local $sp i32) (local $amount i64)
    global.get $__stack_pointer
    i32.const 32
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    call $load_config
    local.get $input
    i64.load offset=4
    local.tee $amount
    local.get $sp
    local.get $amount
    call $fee_of
    i64.sub
    local.set $amount
    local.get $sp
    local.get $amount
    i64.store offset=16
    i32.const 0
    local.get $sp
    i32.const 16
    i32.add
    i32.const 8
    call $seal_return
    unreachable)

  (func $deploy (export "deploy") (type $t)
    i32.const 1024
    i32.const 1032
    i32.const 16
    call $seal_set_storage)

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
      i32.const 0x2f865bd9
      i32.ne
      br_if $unknown
      local.get $sp
      call $swap
    end
    i32.const 1
    i32.const 0
    i32.const 0
    call $seal_return
    unreachable)
)
