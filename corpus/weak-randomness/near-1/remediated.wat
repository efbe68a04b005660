;; NEAR coin-flip contract (near-sdk-rs layout), commit-reveal version. The house stores
;; `sha256(secret)` and a deadline before bets open; `reveal(secret, guess)` checks the secret
;; against the commitment, refuses late reveals with `env::block_timestamp()` (a deadline, not a
;; die), and pays when the secret's parity matches the player's guess.
(module
  (type $t_j (func (param i64)))
  (type $t_jj (func (param i64 i64)))
  (type $t_jjj (func (param i64 i64 i64)))
  (type $t_j_j (func (param i64) (result i64)))
  (type $r_j (func (result i64)))
  (type $t_jj_j (func (param i64 i64) (result i64)))
  (type $t_jjj_j (func (param i64 i64 i64) (result i64)))
  (type $t (func))
  (import "env" "input" (func $input (type $t_j)))
  (import "env" "predecessor_account_id" (func $predecessor_account_id (type $t_j)))
  (import "env" "register_len" (func $register_len (type $t_j_j)))
  (import "env" "read_register" (func $read_register (type $t_jj)))
  (import "env" "sha256" (func $sha256 (type $t_jjj)))
  (import "env" "storage_read" (func $storage_read (type $t_jjj_j)))
  (import "env" "block_timestamp" (func $block_timestamp (type $r_j)))
  (import "env" "panic" (func $panic (type $t)))
  (import "env" "promise_batch_create" (func $promise_batch_create (type $t_jj_j)))
  (import "env" "promise_batch_action_transfer" (func $promise_batch_action_transfer (type $t_jj)))
  (memory 17)
  (global $__stack_pointer (mut i32) (i32.const 1048576))
  (export "memory" (memory 0))
  (export "reveal" (func $reveal))
  ;; the prize (2 NEAR, u128 little endian) and the key of the commitment
  (data (i32.const 1048576) "\00\00\40\b2\ba\c9\e0\19\00\00\00\00\00\00\00\00COMMIT")

  ;; fn reveal(&mut self, secret: [u8; 32], guess: u8)
  (func $reveal (type $t)
    (local $sp i32) (local $len i64) (local $i i32)
    global.get $__stack_pointer
    i32.const 256
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    ;; (secret, guess) = input
    i64.const 0
    call $input
    i64.const 0
    local.get $sp
    i64.extend_i32_u
    call $read_register
    ;; commitment (32 bytes) and deadline (u64) = storage["COMMIT"]
    i64.const 6
    i64.const 1048592
    i64.const 3
    call $storage_read
    i64.eqz
    if
      call $panic
    end
    i64.const 3
    local.get $sp
    i32.const 64
    i32.add
    i64.extend_i32_u
    call $read_register
    ;; require!(env::sha256(&secret) == commitment)
    i64.const 32
    local.get $sp
    i64.extend_i32_u
    i64.const 2
    call $sha256
    i64.const 2
    local.get $sp
    i32.const 128
    i32.add
    i64.extend_i32_u
    call $read_register
    i32.const 0
    local.set $i
    loop $words
      local.get $sp
      local.get $i
      i32.add
      i32.const 128
      i32.add
      i64.load
      local.get $sp
      local.get $i
      i32.add
      i32.const 64
      i32.add
      i64.load
      i64.ne
      if
        call $panic
      end
      local.get $i
      i32.const 8
      i32.add
      local.tee $i
      i32.const 32
      i32.lt_u
      br_if $words
    end
    ;; require!(env::block_timestamp() <= deadline)
    call $block_timestamp
    local.get $sp
    i64.load offset=96
    i64.gt_u
    if
      call $panic
    end
    ;; if secret[0] % 2 == guess { Promise::new(player).transfer(PRIZE) }
    local.get $sp
    i32.load8_u
    i32.const 2
    i32.rem_u
    local.get $sp
    i32.load8_u offset=32
    i32.eq
    if
      i64.const 0
      call $predecessor_account_id
      i64.const 0
      call $register_len
      local.set $len
      i64.const 0
      local.get $sp
      i32.const 192
      i32.add
      i64.extend_i32_u
      call $read_register
      local.get $len
      local.get $sp
      i32.const 192
      i32.add
      i64.extend_i32_u
      call $promise_batch_create
      i64.const 1048576
      call $promise_batch_action_transfer
    end
    local.get $sp
    i32.const 256
    i32.add
    global.set $__stack_pointer)
)
