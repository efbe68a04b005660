;; EOSIO round-based game (eosio-cpp layout). `tick` is a keeper anyone may call: it rolls the
;; `rounds` row over to now + one hour, a value fixed by the clock, so it needs no authorization.
;; `setend(end)` writes a caller-chosen round end into the same table with no `require_auth`, and
;; `leave(player)` erases the player row the caller names without the player's authorization.
(module
  (type $t_j (func (param i64)))
  (type $t_jjj (func (param i64 i64 i64)))
  (type $t_ii (func (param i32 i32)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $r_j (func (result i64)))
  (type $t_i (func (param i32)))
  (type $t_jjjjii_i (func (param i64 i64 i64 i64 i32 i32) (result i32)))
  (type $t_ijii (func (param i32 i64 i32 i32)))
  (type $t_jjjj_i (func (param i64 i64 i64 i64) (result i32)))
  (import "env" "read_action_data" (func $read_action_data (type $t_ii_i)))
  (import "env" "eosio_assert" (func $eosio_assert (type $t_ii)))
  (import "env" "require_auth" (func $require_auth (type $t_j)))
  (import "env" "current_time" (func $current_time (type $r_j)))
  (import "env" "db_find_i64" (func $db_find_i64 (type $t_jjjj_i)))
  (import "env" "db_store_i64" (func $db_store_i64 (type $t_jjjjii_i)))
  (import "env" "db_update_i64" (func $db_update_i64 (type $t_ijii)))
  (import "env" "db_remove_i64" (func $db_remove_i64 (type $t_i)))
  (memory 1)
  (global $__stack_pointer (mut i32) (i32.const 8192))
  (export "memory" (memory 0))
  (export "apply" (func $apply))
  (data (i32.const 1024) "round not over\00")
  (data (i32.const 1040) "no such player\00")

  ;; void game::tick(): rounds.modify(itr, _self, [&](auto& r){ r.end = now + 3600; })
  (func $tick (type $t_j) (param $self i64)
    (local $sp i32) (local $itr i32)
    global.get $__stack_pointer
    i32.const 16
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $self
    local.get $self
    i64.const -5069192380536512512
    i64.const 0
    call $db_find_i64
    local.set $itr
    local.get $sp
    call $current_time
    i64.const 1000000
    i64.div_u
    i64.const 3600
    i64.add
    i64.store
    local.get $itr
    local.get $self
    local.get $sp
    i32.const 8
    call $db_update_i64
    local.get $sp
    i32.const 16
    i32.add
    global.set $__stack_pointer)

  ;; rounds.modify(rounds.find(0), _self, [&](auto& r){ r = row; })
  (func $round_store (type $t_ijii) (param $row i32) (param $self i64) (param $unused i32) (param $len i32)
    local.get $self
    local.get $self
    i64.const -5069192380536512512
    i64.const 0
    call $db_find_i64
    local.get $self
    local.get $row
    local.get $len
    call $db_update_i64 ;; @expect missing-authorization
  )

  ;; void game::setend(uint64_t end)
  (func $setend (type $t_j) (param $self i64)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 16
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    i32.const 8
    call $read_action_data
    drop
    local.get $sp
    local.get $self
    i32.const 0
    i32.const 8
    call $round_store
    local.get $sp
    i32.const 16
    i32.add
    global.set $__stack_pointer)

  ;; void game::leave(name player): players.erase(players.find(player.value))
  (func $leave (type $t_j) (param $self i64)
    (local $sp i32) (local $itr i32)
    global.get $__stack_pointer
    i32.const 16
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    i32.const 8
    call $read_action_data
    drop
    local.get $self
    local.get $self
    i64.const -4157503494618939392
    local.get $sp
    i64.load
    call $db_find_i64
    local.tee $itr
    i32.const 0
    i32.ge_s
    i32.const 1040
    call $eosio_assert
    local.get $itr
    call $db_remove_i64 ;; @expect missing-authorization
    local.get $sp
    i32.const 16
    i32.add
    global.set $__stack_pointer)

  (func $apply (type $t_jjj) (param $receiver i64) (param $code i64) (param $action i64)
    local.get $code
    local.get $receiver
    i64.eq
    if
      local.get $action
      i64.const -3617352779437080576
      i64.eq
      if
        local.get $receiver
        call $tick
      end
      local.get $action
      i64.const -4417183468734210048
      i64.eq
      if
        local.get $receiver
        call $setend
      end
      local.get $action
      i64.const -8646911284551352320
      i64.eq
      if
        local.get $receiver
        call $leave
      end
    end)
)
