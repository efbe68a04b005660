;; EOSIO dividend contract (eosio-cpp layout). Anyone can become a holder (`join`, one row in the
;; `holders` table, RAM paid by the joiner). `distribute` pays every holder in one action: it walks
;; the whole table with db_lowerbound_i64 / db_next_i64 up to db_end_i64 and sends one
;; `eosio.token::transfer` inline action per row. Thousands of cheap rows make `distribute`
;; exceed the transaction CPU limit every time: nobody is ever paid again.
(module
  (type $t_ii (func (param i32 i32)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $r_i (func (result i32)))
  (type $t_j (func (param i64)))
  (type $t_jjj (func (param i64 i64 i64)))
  (type $t_jjjj_i (func (param i64 i64 i64 i64) (result i32)))
  (type $t_jjj_i (func (param i64 i64 i64) (result i32)))
  (type $t_jjjjii_i (func (param i64 i64 i64 i64 i32 i32) (result i32)))
  (import "env" "action_data_size" (func $action_data_size (type $r_i)))
  (import "env" "read_action_data" (func $read_action_data (type $t_ii_i)))
  (import "env" "eosio_assert" (func $eosio_assert (type $t_ii)))
  (import "env" "require_auth" (func $require_auth (type $t_j)))
  (import "env" "db_store_i64" (func $db_store_i64 (type $t_jjjjii_i)))
  (import "env" "db_get_i64" (func $db_get_i64 (type $t_iii_i)))
  (import "env" "db_lowerbound_i64" (func $db_lowerbound_i64 (type $t_jjjj_i)))
  (import "env" "db_end_i64" (func $db_end_i64 (type $t_jjj_i)))
  (import "env" "db_next_i64" (func $db_next_i64 (type $t_ii_i)))
  (import "env" "send_inline" (func $send_inline (type $t_ii)))
  (memory 1)
  (global $__stack_pointer (mut i32) (i32.const 8192))
  (export "memory" (memory 0))
  (export "apply" (func $apply))
  (data (i32.const 1024) "read\00")
  (data (i32.const 1040) "EOS\00")

  ;; void dividend::join(name user): holders.emplace(user, [&](auto& h){ h.account = user; })
  (func $join (type $t_j) (param $self i64)
    (local $sp i32) (local $user i64)
    global.get $__stack_pointer
    i32.const 32
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
    local.tee $user
    call $require_auth
    local.get $sp
    local.get $user
    i64.store offset=8
    local.get $sp
    i64.const 0
    i64.store offset=16
    local.get $self
    i64.const 7864012134596739072
    local.get $user
    local.get $user
    local.get $sp
    i32.const 8
    i32.add
    i32.const 16
    call $db_store_i64
    drop
    local.get $sp
    i32.const 32
    i32.add
    global.set $__stack_pointer)

  ;; void dividend::distribute(): for (auto& h : holders) action(...transfer...).send();
  (func $distribute (type $t_j) (param $self i64)
    (local $sp i32) (local $itr i32) (local $end i32)
    global.get $__stack_pointer
    i32.const 128
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $self
    call $require_auth
    local.get $self
    local.get $self
    i64.const 7864012134596739072
    i64.const 0
    call $db_lowerbound_i64
    local.set $itr
    local.get $self
    local.get $self
    i64.const 7864012134596739072
    call $db_end_i64
    local.set $end
    block
      local.get $itr
      local.get $end
      i32.eq
      br_if 0
      loop ;; @expect resource-exhaustion
        ;; const holder& h = *itr (unpack the row into sp+0)
        local.get $itr
        local.get $sp
        i32.const 16
        call $db_get_i64
        drop
        ;; action{permission_level{_self, "active"_n}, "eosio.token"_n, "transfer"_n,
        ;;        std::make_tuple(_self, h.account, asset(h.amount, EOS), "")}
        local.get $sp
        i64.const 6138663591592764928
        i64.store offset=16
        local.get $sp
        i64.const -3617168760277827584
        i64.store offset=24
        local.get $sp
        i32.const 1
        i32.store8 offset=32
        local.get $sp
        local.get $self
        i64.store offset=33 align=1
        local.get $sp
        i64.const 3617214756542218240
        i64.store offset=41 align=1
        local.get $sp
        i32.const 33
        i32.store8 offset=49
        local.get $sp
        local.get $self
        i64.store offset=50 align=1
        local.get $sp
        local.get $sp
        i64.load
        i64.store offset=58 align=1
        local.get $sp
        local.get $sp
        i64.load offset=8
        i64.store offset=66 align=1
        local.get $sp
        i32.const 1040
        i64.load
        i64.store offset=74 align=1
        local.get $sp
        i32.const 0
        i32.store8 offset=82
        local.get $sp
        i32.const 16
        i32.add
        i32.const 67
        call $send_inline
        ;; ++itr
        local.get $itr
        local.get $sp
        i32.const 96
        i32.add
        call $db_next_i64
        local.tee $itr
        local.get $end
        i32.ne
        br_if 0
      end
    end
    local.get $sp
    i32.const 128
    i32.add
    global.set $__stack_pointer)

  (func $apply (param $receiver i64) (param $code i64) (param $action i64)
    local.get $code
    local.get $receiver
    i64.ne
    if
      return
    end
    local.get $action
    i64.const 5454311842506244096
    i64.eq
    if
      local.get $receiver
      call $distribute
      return
    end
    local.get $action
    i64.const 9015414805623734272
    i64.eq
    if
      local.get $receiver
      call $join
    end))
