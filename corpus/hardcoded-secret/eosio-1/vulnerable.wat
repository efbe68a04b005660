;; EOSIO dice contract (eosio-cpp layout: `apply(receiver, code, action)` dispatches on action
;; names, libc intrinsics imported from env). Each roll is `sha256(house_key || bet_id)`, with the
;; house account's WIF private key compiled in as the secret: anyone who downloads the code can
;; read the key, predict every roll and sign for the house account.
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
  (import "env" "action_data_size" (func $action_data_size (type $r_i)))
  (import "env" "read_action_data" (func $read_action_data (type $t_ii_i)))
  (import "env" "require_auth" (func $require_auth (type $t_j)))
  (import "env" "eosio_assert" (func $eosio_assert (type $t_ii)))
  (import "env" "sha256" (func $sha256 (type $t_iii)))
  (import "env" "memcpy" (func $memcpy (type $t_iii_i)))
  (import "env" "db_store_i64" (func $db_store_i64 (type $t_jjjjii_i)))
  (memory 1)
  (global $__stack_pointer (mut i32) (i32.const 8192))
  (export "memory" (memory 0))
  (export "apply" (func $apply))
  (data (i32.const 1024) "bad action data\00")
  (data (i32.const 1040) "5HsimaRVQnhYSi1ocMLX1Xr4PTq3kceTp51dHJdKjtgrY7X5enq\00")

  ;; dice::roll(name player, uint64_t bet_id)
  (func $roll (type $t_i) (param $self i32)
    (local $sp i32) (local $player i64) (local $bet i64)
    global.get $__stack_pointer
    i32.const 128
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    call $action_data_size
    i32.const 16
    i32.eq
    i32.const 1024
    call $eosio_assert
    local.get $sp
    i32.const 16
    call $read_action_data
    drop
    local.get $sp
    i64.load
    local.tee $player
    call $require_auth
    local.get $sp
    i64.load offset=8
    local.set $bet
    ;; seed = house_key || bet_id
    local.get $sp
    i32.const 16
    i32.add
    i32.const 1040 ;; @expect hardcoded-secret
    i32.const 51
    call $memcpy
    drop
    local.get $sp
    local.get $bet
    i64.store offset=67
    local.get $sp
    i32.const 16
    i32.add
    i32.const 59
    local.get $sp
    i32.const 80
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
    i32.const 80
    i32.add
    i32.const 32
    call $db_store_i64
    drop
    local.get $sp
    i32.const 128
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
