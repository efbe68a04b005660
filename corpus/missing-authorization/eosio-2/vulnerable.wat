;; EOSIO contract compiled the eosio-cpp way: `apply` hands each action to `execute_action`, which
;; constructs the contract object, calls the action method through a pointer to member
;; (`call_indirect`) and then runs the destructor, which saves the `state` singleton. `setfee`
;; requires the contract's authority, but `pay(from)` requires `from`'s authority only when `from`
;; is not the contract itself, so anyone can run `pay` for the contract's account and have the
;; destructor write the state. `setabi` is a native action (the chain checks the account's
;; authority before `apply` runs), so its unchecked write of `abihash` is not a finding.
(module
  (type $t_j (func (param i64)))
  (type $t_jjj (func (param i64 i64 i64)))
  (type $t_ii (func (param i32 i32)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $t_i (func (param i32)))
  (type $method (func (param i32 i64)))
  (type $t_jji (func (param i64 i64 i32)))
  (type $t_jjjjii_i (func (param i64 i64 i64 i64 i32 i32) (result i32)))
  (type $t_jjjj_i (func (param i64 i64 i64 i64) (result i32)))
  (type $t_ijii (func (param i32 i64 i32 i32)))
  (import "env" "read_action_data" (func $read_action_data (type $t_ii_i)))
  (import "env" "eosio_assert" (func $eosio_assert (type $t_ii)))
  (import "env" "require_auth" (func $require_auth (type $t_j)))
  (import "env" "db_store_i64" (func $db_store_i64 (type $t_jjjjii_i)))
  (import "env" "db_find_i64" (func $db_find_i64 (type $t_jjjj_i)))
  (import "env" "db_update_i64" (func $db_update_i64 (type $t_ijii)))
  (table 3 3 funcref)
  (memory 1)
  (global $__stack_pointer (mut i32) (i32.const 8192))
  (export "memory" (memory 0))
  (export "apply" (func $apply))
  (elem (i32.const 1) func $setfee $pay)
  (data (i32.const 1024) "cannot pay yourself\00")

  ;; contract::~contract(): state.set(_state, _self): eosio::singleton modifies its row (primary
  ;; key = the table name) when it exists and emplaces it the first time.
  (func $destructor (type $t_i) (param $this i32)
    (local $itr i32)
    local.get $this
    i64.load
    local.get $this
    i64.load
    i64.const -4157503053760561152
    i64.const -4157503053760561152
    call $db_find_i64
    local.tee $itr
    i32.const 0
    i32.ge_s
    if
      local.get $itr
      local.get $this
      i64.load
      local.get $this
      i32.const 8
      i32.add
      i32.const 8
      call $db_update_i64 ;; @expect missing-authorization
    else
      local.get $this
      i64.load
      i64.const -4157503053760561152
      local.get $this
      i64.load
      i64.const -4157503053760561152
      local.get $this
      i32.const 8
      i32.add
      i32.const 8
      call $db_store_i64
      drop
    end)

  ;; void contract::setfee(uint64_t fee): require_auth(get_self()); _state.fee = fee;
  (func $setfee (type $method) (param $this i32) (param $fee i64)
    local.get $this
    i64.load
    call $require_auth
    local.get $this
    local.get $fee
    i64.store offset=8)

  ;; void contract::pay(name from): if (from != get_self()) require_auth(from); _state.paid++;
  (func $pay (type $method) (param $this i32) (param $from i64)
    local.get $from
    local.get $this
    i64.load
    i64.ne
    if
      local.get $from
      call $require_auth
    end
    local.get $this
    local.get $this
    i64.load offset=8
    i64.const 1
    i64.add
    i64.store offset=8)

  ;; eosio::execute_action(self, code, &contract::method)
  (func $execute_action (type $t_jji) (param $receiver i64) (param $code i64) (param $method i32)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 32
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    local.get $receiver
    i64.store
    local.get $sp
    i32.const 16
    i32.add
    i32.const 8
    call $read_action_data
    drop
    local.get $sp
    local.get $sp
    i64.load offset=16
    local.get $method
    call_indirect (type $method)
    local.get $sp
    call $destructor
    local.get $sp
    i32.const 32
    i32.add
    global.set $__stack_pointer)

  ;; void native::setabi(name account, std::vector<char> abi): abihash.emplace(...)
  (func $setabi (type $t_j) (param $self i64)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 48
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    i32.const 40
    call $read_action_data
    drop
    local.get $self
    i64.const 3592979018984456192
    local.get $self
    local.get $sp
    i64.load
    local.get $sp
    i32.const 40
    call $db_store_i64
    drop
    local.get $sp
    i32.const 48
    i32.add
    global.set $__stack_pointer)

  (func $apply (type $t_jjj) (param $receiver i64) (param $code i64) (param $action i64)
    local.get $code
    local.get $receiver
    i64.eq
    if
      local.get $action
      i64.const -4417269101093715968
      i64.eq
      if
        local.get $receiver
        local.get $code
        i32.const 1
        call $execute_action
      end
      local.get $action
      i64.const -6216093385678127104
      i64.eq
      if
        local.get $receiver
        local.get $code
        i32.const 2
        call $execute_action
      end
      local.get $action
      i64.const -4417358642571902976
      i64.eq
      if
        local.get $receiver
        call $setabi
      end
    end)
)
