;; CosmWasm NFT contract (cosmwasm-std layout). Storage goes through `dyn Storage`: the calls
;; are `call_indirect` through the ExternalStorage vtable (table slots 1..3). `query` only reads
;; through the vtable's `get`; lookup statistics are left to an off-chain indexer.
(module
  (type $t_i_i (func (param i32) (result i32)))
  (type $t_ii (func (param i32 i32)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $t_iii (func (param i32 i32 i32)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $t_i (func (param i32)))
  (type $t (func))
  (import "env" "db_read" (func $db_read (type $t_i_i)))
  (import "env" "db_write" (func $db_write (type $t_ii)))
  (import "env" "db_remove" (func $db_remove (type $t_i)))
  (import "env" "abort" (func $abort (type $t_i)))
  (memory 17)
  (table 4 4 funcref)
  (elem (i32.const 1) func $ext_get $ext_set $ext_remove)
  (global $__stack_pointer (mut i32) (i32.const 1048576))
  (global $heap (mut i32) (i32.const 1114112))
  (export "memory" (memory 0))
  (export "interface_version_8" (func $interface_version_8))
  (export "allocate" (func $allocate))
  (export "deallocate" (func $deallocate))
  (export "instantiate" (func $instantiate))
  (export "execute" (func $execute))
  (export "query" (func $query))
  (data (i32.const 1048576) "tokens{\22ok\22:{}}")
  ;; <ExternalStorage as Storage> vtable: drop, size, align, get, set, remove
  (data (i32.const 1048608) "\00\00\00\00\00\00\00\00\01\00\00\00\01\00\00\00\02\00\00\00\03\00\00\00")

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

  ;; <ExternalStorage as Storage>::get / set / remove
  (func $ext_get (type $t_ii_i) (param $self i32) (param $key i32) (result i32)
    local.get $key
    call $db_read)

  (func $ext_set (type $t_iii) (param $self i32) (param $key i32) (param $value i32)
    local.get $key
    local.get $value
    call $db_write)

  (func $ext_remove (type $t_ii) (param $self i32) (param $key i32)
    local.get $key
    call $db_remove)

  ;; storage.get(key) / storage.set(key, value) through the vtable
  (func $storage_get (type $t_i_i) (param $key i32) (result i32)
    i32.const 0
    local.get $key
    i32.const 1048608
    i32.load offset=12
    call_indirect (type $t_ii_i))

  (func $storage_set (type $t_ii) (param $key i32) (param $value i32)
    i32.const 0
    local.get $key
    local.get $value
    i32.const 1048608
    i32.load offset=16
    call_indirect (type $t_iii))

  (func $instantiate (type $t_iii_i) (param $env i32) (param $info i32) (param $msg i32) (result i32)
    i32.const 1048576
    i32.const 6
    call $region_of
    local.get $msg
    call $storage_set
    i32.const 1048582
    i32.const 9
    call $region_of)

  (func $execute (type $t_iii_i) (param $env i32) (param $info i32) (param $msg i32) (result i32)
    i32.const 1048576
    i32.const 6
    call $region_of
    local.get $msg
    call $storage_set
    i32.const 1048582
    i32.const 9
    call $region_of)

  ;; QueryMsg::NftInfo { token_id }: TOKENS.load
  (func $query (type $t_ii_i) (param $env i32) (param $msg i32) (result i32)
    i32.const 1048576
    i32.const 6
    call $region_of
    call $storage_get)
)
