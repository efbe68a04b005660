;; CosmWasm staking-rewards contract (cosmwasm-std layout: interface_version_8, Region pointers)
;; that computes rewards as `stake as f64 * apr` with `apr: f64` from its Config. Floats are
;; rejected at upload by every cosmwasm-vm before 1.5.0; this build declares the
;; `cosmwasm_2_0` capability (cosmwasm-std feature `cosmwasm_2_0`), so chains on older VMs refuse
;; it for the missing capability and the VMs that accept it run floats with canonical NaNs.
(module
  (type $t_i_i (func (param i32) (result i32)))
  (type $t_ii (func (param i32 i32)))
  (type $t_ij_j (func (param i32 i64) (result i64)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $t_i (func (param i32)))
  (type $t (func))
  (import "env" "db_read" (func $db_read (type $t_i_i)))
  (import "env" "db_write" (func $db_write (type $t_ii)))
  (import "env" "abort" (func $abort (type $t_i)))
  (memory 17)
  (global $__stack_pointer (mut i32) (i32.const 1048576))
  (global $heap (mut i32) (i32.const 1114112))
  (export "memory" (memory 0))
  (export "interface_version_8" (func $interface_version_8))
  (export "requires_iterator" (func $requires_iterator))
  (export "requires_cosmwasm_2_0" (func $requires_cosmwasm_2_0))
  (export "allocate" (func $allocate))
  (export "deallocate" (func $deallocate))
  (export "instantiate" (func $instantiate))
  (export "execute" (func $execute))
  (data (i32.const 1048576) "config\00\00{}")

  ;; rewards::accrued(&Config, stake: u64) -> u64
  (func $accrued (type $t_ij_j) (param $config i32) (param $stake i64) (result i64)
    (local $r f64)
    local.get $config
    f64.load offset=8
    local.get $stake
    f64.convert_i64_u
    f64.mul
    local.tee $r
    f64.const 0x1p+64
    f64.lt
    if (result i64)
      local.get $r
      i64.trunc_f64_u
    else
      i64.const -1
    end)

  (func $interface_version_8 (type $t))
  (func $requires_iterator (type $t))
  (func $requires_cosmwasm_2_0 (type $t))

  (func $allocate (type $t_i_i) (param $size i32) (result i32)
    (local $region i32)
    global.get $heap
    local.tee $region
    i32.const 12
    i32.add
    local.get $size
    i32.add
    global.set $heap
    local.get $region
    local.get $region
    i32.const 12
    i32.add
    i32.store
    local.get $region
    local.get $size
    i32.store offset=4
    local.get $region
    i32.const 0
    i32.store offset=8
    local.get $region)

  (func $deallocate (type $t_i) (param $region i32))

  (func $region_of (type $t_ii_i) (param $ptr i32) (param $len i32) (result i32)
    (local $r i32)
    i32.const 0
    call $allocate
    local.tee $r
    local.get $ptr
    i32.store
    local.get $r
    local.get $len
    i32.store offset=4
    local.get $r
    local.get $len
    i32.store offset=8
    local.get $r)

  (func $instantiate (type $t_iii_i) (param $env i32) (param $info i32) (param $msg i32) (result i32)
    i32.const 1048576
    i32.const 6
    call $region_of
    local.get $msg
    call $db_write
    i32.const 1048584
    i32.const 2
    call $region_of)

  ;; ExecuteMsg::Claim { stake }: pays `accrued(config, stake)`
  (func $execute (type $t_iii_i) (param $env i32) (param $info i32) (param $msg i32) (result i32)
    (local $config i32)
    i32.const 1048576
    i32.const 6
    call $region_of
    call $db_read
    local.tee $config
    i32.eqz
    if
      local.get $msg
      call $abort
    end
    local.get $msg
    i32.load
    local.tee $msg
    local.get $config
    i32.load
    local.get $msg
    i64.load
    call $accrued
    i64.store
    local.get $msg
    i32.const 8
    call $region_of)
)
