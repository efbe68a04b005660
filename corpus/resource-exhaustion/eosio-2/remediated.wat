;; The remediation of the whitelist contract: `batchadd` checks `users.size() <= 20` with
;; eosio_assert before the loop, so one action adds at most 20 rows.
(module
  (type $t_ii (func (param i32 i32)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $r_i (func (result i32)))
  (type $t_j (func (param i64)))
  (type $t_jjjjii_i (func (param i64 i64 i64 i64 i32 i32) (result i32)))
  (import "env" "action_data_size" (func $action_data_size (type $r_i)))
  (import "env" "read_action_data" (func $read_action_data (type $t_ii_i)))
  (import "env" "eosio_assert" (func $eosio_assert (type $t_ii)))
  (import "env" "require_auth" (func $require_auth (type $t_j)))
  (import "env" "db_store_i64" (func $db_store_i64 (type $t_jjjjii_i)))
  (memory 1)
  (global $__stack_pointer (mut i32) (i32.const 8192))
  (global $heap (mut i32) (i32.const 16384))
  (export "memory" (memory 0))
  (export "apply" (func $apply))
  (data (i32.const 1024) "read\00")
  (data (i32.const 1040) "too many users\00")

  (func $malloc (param $n i32) (result i32)
    (local $p i32)
    global.get $heap
    local.tee $p
    local.get $n
    i32.add
    global.set $heap
    local.get $p)

  ;; void whitelist::batchadd(std::vector<name> users)
  (func $batchadd (type $t_j) (param $self i64)
    (local $sp i32) (local $size i32) (local $buf i32) (local $pos i32) (local $n i32)
    (local $shift i32) (local $byte i32) (local $i i32) (local $user i64)
    global.get $__stack_pointer
    i32.const 32
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $self
    call $require_auth
    ;; datastream ds(read_action_data(malloc(size)), size)
    call $action_data_size
    local.tee $size
    call $malloc
    local.tee $buf
    local.get $size
    call $read_action_data
    drop
    local.get $buf
    local.set $pos
    ;; unsigned_int length: LEB128
    i32.const 0
    local.set $n
    i32.const 0
    local.set $shift
    loop
      local.get $pos
      local.get $buf
      local.get $size
      i32.add
      i32.lt_u
      i32.const 1024
      call $eosio_assert
      local.get $pos
      i32.load8_u
      local.set $byte
      local.get $pos
      i32.const 1
      i32.add
      local.set $pos
      local.get $n
      local.get $byte
      i32.const 127
      i32.and
      local.get $shift
      i32.shl
      i32.or
      local.set $n
      local.get $shift
      i32.const 7
      i32.add
      local.set $shift
      local.get $byte
      i32.const 128
      i32.and
      br_if 0
    end
    ;; check(users.size() <= 20, "too many users")
    local.get $n
    i32.const 21
    i32.lt_u
    i32.const 1040
    call $eosio_assert
    block
      local.get $n
      i32.eqz
      br_if 0
      i32.const 0
      local.set $i
      loop
        ;; ds >> user
        local.get $pos
        local.get $i
        i32.const 3
        i32.shl
        i32.add
        i64.load align=1
        local.set $user
        ;; whitelist.emplace(_self, [&](auto& r) { r.account = user; })
        local.get $sp
        local.get $user
        i64.store offset=8
        local.get $self
        i64.const -2063328927043551232
        local.get $self
        local.get $user
        local.get $sp
        i32.const 8
        i32.add
        i32.const 8
        call $db_store_i64
        drop
        local.get $i
        i32.const 1
        i32.add
        local.tee $i
        local.get $n
        i32.lt_u
        br_if 0
      end
    end
    local.get $sp
    i32.const 32
    i32.add
    global.set $__stack_pointer)

  (func $apply (param $receiver i64) (param $code i64) (param $action i64)
    local.get $code
    local.get $receiver
    i64.eq
    local.get $action
    i64.const 4157533398392373248
    i64.eq
    i32.and
    if
      local.get $receiver
      call $batchadd
    end))
