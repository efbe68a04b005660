;; NEAR fungible token (near-sdk-rs layout: methods are exports, values travel through
;; registers). NEP-141 defines `ft_balance_of` as a view. Here it goes through `account_balance`,
;; a helper shared with `ft_transfer` that registers an unknown account with a zero balance: the
;; write makes every view call of `ft_balance_of` for a new account fail (the runtime forbids
;; storage writes in views), so wallets and indexers cannot show balances.
(module
  (type $t_j (func (param i64)))
  (type $t_jj (func (param i64 i64)))
  (type $t_j_j (func (param i64) (result i64)))
  (type $t_jjj_j (func (param i64 i64 i64) (result i64)))
  (type $t_jjjjj_j (func (param i64 i64 i64 i64 i64) (result i64)))
  (type $t_ii_j (func (param i32 i32) (result i64)))
  (type $t (func))
  (import "env" "input" (func $input (type $t_j)))
  (import "env" "register_len" (func $register_len (type $t_j_j)))
  (import "env" "read_register" (func $read_register (type $t_jj)))
  (import "env" "storage_read" (func $storage_read (type $t_jjj_j)))
  (import "env" "storage_write" (func $storage_write (type $t_jjjjj_j)))
  (import "env" "value_return" (func $value_return (type $t_jj)))
  (import "env" "predecessor_account_id" (func $predecessor_account_id (type $t_j)))
  (memory 17)
  (global $__stack_pointer (mut i32) (i32.const 1048576))
  (global $heap (mut i32) (i32.const 1114112))
  (export "memory" (memory 0))
  (export "ft_balance_of" (func $ft_balance_of))
  (export "ft_transfer" (func $ft_transfer))
  (data (i32.const 1048576) "\00\00\00\00\00\00\00\00")

  ;; near_sdk::env::register -> Vec<u8> (bump allocator)
  (func $read_reg (param $reg i64) (result i32)
    (local $len i32) (local $ptr i32)
    local.get $reg
    call $register_len
    i32.wrap_i64
    local.set $len
    global.get $heap
    local.set $ptr
    global.get $heap
    local.get $len
    i32.add
    global.set $heap
    local.get $reg
    local.get $ptr
    i64.extend_i32_u
    call $read_register
    local.get $ptr)

  ;; LookupMap<AccountId, u128>::get(account).unwrap_or_else(|| { insert(account, 0); 0 })
  (func $account_balance (type $t_ii_j) (param $key i32) (param $key_len i32) (result i64)
    block $missing
      local.get $key_len
      i64.extend_i32_u
      local.get $key
      i64.extend_i32_u
      i64.const 3
      call $storage_read
      i64.eqz
      br_if $missing
      i64.const 3
      call $read_reg
      i64.load
      return
    end
    local.get $key_len
    i64.extend_i32_u
    local.get $key
    i64.extend_i32_u
    i64.const 8
    i64.const 1048576
    i64.const 4
    call $storage_write
    drop
    i64.const 0)

  ;; LookupMap<AccountId, u128>::get(account).unwrap_or(0)
  (func $lookup_balance (type $t_ii_j) (param $key i32) (param $key_len i32) (result i64)
    local.get $key_len
    i64.extend_i32_u
    local.get $key
    i64.extend_i32_u
    i64.const 3
    call $storage_read
    i64.eqz
    if
      i64.const 0
      return
    end
    i64.const 3
    call $read_reg
    i64.load)

  ;; ft_balance_of(account_id) -> U128
  (func $ft_balance_of (type $t)
    (local $acc i32) (local $fp i32)
    global.get $__stack_pointer
    i32.const 16
    i32.sub
    local.tee $fp
    global.set $__stack_pointer
    i64.const 0
    call $input
    i64.const 0
    call $read_reg
    local.set $acc
    local.get $fp
    local.get $acc
    i64.const 0
    call $register_len
    i32.wrap_i64
    call $lookup_balance
    i64.store
    i64.const 8
    local.get $fp
    i64.extend_i32_u
    call $value_return
    local.get $fp
    i32.const 16
    i32.add
    global.set $__stack_pointer)

  ;; ft_transfer(receiver_id, amount): debits the caller (the balance arithmetic is elided)
  (func $ft_transfer (type $t)
    (local $me i32)
    i64.const 1
    call $predecessor_account_id
    i64.const 1
    call $read_reg
    local.set $me
    local.get $me
    i64.const 1
    call $register_len
    i32.wrap_i64
    call $account_balance
    drop)
)
