;; EOSIO dice contract (eosio-cpp layout). `play(player, roll_under, amount)` rolls
;; `sha256(tapos_block_prefix, tapos_block_num, current_time) % 100` and records a win when the
;; roll is under the player's number. Every input of the hash is known to (or chosen by) whoever
;; builds the block, and is the same for any action of the transaction: a contract can compute
;; the roll first and only play when it wins.
(module
  (type $t_j (func (param i64)))
  (type $t_ii (func (param i32 i32)))
  (type $t_iii (func (param i32 i32 i32)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $r_i (func (result i32)))
  (type $r_j (func (result i64)))
  (type $t_jjjjii_i (func (param i64 i64 i64 i64 i32 i32) (result i32)))
  (type $t_jjj (func (param i64 i64 i64)))
  (import "env" "action_data_size" (func $action_data_size (type $r_i)))
  (import "env" "read_action_data" (func $read_action_data (type $t_ii_i)))
  (import "env" "require_auth" (func $require_auth (type $t_j)))
  (import "env" "eosio_assert" (func $eosio_assert (type $t_ii)))
  (import "env" "tapos_block_prefix" (func $tapos_block_prefix (type $r_i)))
  (import "env" "tapos_block_num" (func $tapos_block_num (type $r_i)))
  (import "env" "current_time" (func $current_time (type $r_j)))
  (import "env" "sha256" (func $sha256 (type $t_iii)))
  (import "env" "db_store_i64" (func $db_store_i64 (type $t_jjjjii_i)))
  (memory 1)
  (global $__stack_pointer (mut i32) (i32.const 8192))
  (export "memory" (memory 0))
  (export "apply" (func $apply))
  (data (i32.const 1024) "bad action data\00")
  (data (i32.const 1040) "roll under must be in [2, 96]\00")

  ;; uint64_t dice::roll()
  (func $roll (type $r_j) (result i64)
    (local $sp i32) (local $r i64)
    global.get $__stack_pointer
    i32.const 64
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    ;; struct { uint32_t prefix; uint32_t num; uint64_t now; } seed;
    local.get $sp
    call $tapos_block_prefix
    i32.store
    local.get $sp
    call $tapos_block_num
    i32.store offset=4
    local.get $sp
    call $current_time
    i64.store offset=8
    ;; checksum256 h = sha256(&seed, sizeof(seed))
    local.get $sp
    i32.const 16
    local.get $sp
    i32.const 32
    i32.add
    call $sha256
    local.get $sp
    i64.load offset=32
    i64.const 100
    i64.rem_u
    local.set $r
    local.get $sp
    i32.const 64
    i32.add
    global.set $__stack_pointer
    local.get $r)

  ;; void dice::play(name player, uint64_t roll_under, uint64_t amount)
  (func $play (type $t_j) (param $receiver i64)
    (local $sp i32) (local $player i64) (local $under i64)
    global.get $__stack_pointer
    i32.const 64
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    call $action_data_size
    i32.const 24
    i32.eq
    i32.const 1024
    call $eosio_assert
    local.get $sp
    i32.const 24
    call $read_action_data
    drop
    local.get $sp
    i64.load
    local.tee $player
    call $require_auth
    local.get $sp
    i64.load offset=8
    local.tee $under
    i64.const -2
    i64.add
    i64.const 95
    i64.lt_u
    i32.const 1040
    call $eosio_assert
    ;; if (roll() < roll_under) wins.emplace(player, amount * 98 / (roll_under - 1))
    call $roll
    local.get $under
    i64.lt_u
    if ;; @expect weak-randomness
      local.get $sp
      local.get $player
      i64.store offset=32
      local.get $sp
      local.get $sp
      i64.load offset=16
      i64.const 98
      i64.mul
      local.get $under
      i64.const -1
      i64.add
      i64.div_u
      i64.store offset=40
      local.get $receiver
      i64.const -2042523168500875264
      local.get $receiver
      local.get $player
      local.get $sp
      i32.const 32
      i32.add
      i32.const 16
      call $db_store_i64
      drop
    end
    local.get $sp
    i32.const 64
    i32.add
    global.set $__stack_pointer)

  (func $apply (type $t_jjj) (param $receiver i64) (param $code i64) (param $action i64)
    local.get $code
    local.get $receiver
    i64.eq
    local.get $action
    i64.const -6030918035374604288
    i64.eq
    i32.and
    if
      local.get $receiver
      call $play
    end)
)
