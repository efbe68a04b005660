;; CosmWasm lending contract (cosmwasm-std layout: interface_version_8, Region pointers). `query`
;; and `execute` share `load_config`, which lazily writes a default Config when none is stored.
;; The VM runs `query` with read-only storage, so once the config is missing (after a migration
;; cleared it) every position query aborts with a write-access error. The price lookup through
;; `query_chain` is a read-only query of another contract and is fine.
(module
  (type $t_i_i (func (param i32) (result i32)))
  (type $t_ii (func (param i32 i32)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $t_i (func (param i32)))
  (type $r_i (func (result i32)))
  (type $t (func))
  (import "env" "db_read" (func $db_read (type $t_i_i)))
  (import "env" "db_write" (func $db_write (type $t_ii)))
  (import "env" "query_chain" (func $query_chain (type $t_i_i)))
  (import "env" "abort" (func $abort (type $t_i)))
  (memory 17)
  (global $__stack_pointer (mut i32) (i32.const 1048576))
  (global $heap (mut i32) (i32.const 1114112))
  (export "memory" (memory 0))
  (export "interface_version_8" (func $interface_version_8))
  (export "allocate" (func $allocate))
  (export "deallocate" (func $deallocate))
  (export "instantiate" (func $instantiate))
  (export "execute" (func $execute))
  (export "query" (func $query))
  (data (i32.const 1048576) "config{\22ltv\22:\2275\22}{\22ok\22:{}}")

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

  ;; state::load_config(deps.storage): CONFIG.may_load()?.unwrap_or_else(|| save default)
  (func $load_config (type $r_i) (result i32)
    (local $value i32)
    i32.const 1048576
    i32.const 6
    call $region_of
    call $db_read
    local.tee $value
    i32.eqz
    if
      i32.const 1048576
      i32.const 6
      call $region_of
      i32.const 1048582
      i32.const 12
      call $region_of
      local.tee $value
      call $db_write ;; @expect state-changing-query
    end
    local.get $value)

  (func $instantiate (type $t_iii_i) (param $env i32) (param $info i32) (param $msg i32) (result i32)
    i32.const 1048576
    i32.const 6
    call $region_of
    local.get $msg
    call $db_write
    i32.const 1048594
    i32.const 9
    call $region_of)

  (func $execute (type $t_iii_i) (param $env i32) (param $info i32) (param $msg i32) (result i32)
    call $load_config
    i32.eqz
    if
      local.get $msg
      call $abort
    end
    i32.const 1048594
    i32.const 9
    call $region_of)

  ;; QueryMsg::Position { .. }: the config's LTV and the oracle price of the collateral
  (func $query (type $t_ii_i) (param $env i32) (param $msg i32) (result i32)
    call $load_config
    drop
    local.get $msg
    call $query_chain)
)
