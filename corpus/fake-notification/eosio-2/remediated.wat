;; EOSIO staking contract in the eosio.cdt layout: `apply` sends eosio.token `transfer`
;; notifications to `execute_action`, which unpacks `transfer_args` and calls the member
;; function. The handler asks a filter, called through the contract's table of hooks
;; (`call_indirect`), whether the transfer is an incoming deposit: the recipient must be
;; `current_receiver()` and the sender must not be.
(module
  (type $t_j (func (param i64)))
  (type $t_ii (func (param i32 i32)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $r_i (func (result i32)))
  (type $r_j (func (result i64)))
  (type $t_jjjjii_i (func (param i64 i64 i64 i64 i32 i32) (result i32)))
  (type $t_jjj (func (param i64 i64 i64)))
  (type $t_jj (func (param i64 i64)))
  (type $filter (func (param i32) (result i32)))
  (import "env" "action_data_size" (func $action_data_size (type $r_i)))
  (import "env" "read_action_data" (func $read_action_data (type $t_ii_i)))
  (import "env" "eosio_assert" (func $eosio_assert (type $t_ii)))
  (import "env" "memcpy" (func $memcpy (type $t_iii_i)))
  (import "env" "current_receiver" (func $current_receiver (type $r_j)))
  (import "env" "require_auth" (func $require_auth (type $t_j)))
  (import "env" "db_store_i64" (func $db_store_i64 (type $t_jjjjii_i)))
  (table 2 2 funcref)
  (elem (i32.const 1) $is_incoming)
  (memory 1)
  (global $__stack_pointer (mut i32) (i32.const 8192))
  (export "memory" (memory 0))
  (export "apply" (func $apply))
  (data (i32.const 1024) "read\00")

  ;; bool staking::is_incoming(const transfer_args& t)
  (func $is_incoming (type $filter) (param $t i32) (result i32)
    local.get $t
    i64.load offset=8
    call $current_receiver
    i64.eq
    local.get $t
    i64.load
    call $current_receiver
    i64.ne
    i32.and)

  ;; void staking::on_transfer(const transfer_args& t)
  (func $on_transfer (type $t_ii) (param $this i32) (param $t i32)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 32
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    block $ignore
      ;; if (!hooks[FILTER](t)) return;
      local.get $t
      i32.const 1
      call_indirect (type $filter)
      i32.eqz
      br_if $ignore
      ;; stakes.emplace(get_self(), {t.from, t.quantity})
      local.get $sp
      local.get $t
      i64.load
      i64.store
      local.get $sp
      local.get $t
      i64.load offset=16
      i64.store offset=8
      local.get $sp
      local.get $t
      i64.load offset=24
      i64.store offset=16
      local.get $this
      i64.load
      i64.const 5380477997050494976
      local.get $this
      i64.load
      local.get $t
      i64.load
      local.get $sp
      i32.const 24
      call $db_store_i64
      drop
    end
    local.get $sp
    i32.const 32
    i32.add
    global.set $__stack_pointer)

  ;; bool eosio::execute_action(name self, name code, &staking::on_transfer)
  (func $execute_action (type $t_jj) (param $self i64) (param $code i64)
    (local $sp i32) (local $size i32)
    global.get $__stack_pointer
    i32.const 128
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    ;; staking obj(self, code, ds)
    local.get $sp
    local.get $self
    i64.store offset=112
    local.get $sp
    local.get $code
    i64.store offset=120
    ;; char buf[64]; read_action_data(buf, min(action_data_size(), 64))
    call $action_data_size
    local.tee $size
    i32.const 32
    i32.ge_u
    i32.const 1024
    call $eosio_assert
    local.get $sp
    i32.const 48
    i32.add
    local.get $size
    i32.const 64
    local.get $size
    i32.const 64
    i32.lt_u
    select
    call $read_action_data
    drop
    ;; transfer_args t; ds >> t;
    local.get $sp
    local.get $sp
    i32.const 48
    i32.add
    i32.const 32
    call $memcpy
    drop
    local.get $sp
    i32.const 112
    i32.add
    local.get $sp
    call $on_transfer
    local.get $sp
    i32.const 128
    i32.add
    global.set $__stack_pointer)

  ;; void staking::unstake(name owner)
  (func $unstake (type $t_j) (param $receiver i64)
    local.get $receiver
    call $require_auth)

  (func $apply (type $t_jjj) (param $receiver i64) (param $code i64) (param $action i64)
    block $done
      local.get $code
      local.get $receiver
      i64.eq
      if
        local.get $action
        i64.const -2039333636196532224
        i64.ne
        br_if $done
        local.get $receiver
        call $unstake
        br $done
      end
      local.get $code
      i64.const 6138663591592764928
      i64.ne
      br_if $done
      local.get $action
      i64.const -3617168760277827584
      i64.ne
      br_if $done
      local.get $receiver
      local.get $code
      call $execute_action
    end)
)
