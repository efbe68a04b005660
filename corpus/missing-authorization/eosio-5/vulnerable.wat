;; EOSIO contract (eosio-cpp layout) keeping open bids in a `bids` table, one row per bid:
;; {id: u64, bidder: name, expires: u64 (microseconds)}. `cancel(id)` erases the
;; bid the caller names with no `require_auth` at all: anyone deletes anyone's bid.
(module
  (type $t_j (func (param i64)))
  (type $t_i (func (param i32)))
  (type $t_ii (func (param i32 i32)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $t_jjjj_i (func (param i64 i64 i64 i64) (result i32)))
  (type $t_jjj (func (param i64 i64 i64)))
  (type $t__j (func (result i64)))
  (import "env" "read_action_data" (func $read_action_data (type $t_ii_i)))
  (import "env" "db_find_i64" (func $db_find_i64 (type $t_jjjj_i)))
  (import "env" "db_get_i64" (func $db_get_i64 (type $t_iii_i)))
  (import "env" "db_remove_i64" (func $db_remove_i64 (type $t_i)))
  (import "env" "current_time" (func $current_time (type $t__j)))
  (import "env" "eosio_assert" (func $eosio_assert (type $t_ii)))
  (memory 1)
  (global $__stack_pointer (mut i32) (i32.const 8192))
  (data (i32.const 1024) "bid not found\00")
  (data (i32.const 1040) "bid has not expired\00")
  (export "memory" (memory 0))
  (export "apply" (func $apply))

  ;; void cancel(uint64_t id): bids.erase(bids.find(id)) with no check of the caller
  (func $cancel (type $t_j) (param $self i64)
    (local $sp i32) (local $itr i32)
    ;; auto itr = bids.find(id); check(itr != bids.end(), "bid not found");
    global.get $__stack_pointer
    i32.const 32
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    i32.const 8
    call $read_action_data
    drop
    local.get $self
    local.get $self
    i64.const 4292915607302569984
    local.get $sp
    i64.load
    call $db_find_i64
    local.tee $itr
    i32.const 0
    i32.ge_s
    i32.const 1024
    call $eosio_assert
    local.get $itr
    call $db_remove_i64 ;; @expect missing-authorization
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
      i64.const 4730614985703555072
      i64.eq
      if
        local.get $receiver
        call $cancel
      end
    end))
