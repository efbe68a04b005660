;; EOSIO token lock (eosio.cdt layout). `lock(owner, amount, until)` records a row under the
;; owner's authority; `unlock(owner)` may be pushed by anyone once the lock time has passed ("lock
;; time not expired": an ordered comparison of the block time with the recorded deadline) and pays
;; the recorded amount back to the recorded owner with an inline `eosio.token::transfer`. The
;; contract hashes the tapos prefix in another action (`draw`, into a table of its own), but
;; nothing of chance decides the payout: it is fixed by the row anyone can read first, so
;; reverting it gains nothing. Not a rollback.
(module
  (type $t_j (func (param i64)))
  (type $t_ii (func (param i32 i32)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $t_iii (func (param i32 i32 i32)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $t_jjjj_i (func (param i64 i64 i64 i64) (result i32)))
  (type $t_jjjjii_i (func (param i64 i64 i64 i64 i32 i32) (result i32)))
  (type $t_jjj (func (param i64 i64 i64)))
  (type $r_j (func (result i64)))
  (type $r_i (func (result i32)))
  (import "env" "read_action_data" (func $read_action_data (type $t_ii_i)))
  (import "env" "require_auth" (func $require_auth (type $t_j)))
  (import "env" "eosio_assert" (func $eosio_assert (type $t_ii)))
  (import "env" "db_store_i64" (func $db_store_i64 (type $t_jjjjii_i)))
  (import "env" "db_find_i64" (func $db_find_i64 (type $t_jjjj_i)))
  (import "env" "db_get_i64" (func $db_get_i64 (type $t_iii_i)))
  (import "env" "current_time" (func $current_time (type $r_j)))
  (import "env" "tapos_block_prefix" (func $tapos_block_prefix (type $r_i)))
  (import "env" "sha256" (func $sha256 (type $t_iii)))
  (import "env" "send_inline" (func $send_inline (type $t_ii)))
  (memory 1)
  (global $__stack_pointer (mut i32) (i32.const 8192))
  (export "memory" (memory 0))
  (export "apply" (func $apply))
  (data (i32.const 1024) "no lock\00")
  (data (i32.const 1040) "lock time not expired\00")

  ;; void locker::pay(name self, name to, int64_t amount): eosio.token::transfer{self, to, amount EOS}
  (func $pay (type $t_jjj) (param $self i64) (param $to i64) (param $amount i64)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 80
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    i64.const 6138663591592764928
    i64.store
    local.get $sp
    i64.const -3617168760277827584
    i64.store offset=8
    local.get $sp
    i32.const 1
    i32.store8 offset=16
    local.get $sp
    local.get $self
    i64.store offset=17 align=1
    local.get $sp
    i64.const 3617214756542218240
    i64.store offset=25 align=1
    local.get $sp
    i32.const 33
    i32.store8 offset=33
    local.get $sp
    local.get $self
    i64.store offset=34 align=1
    local.get $sp
    local.get $to
    i64.store offset=42 align=1
    local.get $sp
    local.get $amount
    i64.store offset=50 align=1
    local.get $sp
    i64.const 1397703940
    i64.store offset=58 align=1
    local.get $sp
    i32.const 0
    i32.store8 offset=66
    local.get $sp
    i32.const 67
    call $send_inline
    local.get $sp
    i32.const 80
    i32.add
    global.set $__stack_pointer)

  ;; void locker::lock(name owner, int64_t amount, uint64_t until): row {owner, amount, until}
  (func $lock (type $t_j) (param $self i64)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 32
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    i32.const 24
    call $read_action_data
    drop
    local.get $sp
    i64.load
    call $require_auth
    local.get $self
    i64.const -8281825045618098176
    local.get $self
    local.get $sp
    i64.load
    local.get $sp
    i32.const 24
    call $db_store_i64
    drop
    local.get $sp
    i32.const 32
    i32.add
    global.set $__stack_pointer)

  ;; void locker::unlock(name owner): anyone may push it once the lock has expired
  (func $unlock (type $t_j) (param $self i64)
    (local $sp i32) (local $itr i32)
    global.get $__stack_pointer
    i32.const 96
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    i32.const 8
    call $read_action_data
    drop
    local.get $self
    local.get $self
    i64.const -8281825045618098176
    local.get $sp
    i64.load
    call $db_find_i64
    local.tee $itr
    i32.const 0
    i32.ge_s
    i32.const 1024
    call $eosio_assert
    ;; the row {owner, amount, until} at sp+16
    local.get $itr
    local.get $sp
    i32.const 16
    i32.add
    i32.const 24
    call $db_get_i64
    drop
    call $current_time
    local.get $sp
    i64.load offset=32
    i64.ge_u
    i32.const 1040
    call $eosio_assert
    local.get $self
    local.get $sp
    i64.load offset=16
    local.get $sp
    i64.load offset=24
    call $pay
    local.get $sp
    i32.const 96
    i32.add
    global.set $__stack_pointer)

  ;; void locker::draw(): the house draws a number into its own table
  (func $draw (type $t_j) (param $self i64)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 48
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $self
    call $require_auth
    local.get $sp
    call $tapos_block_prefix
    i32.store offset=40
    local.get $sp
    i32.const 40
    i32.add
    i32.const 4
    local.get $sp
    call $sha256
    local.get $self
    i64.const 5606361411518201856
    local.get $self
    i64.const 0
    local.get $sp
    i32.const 32
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
      i64.const -8281838239757631488
      i64.eq
      if
        local.get $receiver
        call $lock
      else
        local.get $action
        i64.const -3106564276286914560
        i64.eq
        if
          local.get $receiver
          call $unlock
        else
          local.get $action
          i64.const 5606348217378668544
          i64.eq
          if
            local.get $receiver
            call $draw
          end
        end
      end
    end)
)
