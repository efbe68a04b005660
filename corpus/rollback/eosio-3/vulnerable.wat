;; EOSIO guessing game (eosio.cdt layout). The house stores a seed in its table; `reveal(guess)`
;; looks the row up through `multi_index::find`, which returns the row cached in the table object
;; or reads and unpacks it into a fresh object, mixes it with the block's tapos prefix into the
;; roll, and pays the player at once with an inline
;; `eosio.token::transfer` when the roll is under the guess. A player who reveals from a contract
;; of his own asserts unless he was paid: every losing guess is rolled back.
(module
  (type $t_j (func (param i64)))
  (type $t_ii (func (param i32 i32)))
  (type $t_i_i (func (param i32) (result i32)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $t_jjjj_i (func (param i64 i64 i64 i64) (result i32)))
  (type $t_jjj (func (param i64 i64 i64)))
  (type $t_i_j (func (param i32) (result i64)))
  (import "env" "read_action_data" (func $read_action_data (type $t_ii_i)))
  (import "env" "require_auth" (func $require_auth (type $t_j)))
  (import "env" "eosio_assert" (func $eosio_assert (type $t_ii)))
  (import "env" "db_find_i64" (func $db_find_i64 (type $t_jjjj_i)))
  (import "env" "db_get_i64" (func $db_get_i64 (type $t_iii_i)))
  (import "env" "memcpy" (func $memcpy (type $t_iii_i)))
  (import "env" "send_inline" (func $send_inline (type $t_ii)))
  (import "env" "tapos_block_prefix" (func $tapos_block_prefix (result i32)))
  (memory 1)
  (global $__stack_pointer (mut i32) (i32.const 8192))
  (global $heap (mut i32) (i32.const 16384))
  (export "memory" (memory 0))
  (export "apply" (func $apply))
  (data (i32.const 1024) "no secret\00")

  (func $malloc (type $t_i_i) (param $n i32) (result i32)
    global.get $heap
    global.get $heap
    local.get $n
    i32.add
    global.set $heap)

  ;; const row& multi_index::find(table) (the table object: self at 0, cached row pointer at 8)
  (func $find (type $t_i_i) (param $tbl i32) (result i32)
    (local $sp i32) (local $itr i32) (local $row i32)
    local.get $tbl
    i32.load offset=8
    local.tee $row
    i32.eqz
    if
      global.get $__stack_pointer
      i32.const 16
      i32.sub
      local.tee $sp
      global.set $__stack_pointer
      local.get $tbl
      i64.load
      local.get $tbl
      i64.load
      i64.const -4426627886371307520
      i64.const 0
      call $db_find_i64
      local.tee $itr
      i32.const 0
      i32.ge_s
      i32.const 1024
      call $eosio_assert
      local.get $itr
      local.get $sp
      i32.const 8
      call $db_get_i64
      drop
      ;; unpack the row from the datastream into a fresh object and cache it
      i32.const 16
      call $malloc
      local.tee $row
      local.get $sp
      i32.const 8
      call $memcpy
      drop
      local.get $tbl
      local.get $row
      i32.store offset=8
      local.get $sp
      i32.const 16
      i32.add
      global.set $__stack_pointer
    end
    local.get $row)

  ;; uint64_t game::secret(): the stored roll
  (func $secret (type $t_i_j) (param $tbl i32) (result i64)
    local.get $tbl
    call $find
    i64.load)

  ;; void game::pay(name self, name to, int64_t amount)
  (func $pay (type $t_jjj) (param $self i64) (param $to i64) (param $amount i64)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 80
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    i64.const 6138663591592764928
    i64.store
    local.get $sp
    i64.const -3617168760277827584
    i64.store offset=8
    local.get $sp
    i32.const 1
    i32.store8 offset=16
    local.get $sp
    local.get $self
    i64.store offset=17 align=1
    local.get $sp
    i64.const 3617214756542218240
    i64.store offset=25 align=1
    local.get $sp
    i32.const 33
    i32.store8 offset=33
    local.get $sp
    local.get $self
    i64.store offset=34 align=1
    local.get $sp
    local.get $to
    i64.store offset=42 align=1
    local.get $sp
    local.get $amount
    i64.store offset=50 align=1
    local.get $sp
    i64.const 1397703940
    i64.store offset=58 align=1
    local.get $sp
    i32.const 0
    i32.store8 offset=66
    local.get $sp
    i32.const 67
    call $send_inline ;; @expect rollback
    local.get $sp
    i32.const 80
    i32.add
    global.set $__stack_pointer)

  ;; void game::reveal(name player, uint64_t guess)
  (func $reveal (type $t_j) (param $self i64)
    (local $sp i32) (local $player i64)
    global.get $__stack_pointer
    i32.const 32
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    i32.const 16
    call $read_action_data
    drop
    local.get $sp
    i64.load
    local.tee $player
    call $require_auth
    ;; the table object: self, no cached row
    local.get $sp
    local.get $self
    i64.store offset=16
    local.get $sp
    i32.const 0
    i32.store offset=24
    ;; if ((secret() ^ tapos_block_prefix()) < guess) pay(self, player, PRIZE)
    local.get $sp
    i32.const 16
    i32.add
    call $secret
    call $tapos_block_prefix
    i64.extend_i32_u
    i64.xor
    local.get $sp
    i64.load offset=8
    i64.lt_u
    if
      local.get $self
      local.get $player
      i64.const 100000
      call $pay
    end
    local.get $sp
    i32.const 32
    i32.add
    global.set $__stack_pointer)

  (func $apply (type $t_jjj) (param $receiver i64) (param $code i64) (param $action i64)
    local.get $code
    local.get $receiver
    i64.eq
    local.get $action
    i64.const -4993753609470869504
    i64.eq
    i32.and
    if
      local.get $receiver
      call $reveal
    end)
)
