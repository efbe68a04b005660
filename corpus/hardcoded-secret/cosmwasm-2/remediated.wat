;; The remediated quiz pool: the emergency withdrawal no longer takes a password; it requires the
;; sender to be the recovery address stored at instantiation (compared with what db_read returns).
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
  (data (i32.const 1048576) "poolpayoutrecovery")

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
    i32.const 1048586
    i32.const 8
    call $region_of
    local.get $msg
    call $db_write
    i32.const 0)

  ;; ExecuteMsg::EmergencyWithdraw {}: info.sender must equal the stored recovery address.
  (func $execute (type $t_iii_i) (param $env i32) (param $info i32) (param $msg i32) (result i32)
    (local $p i32) (local $q i32)
    i32.const 1048586
    i32.const 8
    call $region_of
    call $db_read
    i32.load
    local.set $q
    local.get $info
    i32.load
    local.tee $p
    i64.load align=1
    local.get $q
    i64.load align=1
    i64.xor
    local.get $p
    i64.load offset=8 align=1
    local.get $q
    i64.load offset=8 align=1
    i64.xor
    i64.or
    i64.eqz
    i32.eqz
    if
      local.get $msg
      call $abort
    end
    i32.const 1048580
    i32.const 6
    call $region_of
    local.get $info
    call $db_write
    i32.const 0)
)
