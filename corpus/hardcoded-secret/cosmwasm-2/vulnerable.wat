;; CosmWasm quiz pool (cosmwasm-std layout: interface_version_8, Region pointers). The emergency
;; withdrawal is authorized by `ensure!(password == EMERGENCY_PASSWORD)`: rustc inlines the
;; 22-byte comparison as three 8-byte loads of the message bytes xored with integer immediates,
;; so the password is not in the data section but in the code, readable by anyone. Passing the
;; check writes the payout into storage.
(module
  (type $t_i_i (func (param i32) (result i32)))
  (type $t_ii (func (param i32 i32)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $t_i (func (param i32)))
  (type $t (func))
  (import "env" "db_read" (func $db_read (type $t_i_i)))
  (import "env" "db_write" (func $db_write (type $t_ii)))
  (import "env" "abort" (func $abort (type $t_i)))
  (memory 17)
  (global $heap (mut i32) (i32.const 1114112))
  (export "memory" (memory 0))
  (export "interface_version_8" (func $interface_version_8))
  (export "allocate" (func $allocate))
  (export "deallocate" (func $deallocate))
  (export "instantiate" (func $instantiate))
  (export "execute" (func $execute))
  (data (i32.const 1048576) "poolpayout")

  (func $interface_version_8 (type $t))

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
    i32.const 4
    call $region_of
    local.get $msg
    call $db_write
    i32.const 0)

  ;; ExecuteMsg::EmergencyWithdraw { password }: the password bytes are the message data.
  (func $execute (type $t_iii_i) (param $env i32) (param $info i32) (param $msg i32) (result i32)
    (local $p i32)
    local.get $msg
    i32.load offset=8
    i32.const 22
    i32.ne
    if
      local.get $msg
      call $abort
    end
    local.get $msg
    i32.load
    local.tee $p
    i64.load ;; @expect hardcoded-secret
    i64.const 7233112454592815478
    i64.xor
    local.get $p
    i64.load offset=8 align=1
    i64.const 7292562794064275821
    i64.xor
    i64.or
    local.get $p
    i64.load offset=14 align=1
    i64.const 7364055231202682164
    i64.xor
    i64.or
    i64.eqz
    i32.eqz
    if
      local.get $msg
      call $abort
    end
    ;; pay the whole pool to the caller's chosen address
    i32.const 1048580
    i32.const 6
    call $region_of
    local.get $info
    call $db_write
    i32.const 0)
)
