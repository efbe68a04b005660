;; NEAR token vault with an emergency pause, written against near-sys (raw host calls, keys as
;; byte strings) and compiled by rustc: shadow stack in global 0. The `paused` key holds one
;; byte; `assert_not_paused` reads it and panics when it is set. `deposit` starts with that check,
;; `pause` (owner only) sets the flag, but `mint_rewards`, added later, writes the same `supply`
;; key without the check, so it keeps minting while the vault is paused.
(module
  (type $t_j (func (param i64)))
  (type $t_jj (func (param i64 i64)))
  (type $t_j_j (func (param i64) (result i64)))
  (type $t_jjj_j (func (param i64 i64 i64) (result i64)))
  (type $t_jjjjj_j (func (param i64 i64 i64 i64 i64) (result i64)))
  (type $t_iii (func (param i32 i32 i32)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $t (func))
  (import "env" "input" (func $input (type $t_j)))
  (import "env" "register_len" (func $register_len (type $t_j_j)))
  (import "env" "read_register" (func $read_register (type $t_jj)))
  (import "env" "current_account_id" (func $current_account_id (type $t_j)))
  (import "env" "predecessor_account_id" (func $predecessor_account_id (type $t_j)))
  (import "env" "storage_read" (func $storage_read (type $t_jjj_j)))
  (import "env" "storage_write" (func $storage_write (type $t_jjjjj_j)))
  (import "env" "panic_utf8" (func $panic_utf8 (type $t_jj)))
  (memory 17)
  (global $__stack_pointer (mut i32) (i32.const 1048576))
  (data (i32.const 1048576) "paused")
  (data (i32.const 1048584) "supply")
  (data (i32.const 1048592) "owner")
  (data (i32.const 1048600) "Vault is paused")
  (data (i32.const 1048616) "Owner only")
  (data (i32.const 1048632) "\01")

  (func $memcmp (type $t_iii_i) (param $a i32) (param $b i32) (param $n i32) (result i32)
    (local $x i32) (local $y i32)
    block $done
      loop $next
        local.get $n
        i32.eqz
        br_if $done
        local.get $a
        i32.load8_u
        local.tee $x
        local.get $b
        i32.load8_u
        local.tee $y
        i32.ne
        if
          local.get $x
          local.get $y
          i32.sub
          return
        end
        local.get $a
        i32.const 1
        i32.add
        local.set $a
        local.get $b
        i32.const 1
        i32.add
        local.set $b
        local.get $n
        i32.const -1
        i32.add
        local.set $n
        br $next
      end
    end
    i32.const 0)

  ;; fn assert_not_paused()
  (func $assert_not_paused (type $t)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 16
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    i64.const 6
    i64.const 1048576
    i64.const 0
    call $storage_read
    i64.const 1
    i64.eq
    if
      i64.const 0
      local.get $sp
      i64.extend_i32_u
      call $read_register
      local.get $sp
      i32.load8_u
      if
        i64.const 15
        i64.const 1048600
        call $panic_utf8
        unreachable
      end
    end
    local.get $sp
    i32.const 16
    i32.add
    global.set $__stack_pointer)

  ;; fn assert_owner(): predecessor == stored owner
  (func $assert_owner (type $t)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 128
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    i64.const 5
    i64.const 1048592
    i64.const 1
    call $storage_read
    drop
    i64.const 1
    local.get $sp
    i64.extend_i32_u
    call $read_register
    i64.const 2
    call $predecessor_account_id
    i64.const 2
    local.get $sp
    i32.const 64
    i32.add
    i64.extend_i32_u
    call $read_register
    local.get $sp
    local.get $sp
    i32.const 64
    i32.add
    i32.const 64
    call $memcmp
    if
      i64.const 10
      i64.const 1048616
      call $panic_utf8
      unreachable
    end
    local.get $sp
    i32.const 128
    i32.add
    global.set $__stack_pointer)

  ;; fn write_u128(key: &[u8], value: &u128)
  (func $write_u128 (type $t_iii) (param $key i32) (param $key_len i32) (param $value i32)
    local.get $key_len
    i64.extend_i32_u
    local.get $key
    i64.extend_i32_u
    i64.const 16
    local.get $value
    i64.extend_i32_u
    i64.const 3
    call $storage_write
    drop)

  ;; fn read_u128(key: &[u8], out: &mut u128)
  (func $read_u128 (type $t_iii) (param $key i32) (param $key_len i32) (param $out i32)
    local.get $key_len
    i64.extend_i32_u
    local.get $key
    i64.extend_i32_u
    i64.const 4
    call $storage_read
    drop
    i64.const 4
    local.get $out
    i64.extend_i32_u
    call $read_register)

  ;; pub fn deposit(amount: u128)
  (func $deposit (export "deposit") (type $t)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 32
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    call $assert_not_paused
    i64.const 5
    call $input
    i64.const 5
    local.get $sp
    i32.const 16
    i32.add
    i64.extend_i32_u
    call $read_register
    i32.const 1048584
    i32.const 6
    local.get $sp
    call $read_u128
    local.get $sp
    local.get $sp
    i64.load
    local.get $sp
    i64.load offset=16
    i64.add
    i64.store
    i32.const 1048584
    i32.const 6
    local.get $sp
    call $write_u128
    local.get $sp
    i32.const 32
    i32.add
    global.set $__stack_pointer)

  ;; pub fn mint_rewards(amount: u128)
  (func $mint_rewards (export "mint_rewards") (type $t)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 32
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    call $assert_owner
    i64.const 5
    call $input
    i64.const 5
    local.get $sp
    i32.const 16
    i32.add
    i64.extend_i32_u
    call $read_register
    i32.const 1048584
    i32.const 6
    local.get $sp
    call $read_u128
    local.get $sp
    local.get $sp
    i64.load
    local.get $sp
    i64.load offset=16
    i64.add
    i64.store
    i32.const 1048584
    i32.const 6
    local.get $sp
    call $write_u128 ;; @expect freeze-bypass
    local.get $sp
    i32.const 32
    i32.add
    global.set $__stack_pointer)

  ;; pub fn pause()
  (func $pause (export "pause") (type $t)
    call $assert_owner
    i64.const 6
    i64.const 1048576
    i64.const 1
    i64.const 1048632
    i64.const 3
    call $storage_write
    drop)
)
