;; EOSIO dice contract (eosio-cpp layout: `apply(receiver, code, action)` dispatches on action
;; names, libc intrinsics imported from env). The house signs each bet id off-chain and reveals
;; the signature in the `roll` action; the contract checks it against the house's public key
;; (public data) with `assert_recover_key` and derives the roll from `sha256(signature)`.
(module
  (type $t_j (func (param i64)))
  (type $t_ii (func (param i32 i32)))
  (type $t_iii (func (param i32 i32 i32)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $r_i (func (result i32)))
  (type $t_jjjjii_i (func (param i64 i64 i64 i64 i32 i32) (result i32)))
  (type $t_jjj (func (param i64 i64 i64)))
  (type $t_i (func (param i32)))
  (type $t_iiiii (func (param i32 i32 i32 i32 i32)))
  (import "env" "action_data_size" (func $action_data_size (type $r_i)))
  (import "env" "read_action_data" (func $read_action_data (type $t_ii_i)))
  (import "env" "require_auth" (func $require_auth (type $t_j)))
  (import "env" "eosio_assert" (func $eosio_assert (type $t_ii)))
  (import "env" "sha256" (func $sha256 (type $t_iii)))
  (import "env" "assert_recover_key" (func $assert_recover_key (type $t_iiiii)))
  (import "env" "db_store_i64" (func $db_store_i64 (type $t_jjjjii_i)))
  (memory 1)
  (global $__stack_pointer (mut i32) (i32.const 8192))
  (export "memory" (memory 0))
  (export "apply" (func $apply))
  (data (i32.const 1024) "bad action data\00")
  ;; the house account's public key (the well-known EOSIO development key)
  (data (i32.const 1040) "EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV\00")

  ;; dice::roll(name player, uint64_t bet_id, signature house_sig)
  (func $roll (type $t_i) (param $self i32)
    (local $sp i32) (local $player i64) (local $bet i64)
    global.get $__stack_pointer
    i32.const 176
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    call $action_data_size
    i32.const 82
    i32.eq
    i32.const 1024
    call $eosio_assert
    local.get $sp
    i32.const 82
    call $read_action_data
    drop
    local.get $sp
    i64.load
    local.tee $player
    call $require_auth
    local.get $sp
    i64.load offset=8
    local.set $bet
    ;; digest = sha256(bet_id); the house signature must recover to its public key
    local.get $sp
    i32.const 8
    i32.add
    i32.const 8
    local.get $sp
    i32.const 96
    i32.add
    call $sha256
    local.get $sp
    i32.const 96
    i32.add
    local.get $sp
    i32.const 16
    i32.add
    i32.const 66
    i32.const 1040
    i32.const 53
    call $assert_recover_key
    ;; roll seed = sha256(house_sig)
    local.get $sp
    i32.const 16
    i32.add
    i32.const 66
    local.get $sp
    i32.const 128
    i32.add
    call $sha256
    ;; rolls.emplace(player, {bet_id, hash})
    local.get $self
    i64.load
    local.get $self
    i64.load
    i64.const -4817976390030721024
    local.get $bet
    local.get $sp
    i32.const 128
    i32.add
    i32.const 32
    call $db_store_i64
    drop
    local.get $sp
    i32.const 176
    i32.add
    global.set $__stack_pointer)

  (func $apply (type $t_jjj) (param $receiver i64) (param $code i64) (param $action i64)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 16
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    local.get $receiver
    i64.store
    block $done
      local.get $code
      local.get $receiver
      i64.ne
      br_if $done
      local.get $action
      i64.const -4817989584170254336
      i64.ne
      br_if $done
      local.get $sp
      call $roll
    end
    local.get $sp
    i32.const 16
    i32.add
    global.set $__stack_pointer)
)
