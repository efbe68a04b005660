;; EOSIO loot-chest game (eosio.cdt layout). `open(player)` draws `sha256(nonce, player) % 10`
;; in a helper, from a nonce kept in the contract's table, and on a 0 pays the jackpot at once
;; through the payout strategy in the contract's function table (`call_indirect`), which sends an
;; inline `eosio.token::transfer`. A player who opens from a contract of his own checks the
;; balance after the call and asserts unless it won: every losing draw is rolled back.
(module
  (type $t_j (func (param i64)))
  (type $t_ii (func (param i32 i32)))
  (type $t_iii (func (param i32 i32 i32)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $t_jjjj_i (func (param i64 i64 i64 i64) (result i32)))
  (type $t_ijii (func (param i32 i64 i32 i32)))
  (type $t_jjj (func (param i64 i64 i64)))
  (type $t_jj_j (func (param i64 i64) (result i64)))
  (type $payout (func (param i64 i64 i64)))
  (import "env" "read_action_data" (func $read_action_data (type $t_ii_i)))
  (import "env" "require_auth" (func $require_auth (type $t_j)))
  (import "env" "eosio_assert" (func $eosio_assert (type $t_ii)))
  (import "env" "sha256" (func $sha256 (type $t_iii)))
  (import "env" "db_find_i64" (func $db_find_i64 (type $t_jjjj_i)))
  (import "env" "db_get_i64" (func $db_get_i64 (type $t_iii_i)))
  (import "env" "db_update_i64" (func $db_update_i64 (type $t_ijii)))
  (import "env" "send_inline" (func $send_inline (type $t_ii)))
  (table 2 2 funcref)
  (elem (i32.const 1) $pay_eos)
  (memory 1)
  (global $__stack_pointer (mut i32) (i32.const 8192))
  (export "memory" (memory 0))
  (export "apply" (func $apply))
  (data (i32.const 1024) "no nonce\00")

  ;; void chests::pay_eos(name self, name to, int64_t amount)
  (func $pay_eos (type $payout) (param $self i64) (param $to i64) (param $amount i64)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 80
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    ;; action(permission_level{self, "active"_n}, "eosio.token"_n, "transfer"_n,
    ;;        std::make_tuple(self, to, asset(amount, "EOS"), std::string())).send();
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

  ;; uint64_t chests::draw(name self, name player): sha256(nonce, player) % 10, nonce advanced
  (func $draw (type $t_jj_j) (param $self i64) (param $player i64) (result i64)
    (local $sp i32) (local $itr i32) (local $r i64)
    global.get $__stack_pointer
    i32.const 64
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $self
    local.get $self
    i64.const -7122859525593366528
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
    local.get $sp
    local.get $player
    i64.store offset=8
    local.get $sp
    i32.const 16
    local.get $sp
    i32.const 16
    i32.add
    call $sha256
    local.get $itr
    local.get $self
    local.get $sp
    i32.const 16
    i32.add
    i32.const 8
    call $db_update_i64
    local.get $sp
    i64.load offset=16
    i64.const 10
    i64.rem_u
    local.set $r
    local.get $sp
    i32.const 64
    i32.add
    global.set $__stack_pointer
    local.get $r)

  ;; void chests::open(name player)
  (func $open (type $t_j) (param $self i64)
    (local $sp i32) (local $player i64)
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
    i64.load
    local.tee $player
    call $require_auth
    ;; if (draw(player) == 0) payouts[EOS](self, player, JACKPOT)
    local.get $self
    local.get $player
    call $draw
    i64.eqz
    if
      local.get $self
      local.get $player
      i64.const 1000000
      i32.const 1
      call_indirect (type $payout)
    end
    local.get $sp
    i32.const 16
    i32.add
    global.set $__stack_pointer)

  (func $apply (type $t_jjj) (param $receiver i64) (param $code i64) (param $action i64)
    local.get $code
    local.get $receiver
    i64.eq
    local.get $action
    i64.const -6533262907872903168
    i64.eq
    i32.and
    if
      local.get $receiver
      call $open
    end)
)
