;; EOSIO account-lock service (eosio-cpp layout), vulnerable: `lock(account, seconds, key)`
;; (not shown, it requires the account's authority) records a `locks` row and hands the account's
;; permissions to the contract's `eosio.code`. `unlock(account, key)` is a keeper anyone may call:
;; it looks the row up by the account name and waits for the stored lock time, but restores the
;; public key the caller passes instead of the one the row recorded, so whoever calls it first
;; after the lock expires takes the account.
(module
  (type $t_jjj (func (param i64 i64 i64)))
  (type $t_ii (func (param i32 i32)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $t_i (func (param i32)))
  (type $t_ji (func (param i64 i32)))
  (type $t_j (func (param i64)))
  (type $r_j (func (result i64)))
  (type $t_jjjj_i (func (param i64 i64 i64 i64) (result i32)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (import "env" "read_action_data" (func $read_action_data (type $t_ii_i)))
  (import "env" "eosio_assert" (func $eosio_assert (type $t_ii)))
  (import "env" "send_inline" (func $send_inline (type $t_ii)))
  (import "env" "current_time" (func $current_time (type $r_j)))
  (import "env" "db_lowerbound_i64" (func $db_lowerbound_i64 (type $t_jjjj_i)))
  (import "env" "db_next_i64" (func $db_next_i64 (type $t_ii_i)))
  (import "env" "db_get_i64" (func $db_get_i64 (type $t_iii_i)))
  (memory 1)
  (global $__stack_pointer (mut i32) (i32.const 8192))
  (export "memory" (memory 0))
  (export "apply" (func $apply))
  (data (i32.const 1024) "no lock for account\00")
  (data (i32.const 1056) "lock time not expired\00")

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
    local.get $act
    i64.load offset=40
    i64.store offset=40
    local.get $buf
    local.get $act
    i64.load offset=48
    i64.store offset=48
    local.get $buf
    i32.const 56
    call $send_inline
    local.get $buf
    i32.const 96
    i32.add
    global.set $__stack_pointer)

  ;; action(permission_level{account, "owner"_n}, "eosio"_n, "updateauth"_n,
  ;;        std::make_tuple(account, "active"_n, "owner"_n, authority{key})).send()
  (func $send_updateauth (type $t_ji) (param $account i64) (param $key i32)
    (local $act i32)
    global.get $__stack_pointer
    i32.const 64
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
    local.get $key
    i64.load
    i64.store offset=40
    local.get $act
    local.get $key
    i64.load offset=8
    i64.store offset=48
    local.get $act
    call $action_send ;; @expect unprotected-key-management
    local.get $act
    i32.const 64
    i32.add
    global.set $__stack_pointer)

  ;; void locker::unlock(name account, public_key key): restores the caller's key
  (func $unlock (type $t_j) (param $self i64)
    (local $sp i32) (local $row i32) (local $itr i32) (local $account i64)
    global.get $__stack_pointer
    i32.const 64
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    i32.const 32
    i32.add
    local.set $row
    local.get $sp
    i32.const 24
    call $read_action_data
    drop
    local.get $sp
    i64.load
    local.set $account
    local.get $self
    local.get $self
    i64.const -8281825045618098176
    i64.const 0
    call $db_lowerbound_i64
    local.set $itr
    block $found
      loop $scan
        local.get $itr
        i32.const 0
        i32.ge_s
        i32.const 1024
        call $eosio_assert
        local.get $itr
        local.get $row
        i32.const 32
        call $db_get_i64
        drop
        local.get $row
        i64.load
        local.get $account
        i64.eq
        br_if $found
        local.get $itr
        local.get $sp
        i32.const 56
        i32.add
        call $db_next_i64
        local.set $itr
        br $scan
      end
    end
    ;; check(now() > row.until, "lock time not expired")
    call $current_time
    i64.const 1000000
    i64.div_u
    local.get $row
    i64.load offset=8
    i64.gt_u
    i32.const 1056
    call $eosio_assert
    local.get $account
    local.get $sp
    i32.const 8
    i32.add
    call $send_updateauth
    local.get $sp
    i32.const 64
    i32.add
    global.set $__stack_pointer)

  (func $apply (type $t_jjj) (param $receiver i64) (param $code i64) (param $action i64)
    local.get $code
    local.get $receiver
    i64.eq
    if
      local.get $action
      i64.const -3106564276286914560
      i64.eq
      if
        local.get $receiver
        call $unlock
      end
    end)
)
