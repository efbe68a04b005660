;; EOSIO deposit contract in the eosio.cdt `EOSIO_DISPATCH` layout: `apply` hands each action to
;; `execute_action`, which unpacks the action data and calls the member function through a
;; member-function pointer (`call_indirect`). The notification handler delegates the token check
;; to a helper, `check_token_contract`, which only rejects the contract's own transfers
;; (`code != self`): a fake EOS token contract still gets its transfers credited.
(module
  (type $t_j (func (param i64)))
  (type $t_ii (func (param i32 i32)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $r_i (func (result i32)))
  (type $t_jjjjii_i (func (param i64 i64 i64 i64 i32 i32) (result i32)))
  (type $t_jjj (func (param i64 i64 i64)))
  (type $t_jji (func (param i64 i64 i32)))
  (type $t_i (func (param i32)))
  (type $member (func (param i32 i64 i64 i32)))
  (import "env" "action_data_size" (func $action_data_size (type $r_i)))
  (import "env" "read_action_data" (func $read_action_data (type $t_ii_i)))
  (import "env" "eosio_assert" (func $eosio_assert (type $t_ii)))
  (import "env" "memcpy" (func $memcpy (type $t_iii_i)))
  (import "env" "require_auth" (func $require_auth (type $t_j)))
  (import "env" "db_store_i64" (func $db_store_i64 (type $t_jjjjii_i)))
  (table 3 3 funcref)
  (elem (i32.const 1) $on_transfer $withdraw)
  (memory 1)
  (global $__stack_pointer (mut i32) (i32.const 8192))
  (export "memory" (memory 0))
  (export "apply" (func $apply))
  (data (i32.const 1024) "read\00")
  (data (i32.const 1040) "only token transfers are accepted\00")

  ;; void deposit::check_token_contract() const
  (func $check_token_contract (type $t_i) (param $this i32)
    local.get $this
    i64.load offset=8
    local.get $this
    i64.load
    i64.ne
    i32.const 1040
    call $eosio_assert)

  ;; void deposit::on_transfer(name from, name to, const asset& quantity)
  (func $on_transfer (type $member) (param $this i32) (param $from i64) (param $to i64) (param $quantity i32)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 32
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    block $ignore
      ;; if (from == get_self() || to != get_self()) return;
      local.get $from
      local.get $this
      i64.load
      i64.eq
      br_if $ignore
      local.get $to
      local.get $this
      i64.load
      i64.ne
      br_if $ignore
      local.get $this
      call $check_token_contract
      ;; deposits.emplace(get_self(), {from, quantity})
      local.get $sp
      local.get $from
      i64.store
      local.get $sp
      local.get $quantity
      i64.load
      i64.store offset=8
      local.get $sp
      local.get $quantity
      i64.load offset=8
      i64.store offset=16
      local.get $this
      i64.load
      i64.const 5380477997050494976
      local.get $this
      i64.load
      local.get $from
      local.get $sp
      i32.const 24
      call $db_store_i64
      drop
    end
    local.get $sp
    i32.const 32
    i32.add
    global.set $__stack_pointer)

  ;; void deposit::withdraw(name owner, name, const asset&)
  (func $withdraw (type $member) (param $this i32) (param $owner i64) (param $unused i64) (param $quantity i32)
    local.get $owner
    call $require_auth)

  ;; bool eosio::execute_action(name self, name code, void (deposit::*)(name, name, const asset&))
  (func $execute_action (type $t_jji) (param $self i64) (param $code i64) (param $fn i32)
    (local $sp i32) (local $size i32) (local $buf i32)
    global.get $__stack_pointer
    i32.const 144
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    ;; deposit obj(self, code, ds)
    local.get $sp
    local.get $self
    i64.store offset=64
    local.get $sp
    local.get $code
    i64.store offset=72
    ;; char buf[64]; read_action_data(buf, min(action_data_size(), 64))
    call $action_data_size
    local.tee $size
    i32.const 32
    i32.ge_u
    i32.const 1024
    call $eosio_assert
    local.get $sp
    i32.const 80
    i32.add
    local.tee $buf
    local.get $size
    i32.const 64
    local.get $size
    i32.const 64
    i32.lt_u
    select
    call $read_action_data
    drop
    ;; std::tuple<name, name, asset> args; ds >> args;
    local.get $sp
    local.get $buf
    i32.store offset=48
    local.get $sp
    i32.const 40
    i32.add
    local.get $sp
    i32.load offset=48
    i32.const 8
    call $memcpy
    drop
    local.get $sp
    local.get $sp
    i32.load offset=48
    i32.const 8
    i32.add
    i32.store offset=48
    local.get $sp
    i32.const 32
    i32.add
    local.get $sp
    i32.load offset=48
    i32.const 8
    call $memcpy
    drop
    local.get $sp
    local.get $sp
    i32.load offset=48
    i32.const 8
    i32.add
    i32.store offset=48
    local.get $sp
    i32.const 16
    i32.add
    local.get $sp
    i32.load offset=48
    i32.const 16
    call $memcpy
    drop
    ;; (obj.*fn)(std::get<0>(args), std::get<1>(args), std::get<2>(args))
    local.get $sp
    i32.const 64
    i32.add
    local.get $sp
    i64.load offset=40
    local.get $sp
    i64.load offset=32
    local.get $sp
    i32.const 16
    i32.add
    local.get $fn
    call_indirect (type $member)
    local.get $sp
    i32.const 144
    i32.add
    global.set $__stack_pointer)

  (func $apply (type $t_jjj) (param $receiver i64) (param $code i64) (param $action i64)
    local.get $code
    local.get $receiver
    i64.eq
    if
      local.get $action
      i64.const -2039333636196532224
      i64.eq
      if
        local.get $receiver
        local.get $code
        i32.const 2
        call $execute_action
      end
    else
      ;; notifications: the handler is trusted to check the token contract
      local.get $action
      i64.const -3617168760277827584
      i64.eq
      if
        local.get $receiver
        local.get $code
        i32.const 1
        call $execute_action ;; @expect fake-eos-transfer
      end
    end)
)
