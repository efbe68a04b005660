;; Antelope contract with a sync call (CDT `eosio::call`), as clang lays it out: shadow stack in
;; global 0, `apply(receiver, code, action)` dispatching on action names. `withdraw` reads the
;; `balance` row, makes a sync call (flags 0: not read-only) to `payee`'s `pay` function and
;; then zeroes the row. Remediated: a reentrancy lock kept in the `lock` table — the
;; `lock_enter` helper asserts the stored flag is 0 and stores 1 before the call, `lock_exit`
;; stores 0 after it — so a call back into `withdraw` during `pay` aborts.
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
  (data (i32.const 16) "no balance row\00nothing to withdraw\00pay failed\00reentrant call\00")

  ;; reentrancy_guard::enter(self): the `lock` singleton must hold 0, then holds 1
  (func $lock_enter (type $t_j_r) (param $self i64)
    (local $sp i32) (local $itr i32)
    global.get $__stack_pointer
    i32.const 16
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $self
    local.get $self
    i64.const -8281838239757631488
    i64.const 0
    call $db_find_i64
    local.tee $itr
    local.get $sp
    i32.const 8
    call $db_get_i64
    drop
    local.get $sp
    i64.load
    i64.eqz
    i32.const 61
    call $eosio_assert
    local.get $sp
    i64.const 1
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

  ;; reentrancy_guard::exit(self)
  (func $lock_exit (type $t_j_r) (param $self i64)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 16
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    i64.const 0
    i64.store
    local.get $self
    local.get $self
    i64.const -8281838239757631488
    i64.const 0
    call $db_find_i64
    local.get $self
    local.get $sp
    i32.const 8
    call $db_update_i64
    local.get $sp
    i32.const 16
    i32.add
    global.set $__stack_pointer)

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
    local.get $self
    call $lock_enter
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
    call $db_update_i64
    local.get $self
    call $lock_exit
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
