;; EOSIO dice contract (eosio-cpp layout), commit-reveal version. The house publishes
;; `sha256(house_seed)` with every bet (`play` stores it with the player's own seed); `reveal`
;; checks the revealed seed against that commitment with `assert_sha256` and rolls
;; `sha256(house_seed, player_seed) % 100`. Block time is only used for the reveal deadline.
(module
  (type $t_j (func (param i64)))
  (type $t_ii (func (param i32 i32)))
  (type $t_iii (func (param i32 i32 i32)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $r_i (func (result i32)))
  (type $r_j (func (result i64)))
  (type $t_jjjj_i (func (param i64 i64 i64 i64) (result i32)))
  (type $t_jjjjii_i (func (param i64 i64 i64 i64 i32 i32) (result i32)))
  (type $t_jjj (func (param i64 i64 i64)))
  (import "env" "action_data_size" (func $action_data_size (type $r_i)))
  (import "env" "read_action_data" (func $read_action_data (type $t_ii_i)))
  (import "env" "require_auth" (func $require_auth (type $t_j)))
  (import "env" "eosio_assert" (func $eosio_assert (type $t_ii)))
  (import "env" "current_time" (func $current_time (type $r_j)))
  (import "env" "sha256" (func $sha256 (type $t_iii)))
  (import "env" "assert_sha256" (func $assert_sha256 (type $t_iii)))
  (import "env" "memcpy" (func $memcpy (type $t_iii_i)))
  (import "env" "db_find_i64" (func $db_find_i64 (type $t_jjjj_i)))
  (import "env" "db_get_i64" (func $db_get_i64 (type $t_iii_i)))
  (import "env" "db_store_i64" (func $db_store_i64 (type $t_jjjjii_i)))
  (memory 1)
  (global $__stack_pointer (mut i32) (i32.const 8192))
  (export "memory" (memory 0))
  (export "apply" (func $apply))
  (data (i32.const 1024) "bad action data\00")
  (data (i32.const 1040) "roll under must be in [2, 96]\00")
  (data (i32.const 1072) "unknown bet\00")
  (data (i32.const 1088) "reveal deadline passed\00")

  ;; void dice::play(name player, uint64_t roll_under, uint64_t amount, uint64_t player_seed,
  ;;                 checksum256 house_commitment)
  (func $play (type $t_j) (param $receiver i64)
    (local $sp i32) (local $player i64)
    global.get $__stack_pointer
    i32.const 128
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    call $action_data_size
    i32.const 64
    i32.eq
    i32.const 1024
    call $eosio_assert
    local.get $sp
    i32.const 64
    call $read_action_data
    drop
    local.get $sp
    i64.load
    local.tee $player
    call $require_auth
    local.get $sp
    i64.load offset=8
    i64.const -2
    i64.add
    i64.const 95
    i64.lt_u
    i32.const 1040
    call $eosio_assert
    ;; bets.emplace(_self, {player, roll_under, amount, player_seed, commitment, now() + 60s})
    local.get $sp
    i32.const 64
    i32.add
    local.get $sp
    i32.const 64
    call $memcpy
    drop
    local.get $sp
    call $current_time
    i64.const 60000000
    i64.add
    i64.store offset=120
    local.get $receiver
    i64.const 4229865212519383040
    local.get $player
    local.get $player
    local.get $sp
    i32.const 64
    i32.add
    i32.const 64
    call $db_store_i64
    drop
    local.get $sp
    i32.const 128
    i32.add
    global.set $__stack_pointer)

  ;; void dice::reveal(name player, checksum256 house_seed)
  (func $reveal (type $t_j) (param $receiver i64)
    (local $sp i32) (local $itr i32) (local $r i64)
    global.get $__stack_pointer
    i32.const 192
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $receiver
    call $require_auth
    call $action_data_size
    i32.const 40
    i32.eq
    i32.const 1024
    call $eosio_assert
    local.get $sp
    i32.const 40
    call $read_action_data
    drop
    ;; auto bet = bets.get(player)
    local.get $receiver
    local.get $receiver
    i64.const 4229865212519383040
    local.get $sp
    i64.load
    call $db_find_i64
    local.tee $itr
    i32.const 0
    i32.ge_s
    i32.const 1072
    call $eosio_assert
    local.get $itr
    local.get $sp
    i32.const 64
    i32.add
    i32.const 64
    call $db_get_i64
    drop
    ;; assert_sha256(house_seed, 32, bet.commitment)
    local.get $sp
    i32.const 8
    i32.add
    i32.const 32
    local.get $sp
    i32.const 96
    i32.add
    call $assert_sha256
    call $current_time
    local.get $sp
    i64.load offset=120
    i64.le_u
    i32.const 1088
    call $eosio_assert
    ;; roll = sha256(house_seed, player_seed) % 100
    local.get $sp
    i32.const 136
    i32.add
    local.get $sp
    i32.const 8
    i32.add
    i32.const 32
    call $memcpy
    drop
    local.get $sp
    local.get $sp
    i64.load offset=88
    i64.store offset=168
    local.get $sp
    i32.const 136
    i32.add
    i32.const 40
    local.get $sp
    i32.const 136
    i32.add
    call $sha256
    local.get $sp
    i64.load offset=136
    i64.const 100
    i64.rem_u
    local.set $r
    local.get $r
    local.get $sp
    i64.load offset=72
    i64.lt_u
    if
      local.get $sp
      local.get $sp
      i64.load offset=64
      i64.store offset=176
      local.get $sp
      local.get $sp
      i64.load offset=80
      i64.const 98
      i64.mul
      local.get $sp
      i64.load offset=72
      i64.const -1
      i64.add
      i64.div_u
      i64.store offset=184
      local.get $receiver
      i64.const -2042523168500875264
      local.get $receiver
      local.get $sp
      i64.load offset=64
      local.get $sp
      i32.const 176
      i32.add
      i32.const 16
      call $db_store_i64
      drop
    end
    local.get $sp
    i32.const 192
    i32.add
    global.set $__stack_pointer)

  (func $apply (type $t_jjj) (param $receiver i64) (param $code i64) (param $action i64)
    local.get $code
    local.get $receiver
    i64.eq
    if
      local.get $action
      i64.const -6030918035374604288
      i64.eq
      if
        local.get $receiver
        call $play
      end
      local.get $action
      i64.const -4992623624440512512
      i64.eq
      if
        local.get $receiver
        call $reveal
      end
    end)
)
