;; NEAR coin-flip contract (near-sdk-rs layout): methods are exports, host values travel through
;; registers. `flip` pays back twice the stake when `(block_timestamp + block_index) % 2` is 0.
;; Both values are known before the transaction runs (and equal for every call in the block), so a
;; player, or a contract calling `flip`, checks the side first and only plays when it wins.
(module
  (type $t_j (func (param i64)))
  (type $t_jj (func (param i64 i64)))
  (type $t_j_j (func (param i64) (result i64)))
  (type $t_jj_j (func (param i64 i64) (result i64)))
  (type $t_jjjjj_j (func (param i64 i64 i64 i64 i64) (result i64)))
  (type $t (func))
  (type $r_j (func (result i64)))
  (import "env" "predecessor_account_id" (func $predecessor_account_id (type $t_j)))
  (import "env" "register_len" (func $register_len (type $t_j_j)))
  (import "env" "read_register" (func $read_register (type $t_jj)))
  (import "env" "block_timestamp" (func $block_timestamp (type $r_j)))
  (import "env" "block_index" (func $block_index (type $r_j)))
  (import "env" "promise_batch_create" (func $promise_batch_create (type $t_jj_j)))
  (import "env" "promise_batch_action_transfer" (func $promise_batch_action_transfer (type $t_jj)))
  (import "env" "storage_write" (func $storage_write (type $t_jjjjj_j)))
  (memory 17)
  (global $__stack_pointer (mut i32) (i32.const 1048576))
  (export "memory" (memory 0))
  (export "flip" (func $flip))
  ;; the prize (2 NEAR, u128 little endian) and the key of the losers' pot
  (data (i32.const 1048576) "\00\00\40\b2\ba\c9\e0\19\00\00\00\00\00\00\00\00POT")

  ;; fn flip(&mut self)
  (func $flip (type $t)
    (local $sp i32) (local $len i64)
    global.get $__stack_pointer
    i32.const 128
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    ;; let player = env::predecessor_account_id();
    i64.const 0
    call $predecessor_account_id
    i64.const 0
    call $register_len
    local.set $len
    i64.const 0
    local.get $sp
    i32.const 64
    i32.add
    i64.extend_i32_u
    call $read_register
    ;; if (env::block_timestamp() + env::block_index()) % 2 == 0 {
    ;;     Promise::new(player).transfer(PRIZE) } else { self.pot += stake }
    call $block_timestamp
    call $block_index
    i64.add
    i64.const 2
    i64.rem_u
    i64.eqz
    if ;; @expect weak-randomness
      local.get $len
      local.get $sp
      i32.const 64
      i32.add
      i64.extend_i32_u
      call $promise_batch_create
      i64.const 1048576
      call $promise_batch_action_transfer
    else
      i64.const 3
      i64.const 1048592
      i64.const 16
      i64.const 1048576
      i64.const 2
      call $storage_write
      drop
    end
    local.get $sp
    i32.const 128
    i32.add
    global.set $__stack_pointer)
)
