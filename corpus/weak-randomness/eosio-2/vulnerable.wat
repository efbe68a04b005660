;; EOSIO lottery (eosio-cpp layout, table wrapper kept out of line). `draw()` is called by the
;; operator once the round closes: the winning ticket id is
;; `(tapos_block_prefix * tapos_block_num ^ current_time) % entries`, the ticket row is looked up
;; by that id and marked as the winner. No branch depends on the draw, but the draw picks the row:
;; whoever builds the block (or a contract acting in the same transaction) knows the winner first.
(module
  (type $t_j (func (param i64)))
  (type $t_ii (func (param i32 i32)))
  (type $r_i (func (result i32)))
  (type $r_j (func (result i64)))
  (type $t_jjjj_i (func (param i64 i64 i64 i64) (result i32)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $t_iji (func (param i32 i64 i32 i32)))
  (type $t_j_i (func (param i64) (result i32)))
  (type $t_jjj (func (param i64 i64 i64)))
  (type $t_none (func))
  (import "env" "require_auth" (func $require_auth (type $t_j)))
  (import "env" "eosio_assert" (func $eosio_assert (type $t_ii)))
  (import "env" "tapos_block_prefix" (func $tapos_block_prefix (type $r_i)))
  (import "env" "tapos_block_num" (func $tapos_block_num (type $r_i)))
  (import "env" "current_time" (func $current_time (type $r_j)))
  (import "env" "db_find_i64" (func $db_find_i64 (type $t_jjjj_i)))
  (import "env" "db_get_i64" (func $db_get_i64 (type $t_iii_i)))
  (import "env" "db_update_i64" (func $db_update_i64 (type $t_iji)))
  (memory 1)
  (global $__stack_pointer (mut i32) (i32.const 8192))
  (global $self (mut i64) (i64.const 0))
  (export "memory" (memory 0))
  (export "apply" (func $apply))
  (data (i32.const 1024) "no such ticket\00")
  ;; round row: operator (8 bytes), entries (8 bytes), kept at 2048 after it is read
  (data (i32.const 2048) "\00\00\00\00\00\00\00\00\0a\00\00\00\00\00\00\00")

  ;; tickets_table::find(id): iterator of the ticket row, asserted present
  (func $find_ticket (type $t_j_i) (param $id i64) (result i32)
    (local $it i32)
    global.get $self
    global.get $self
    i64.const -3778232672447365120 ;; "tickets"
    local.get $id
    call $db_find_i64
    local.tee $it
    i32.const 0
    i32.ge_s
    i32.const 1024
    call $eosio_assert
    local.get $it)

  ;; void lottery::draw()
  (func $draw (type $t_none)
    (local $sp i32) (local $it i32) (local $winner i64)
    global.get $__stack_pointer
    i32.const 32
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    i32.const 0
    i64.load offset=2048
    call $require_auth
    ;; uint64_t rnd = uint64_t(tapos_block_prefix()) * tapos_block_num() ^ current_time();
    call $tapos_block_prefix
    i64.extend_i32_u
    call $tapos_block_num
    i64.extend_i32_u
    i64.mul
    call $current_time
    i64.xor
    ;; winner = rnd % round.entries
    i32.const 0
    i64.load offset=2056
    i64.rem_u
    local.set $winner
    local.get $winner
    call $find_ticket ;; @expect weak-randomness
    local.tee $it
    local.get $sp
    i32.const 16
    call $db_get_i64
    drop
    ;; ticket.won = 1; tickets.modify(...)
    local.get $sp
    i32.const 1
    i32.store8 offset=15
    local.get $it
    global.get $self
    local.get $sp
    i32.const 16
    call $db_update_i64
    local.get $sp
    i32.const 32
    i32.add
    global.set $__stack_pointer)

  (func $apply (type $t_jjj) (param $receiver i64) (param $code i64) (param $action i64)
    local.get $receiver
    global.set $self
    local.get $code
    local.get $receiver
    i64.eq
    if
      local.get $action
      i64.const 5606348217378668544 ;; "draw"
      i64.eq
      if
        call $draw
      end
    end))
