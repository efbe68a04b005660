;; EOSIO deposit contract (eosio-cpp layout) with a hand-written dispatcher, as EOSBet's was:
;; `if (code == self || code == N(eosio.token)) switch (action) { case N(transfer): ... }`. The
;; token notification path is right, but `transfer` is also dispatched when code == self: anyone
;; can push a `transfer` action to this contract itself (authorized by their own account, no
;; tokens move) and the handler records the deposit all the same.
(module
  (type $t_j (func (param i64)))
  (type $t_ii (func (param i32 i32)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $r_i (func (result i32)))
  (type $t_jjjjii_i (func (param i64 i64 i64 i64 i32 i32) (result i32)))
  (type $t_jjj (func (param i64 i64 i64)))
  (type $t_jj (func (param i64 i64)))
  (import "env" "action_data_size" (func $action_data_size (type $r_i)))
  (import "env" "read_action_data" (func $read_action_data (type $t_ii_i)))
  (import "env" "eosio_assert" (func $eosio_assert (type $t_ii)))
  (import "env" "memcpy" (func $memcpy (type $t_iii_i)))
  (import "env" "require_auth" (func $require_auth (type $t_j)))
  (import "env" "db_store_i64" (func $db_store_i64 (type $t_jjjjii_i)))
  (memory 1)
  (global $__stack_pointer (mut i32) (i32.const 8192))
  (export "memory" (memory 0))
  (export "apply" (func $apply))
  (data (i32.const 1024) "read\00")

  ;; void deposit::on_transfer(name from, name to, asset quantity, string memo)
  (func $on_transfer (type $t_jj) (param $receiver i64) (param $code i64)
    (local $sp i32) (local $size i32) (local $buf i32)
    global.get $__stack_pointer
    i32.const 128
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    ;; auto data = unpack_action_data<transfer_args>()  (memo ignored: 64-byte buffer)
    call $action_data_size
    local.tee $size
    i32.const 64
    i32.gt_u
    if
      i32.const 64
      local.set $size
    end
    local.get $sp
    i32.const 64
    i32.add
    local.tee $buf
    local.get $size
    call $read_action_data
    drop
    ;; datastream ds(buf, size); ds >> from >> to >> quantity
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
    block $ignore
      ;; if (from == _self || to != _self) return;
      local.get $sp
      i64.load offset=40
      local.get $receiver
      i64.eq
      br_if $ignore
      local.get $sp
      i64.load offset=32
      local.get $receiver
      i64.ne
      br_if $ignore
      ;; deposits.emplace(_self, {from, quantity})
      local.get $sp
      local.get $sp
      i64.load offset=40
      i64.store offset=8
      local.get $receiver
      i64.const 5380477997050494976
      local.get $receiver
      local.get $sp
      i64.load offset=40
      local.get $sp
      i32.const 8
      i32.add
      i32.const 24
      call $db_store_i64
      drop
    end
    local.get $sp
    i32.const 128
    i32.add
    global.set $__stack_pointer)

  ;; void deposit::withdraw()
  (func $withdraw (type $t_j) (param $receiver i64)
    local.get $receiver
    call $require_auth)

  (func $apply (type $t_jjj) (param $receiver i64) (param $code i64) (param $action i64)
    block $done
      ;; if (code == self || code == N(eosio.token))
      local.get $code
      local.get $receiver
      i64.eq
      local.get $code
      i64.const 6138663591592764928
      i64.eq
      i32.or
      i32.eqz
      br_if $done
      block $other
        local.get $action
        i64.const -3617168760277827584
        i64.ne
        br_if $other
        local.get $receiver
        local.get $code
        call $on_transfer ;; @expect fake-eos-transfer
        br $done
      end
      local.get $action
      i64.const -2039333636196532224
      i64.ne
      br_if $done
      local.get $receiver
      call $withdraw
    end)
)
