;; EOSIO dice contract (eosio-cpp layout), settled in two transactions: the `transfer`
;; notification handler only records the bet and schedules the draw as a deferred transaction;
;; the draw (`reveal`, which only the contract's own permission can run) rolls
;; `sha256(seed, player) % 100` and pays a win. When the result is visible the bet is already
;; irrevocable, so there is nothing to roll back.
(module
  (type $t_j (func (param i64)))
  (type $t_ii (func (param i32 i32)))
  (type $t_iii (func (param i32 i32 i32)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $r_i (func (result i32)))
  (type $t_jjjj_i (func (param i64 i64 i64 i64) (result i32)))
  (type $t_ijii (func (param i32 i64 i32 i32)))
  (type $t_jjj (func (param i64 i64 i64)))
  (type $t_jj (func (param i64 i64)))
  (type $t_ijiii (func (param i32 i64 i32 i32 i32)))
  (type $t_jjjjii_i (func (param i64 i64 i64 i64 i32 i32) (result i32)))
  (import "env" "action_data_size" (func $action_data_size (type $r_i)))
  (import "env" "read_action_data" (func $read_action_data (type $t_ii_i)))
  (import "env" "eosio_assert" (func $eosio_assert (type $t_ii)))
  (import "env" "sha256" (func $sha256 (type $t_iii)))
  (import "env" "db_find_i64" (func $db_find_i64 (type $t_jjjj_i)))
  (import "env" "db_get_i64" (func $db_get_i64 (type $t_iii_i)))
  (import "env" "db_update_i64" (func $db_update_i64 (type $t_ijii)))
  (import "env" "send_inline" (func $send_inline (type $t_ii)))
  (import "env" "send_deferred" (func $send_deferred (type $t_ijiii)))
  (import "env" "require_auth" (func $require_auth (type $t_j)))
  (import "env" "db_store_i64" (func $db_store_i64 (type $t_jjjjii_i)))
  (memory 1)
  (global $__stack_pointer (mut i32) (i32.const 8192))
  (export "memory" (memory 0))
  (export "apply" (func $apply))
  (data (i32.const 1024) "bad action data\00")
  (data (i32.const 1040) "no seed\00")

  ;; void dice::on_transfer(name from, name to, asset quantity, string memo)
  (func $on_transfer (type $t_jj) (param $receiver i64) (param $code i64)
    (local $sp i32) (local $from i64)
    global.get $__stack_pointer
    i32.const 128
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    call $action_data_size
    i32.const 32
    i32.ge_u
    i32.const 1024
    call $eosio_assert
    local.get $sp
    i32.const 32
    call $read_action_data
    drop
    block $ignore
      ;; if (from == _self || to != _self) return;
      local.get $sp
      i64.load
      local.tee $from
      local.get $receiver
      i64.eq
      br_if $ignore
      local.get $sp
      i64.load offset=8
      local.get $receiver
      i64.ne
      br_if $ignore
      ;; bets.emplace(_self, {from, quantity})
      local.get $receiver
      i64.const 4229865212519383040
      local.get $receiver
      local.get $from
      local.get $sp
      i32.const 16
      i32.add
      i32.const 16
      call $db_store_i64
      drop
      ;; transaction t; t.actions.emplace_back(permission_level{_self, "active"_n}, _self,
      ;;     "reveal"_n, from); t.delay_sec = 1; t.send(from, _self);
      local.get $sp
      local.get $receiver
      i64.store offset=64
      local.get $sp
      i64.const -4992623624440512512
      i64.store offset=72
      local.get $sp
      local.get $from
      i64.store offset=80
      local.get $sp
      i32.const 40
      i32.add
      local.get $from
      local.get $sp
      i32.const 64
      i32.add
      i32.const 24
      i32.const 0
      call $send_deferred
    end
    local.get $sp
    i32.const 128
    i32.add
    global.set $__stack_pointer)

  ;; void dice::reveal(name player), run by the deferred transaction with the contract's authority
  (func $reveal (type $t_j) (param $receiver i64)
    (local $sp i32) (local $itr i32) (local $player i64)
    global.get $__stack_pointer
    i32.const 192
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $receiver
    call $require_auth
    local.get $sp
    i32.const 8
    call $read_action_data
    drop
    local.get $sp
    i64.load
    local.set $player
    ;; auto bet = bets.get(player); auto s = seeds.get(0); h = sha256({s.seed, player})
    local.get $receiver
    local.get $receiver
    i64.const 4229865212519383040
    local.get $player
    call $db_find_i64
    local.get $sp
    i32.const 16
    i32.add
    i32.const 16
    call $db_get_i64
    drop
    local.get $receiver
    local.get $receiver
    i64.const -4425754204123955200
    i64.const 0
    call $db_find_i64
    local.tee $itr
    i32.const 0
    i32.ge_s
    i32.const 1040
    call $eosio_assert
    local.get $itr
    local.get $sp
    i32.const 32
    i32.add
    i32.const 8
    call $db_get_i64
    drop
    local.get $sp
    local.get $player
    i64.store offset=40
    local.get $sp
    i32.const 32
    i32.add
    i32.const 16
    local.get $sp
    i32.const 48
    i32.add
    call $sha256
    local.get $itr
    local.get $receiver
    local.get $sp
    i32.const 48
    i32.add
    i32.const 8
    call $db_update_i64
    block $lost
      local.get $sp
      i64.load offset=48
      i64.const 100
      i64.rem_u
      i64.const 49
      i64.lt_u
      i32.eqz
      br_if $lost
      local.get $sp
      i64.const 6138663591592764928
      i64.store offset=96
      local.get $sp
      i64.const -3617168760277827584
      i64.store offset=104
      local.get $sp
      i32.const 1
      i32.store8 offset=112
      local.get $sp
      local.get $receiver
      i64.store offset=113 align=1
      local.get $sp
      i64.const 3617214756542218240
      i64.store offset=121 align=1
      local.get $sp
      i32.const 33
      i32.store8 offset=129
      local.get $sp
      local.get $receiver
      i64.store offset=130 align=1
      local.get $sp
      local.get $player
      i64.store offset=138 align=1
      local.get $sp
      local.get $sp
      i64.load offset=24
      i64.const 1
      i64.shl
      i64.store offset=146 align=1
      local.get $sp
      local.get $sp
      i64.load offset=32
      i64.store offset=154 align=1
      local.get $sp
      i32.const 0
      i32.store8 offset=162
      local.get $sp
      i32.const 96
      i32.add
      i32.const 67
      call $send_inline
    end
    local.get $sp
    i32.const 192
    i32.add
    global.set $__stack_pointer)

  (func $apply (type $t_jjj) (param $receiver i64) (param $code i64) (param $action i64)
    local.get $code
    local.get $receiver
    i64.eq
    local.get $action
    i64.const -4992623624440512512
    i64.eq
    i32.and
    if
      local.get $receiver
      call $reveal
    end
    ;; if (code == "eosio.token"_n && action == "transfer"_n)
    local.get $code
    i64.const 6138663591592764928
    i64.eq
    local.get $action
    i64.const -3617168760277827584
    i64.eq
    i32.and
    if
      local.get $receiver
      local.get $code
      call $on_transfer
    end)
)
