;; CosmWasm price-oracle relay (cosmwasm-std layout: interface_version_8, Region pointers).
;; The operator's secp256k1 signing key was committed as a hex constant inside the JSON that
;; `query { config: {} }` returns, "so the relayer can read it": the key is in the data section
;; for anyone to download, and a query away for anyone else.
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
  (import "env" "secp256k1_verify" (func $secp256k1_verify (type $t_iii_i)))
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
  (data (i32.const 1048576) "pubkeyprice{\22ok\22:{}}")
  (data (i32.const 1048600) "{\22feed\22:\22atom-usd\22,\22signing_key\22:\22ec88ee7d48cacf315d49ce44ddf7a02d09b11f945af2a7a956d7cc84a77e5c68\22}")

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

  ;; oracle::config_json() -> &'static str
  (func $config_json (type $r_i) (result i32)
    i32.const 1048600 ;; @expect hardcoded-secret
    i32.const 100
    call $region_of)

  (func $instantiate (type $t_iii_i) (param $env i32) (param $info i32) (param $msg i32) (result i32)
    i32.const 1048576
    i32.const 6
    call $region_of
    local.get $msg
    call $db_write
    i32.const 1048587
    i32.const 9
    call $region_of)

  ;; ExecuteMsg::Submit { price, signature }: verified against the stored operator pubkey
  (func $execute (type $t_iii_i) (param $env i32) (param $info i32) (param $msg i32) (result i32)
    local.get $msg
    local.get $msg
    i32.load offset=4
    i32.const 1048576
    i32.const 6
    call $region_of
    call $db_read
    call $secp256k1_verify
    if
      local.get $msg
      call $abort
    end
    i32.const 1048582
    i32.const 5
    call $region_of
    local.get $msg
    call $db_write
    i32.const 1048587
    i32.const 9
    call $region_of)

  ;; QueryMsg::Config {}
  (func $query (type $t_ii_i) (param $env i32) (param $msg i32) (result i32)
    call $config_json)
)
