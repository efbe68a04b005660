;; Antelope contract with a sync call (CDT `eosio::call`), as clang lays it out: shadow stack in
;; global 0, `apply(receiver, code, action)` dispatching on action names. `withdraw` reads the
;; `balance` row, makes a sync call to the `payee` account's `pay` function with the amount, and
;; only then zeroes the row with `db_update_i64`. The sync call is not read-only (flags 0), so
;; `payee` can call `withdraw` again while the row still holds the old balance.
(module
  (type $t_ii (func (param i32 i32)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $t_jjjj_i (func (param i64 i64 i64 i64) (result i32)))
  (type $t_ijii (func (param i32 i64 i32 i32)))
  (type $t_call (func (param i64 i64 i32 i32) (result i64)))
  (type $t_j (func (param i64)))
  (type $t_jjj (func (param i64 i64 i64)))
  (type $t_r (func (result i32)))
  (type $t_j_r (func (param i64)))
  (import "env" "eosio_assert" (func $eosio_assert (type $t_ii)))
  (import "env" "require_auth" (func $require_auth (type $t_j)))
  (import "env" "action_data_size" (func $action_data_size (type $t_r)))
  (import "env" "read_action_data" (func $read_action_data (type $t_ii_i)))
  (import "env" "db_find_i64" (func $db_find_i64 (type $t_jjjj_i)))
  (import "env" "db_get_i64" (func $db_get_i64 (type $t_iii_i)))
  (import "env" "db_update_i64" (func $db_update_i64 (type $t_ijii)))
  (import "env" "call" (func $sync_call (type $t_call)))
  (memory 1)
  (export "memory" (memory 0))
  (global $__stack_pointer (mut i32) (i32.const 8192))
  (data (i32.const 16) "no balance row\00nothing to withdraw\00pay failed\00")

  ;; void vault::withdraw(name self)
  (func $withdraw (type $t_j_r) (param $self i64)
    (local $sp i32) (local $itr i32)
    global.get $__stack_pointer
    i32.const 32
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $self
    local.get $self
    i64.const 4152997947673411584
    i64.const 0
    call $db_find_i64
    local.tee $itr
    i32.const 0
    i32.ge_s
    i32.const 16
    call $eosio_assert
    local.get $itr
    local.get $sp
    i32.const 8
    call $db_get_i64
    drop
    local.get $sp
    i64.load
    i64.const 0
    i64.gt_s
    i32.const 31
    call $eosio_assert
    ;; eosio::call("payee"_n, 0, pack(header{"pay"_n}, amount))
    local.get $sp
    i64.const -6216093385678127104
    i64.store offset=16
    local.get $sp
    local.get $sp
    i64.load
    i64.store offset=24
    i64.const -6215911966259544064
    i64.const 0
    local.get $sp
    i32.const 16
    i32.add
    i32.const 16
    call $sync_call
    i64.const 0
    i64.ge_s
    i32.const 50
    call $eosio_assert
    local.get $sp
    i64.const 0
    i64.store
    local.get $itr
    local.get $self
    local.get $sp
    i32.const 8
    call $db_update_i64 ;; @expect reentrancy
    local.get $sp
    i32.const 32
    i32.add
    global.set $__stack_pointer)

  (func $apply (export "apply") (type $t_jjj) (param $receiver i64) (param $code i64) (param $action i64)
    local.get $code
    local.get $receiver
    i64.ne
    if
      return
    end
    local.get $action
    i64.const -2039333636196532224
    i64.eq
    if
      local.get $receiver
      call $require_auth
      local.get $receiver
      call $withdraw
    end)
)
