;; CosmWasm airdrop (cosmwasm-std layout). `execute_claim` pays out when the claim is signed by
;; the distributor's secp256k1 key: `verify_claim` hashes nothing itself, passes message,
;; signature and key Regions to `secp256k1_verify` and returns `result == 0` (valid).
;; Remediated: the handler returns the `invalid signature` error unless the answer is true,
;; before the claim is recorded.
(module
  (type $t_i_i (func (param i32) (result i32)))
  (type $t_ii (func (param i32 i32)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $t_iiii (func (param i32 i32 i32 i32)))
  (type $t_i (func (param i32)))
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
  (data (i32.const 1048576) "claimed{\22ok\22:{}}{\22error\22:\22invalid signature\22}")

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

  ;; deps.api.secp256k1_verify(&hash, &sig, &pubkey) == Ok(true): the host returns 0 for valid
  (func $verify_claim (type $t_iii_i) (param $hash i32) (param $sig i32) (param $pubkey i32) (result i32)
    local.get $hash
    local.get $sig
    local.get $pubkey
    call $secp256k1_verify
    i32.eqz)

  ;; CLAIMED.save(deps.storage, &claim)
  (func $save_claim (type $t_ii) (param $value i32) (param $len i32)
    (local $kr i32) (local $vr i32)
    global.get $heap
    local.tee $kr
    i32.const 24
    i32.add
    global.set $heap
    local.get $kr
    i32.const 1048576
    i32.store
    local.get $kr
    i32.const 7
    i32.store offset=4
    local.get $kr
    i32.const 7
    i32.store offset=8
    local.get $kr
    i32.const 12
    i32.add
    local.tee $vr
    local.get $value
    i32.store
    local.get $vr
    local.get $len
    i32.store offset=4
    local.get $vr
    local.get $len
    i32.store offset=8
    local.get $kr
    local.get $vr
    call $db_write)

  ;; ExecuteMsg::Claim { hash, signature }: message Regions at msg+0/+12, the key at msg+24
  (func $execute_claim (type $t_i_i) (param $msg i32) (result i32)
    local.get $msg
    local.get $msg
    i32.const 12
    i32.add
    local.get $msg
    i32.const 24
    i32.add
    call $verify_claim
    i32.eqz
    if
      i32.const 1048598
      return
    end
    local.get $msg
    i32.load
    local.get $msg
    i32.load offset=8
    call $save_claim
    i32.const 1048583)

  (func $instantiate (type $t_iii_i) (param $env i32) (param $info i32) (param $msg i32) (result i32)
    i32.const 1048583)

  (func $execute (type $t_iii_i) (param $env i32) (param $info i32) (param $msg i32) (result i32)
    local.get $msg
    i32.load
    call $execute_claim)
)
