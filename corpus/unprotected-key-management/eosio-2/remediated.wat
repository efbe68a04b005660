;; EOSIO time-lock service (eosio-cpp layout), remediated: `lock(account)` requires the account
;; owner's authority; `restore()` stays a keeper anyone may call, since it only applies what the
;; `locks` row recorded once the stored lock time has passed.
(module
  (type $t_j (func (param i64)))
  (type $t_jjj (func (param i64 i64 i64)))
  (type $t_ii (func (param i32 i32)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $t_i (func (param i32)))
  (type $t_ij (func (param i32 i64)))
  (type $r_i (func (result i32)))
  (type $r_j (func (result i64)))
  (type $t_jjjj_i (func (param i64 i64 i64 i64) (result i32)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (import "env" "action_data_size" (func $action_data_size (type $r_i)))
  (import "env" "read_action_data" (func $read_action_data (type $t_ii_i)))
  (import "env" "eosio_assert" (func $eosio_assert (type $t_ii)))
  (import "env" "require_auth" (func $require_auth (type $t_j)))
  (import "env" "send_inline" (func $send_inline (type $t_ii)))
  (import "env" "current_time" (func $current_time (type $r_j)))
  (import "env" "db_find_i64" (func $db_find_i64 (type $t_jjjj_i)))
  (import "env" "db_get_i64" (func $db_get_i64 (type $t_iii_i)))
  (memory 1)
  (global $__stack_pointer (mut i32) (i32.const 8192))
  (export "memory" (memory 0))
  (export "apply" (func $apply))
  (data (i32.const 1024) "read\00")
  (data (i32.const 1040) "still locked\00")

  ;; eosio::action::send(): pack(*this) into a buffer and send_inline it
  (func $action_send (type $t_i) (param $act i32)
    (local $buf i32)
    global.get $__stack_pointer
    i32.const 96
    i32.sub
    local.tee $buf
    global.set $__stack_pointer
    local.get $buf
    local.get $act
    i64.load
    i64.store
    local.get $buf
    local.get $act
    i64.load offset=8
    i64.store offset=8
    local.get $buf
    local.get $act
    i64.load offset=16
    i64.store offset=16
    local.get $buf
    local.get $act
    i64.load offset=24
    i64.store offset=24
    local.get $buf
    local.get $act
    i64.load offset=32
    i64.store offset=32
    local.get $buf
    i32.const 40
    call $send_inline
    local.get $buf
    i32.const 96
    i32.add
    global.set $__stack_pointer)

  ;; action(permission_level{_self, "active"_n}, "eosio"_n, "updateauth"_n,
  ;;        std::make_tuple(account, "active"_n, "owner"_n, authority{_self@eosio.code})).send()
  (func $send_updateauth (type $t_ij) (param $self i32) (param $account i64)
    (local $act i32)
    global.get $__stack_pointer
    i32.const 48
    i32.sub
    local.tee $act
    global.set $__stack_pointer
    local.get $act
    i64.const 6138663577826885632
    i64.store
    local.get $act
    i64.const -3075276123059568640
    i64.store offset=8
    local.get $act
    local.get $account
    i64.store offset=16
    local.get $act
    i64.const 3617214756542218240
    i64.store offset=24
    local.get $act
    i64.const -6402241254016417792
    i64.store offset=32
    local.get $act
    call $action_send
    local.get $act
    i32.const 48
    i32.add
    global.set $__stack_pointer)

  ;; void locker::lock(name account)
  (func $lock (type $t_j) (param $self i64)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 16
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    call $action_data_size
    i32.const 8
    i32.ge_u
    i32.const 1024
    call $eosio_assert
    local.get $sp
    i32.const 8
    call $read_action_data
    drop
    local.get $sp
    i64.load
    call $require_auth
    local.get $sp
    local.get $sp
    i64.load
    call $send_updateauth
    local.get $sp
    i32.const 16
    i32.add
    global.set $__stack_pointer)

  ;; void locker::unlock(name account): the owner takes the account back
  (func $unlock (type $t_j) (param $self i64)
    (local $sp i32) (local $account i64)
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
    local.tee $account
    call $require_auth
    local.get $sp
    i32.const 16
    i32.add
    global.set $__stack_pointer)

  ;; void locker::restore(): if (now > row.until) updateauth(row.account, ...)
  (func $restore (type $t_j) (param $self i64)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 32
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $self
    local.get $self
    i64.const -8742258488946065408
    i64.const 0
    call $db_find_i64
    local.get $sp
    i32.const 16
    call $db_get_i64
    drop
    call $current_time
    local.get $sp
    i64.load offset=8
    i64.gt_u
    i32.const 1040
    call $eosio_assert
    local.get $sp
    local.get $sp
    i64.load
    call $send_updateauth
    local.get $sp
    i32.const 32
    i32.add
    global.set $__stack_pointer)

  (func $apply (type $t_jjj) (param $receiver i64) (param $code i64) (param $action i64)
    local.get $code
    local.get $receiver
    i64.eq
    if
      local.get $action
      i64.const -8281838239757631488
      i64.eq
      if
        local.get $receiver
        call $lock
      end
      local.get $action
      i64.const -3106564276286914560
      i64.eq
      if
        local.get $receiver
        call $unlock
      end
      local.get $action
      i64.const -4992776315537440768
      i64.eq
      if
        local.get $receiver
        call $restore
      end
    end)
)
