;; The remediation of the NEAR payout contract: `pay_all` pays one page per call. It resumes from
;; a cursor kept in state under "c", stops at the end of the vector or after PAGE = 50 transfers,
;; and stores the new cursor, so every call does bounded work and anyone can call the next page.
(module
  (type $t_j (func (param i64)))
  (type $t_jj (func (param i64 i64)))
  (type $t_j_j (func (param i64) (result i64)))
  (type $t_jj_j (func (param i64 i64) (result i64)))
  (type $t_jjj_j (func (param i64 i64 i64) (result i64)))
  (type $t_jjjjj_j (func (param i64 i64 i64 i64 i64) (result i64)))
  (type $t (func))
  (import "env" "input" (func $input (type $t_j)))
  (import "env" "register_len" (func $register_len (type $t_j_j)))
  (import "env" "read_register" (func $read_register (type $t_jj)))
  (import "env" "predecessor_account_id" (func $predecessor_account_id (type $t_j)))
  (import "env" "storage_read" (func $storage_read (type $t_jjj_j)))
  (import "env" "storage_write" (func $storage_write (type $t_jjjjj_j)))
  (import "env" "promise_batch_create" (func $promise_batch_create (type $t_jj_j)))
  (import "env" "promise_batch_action_transfer" (func $promise_batch_action_transfer (type $t_jj)))
  (import "env" "panic" (func $panic (type $t)))
  (memory 17)
  (global $__stack_pointer (mut i32) (i32.const 1048576))
  (global $heap (mut i32) (i32.const 1114112))
  (export "memory" (memory 0))
  (export "register" (func $register))
  (export "pay_all" (func $pay_all))
  (data (i32.const 1048576) "r")
  (data (i32.const 1048580) "c")
  ;; 1 NEAR as u128 little endian
  (data (i32.const 1048592) "\00\00\a0\de\c5\ad\c9\35\36\00\00\00\00\00\00\00")

  ;; fn alloc(n) -> *mut u8: bump allocator
  (func $alloc (param $n i32) (result i32)
    (local $p i32)
    global.get $heap
    local.tee $p
    local.get $n
    i32.add
    global.set $heap
    local.get $p)

  ;; Vector::len(): storage_read("r") into register 0, 0 when absent
  (func $vec_len (result i64)
    (local $buf i32)
    i64.const 1
    i32.const 1048576
    i64.extend_i32_u
    i64.const 0
    call $storage_read
    i64.eqz
    if
      i64.const 0
      return
    end
    i32.const 8
    call $alloc
    local.set $buf
    i64.const 0
    local.get $buf
    i64.extend_i32_u
    call $read_register
    local.get $buf
    i64.load)

  ;; the element key: "r" ++ index.to_le_bytes()
  (func $elem_key (param $i i64) (result i32)
    (local $k i32)
    i32.const 9
    call $alloc
    local.tee $k
    i32.const 114
    i32.store8
    local.get $k
    local.get $i
    i64.store offset=1 align=1
    local.get $k)

  ;; pub fn register(&mut self): recipients.push(env::predecessor_account_id())
  (func $register (type $t)
    (local $len i64) (local $acc i32) (local $acc_len i64) (local $buf i32)
    call $vec_len
    local.set $len
    i64.const 1
    call $predecessor_account_id
    i64.const 1
    call $register_len
    local.set $acc_len
    local.get $acc_len
    i32.wrap_i64
    call $alloc
    local.set $acc
    i64.const 1
    local.get $acc
    i64.extend_i32_u
    call $read_register
    i64.const 9
    local.get $len
    call $elem_key
    i64.extend_i32_u
    local.get $acc_len
    local.get $acc
    i64.extend_i32_u
    i64.const 2
    call $storage_write
    drop
    i32.const 8
    call $alloc
    local.tee $buf
    local.get $len
    i64.const 1
    i64.add
    i64.store
    i64.const 1
    i32.const 1048576
    i64.extend_i32_u
    i64.const 8
    local.get $buf
    i64.extend_i32_u
    i64.const 2
    call $storage_write
    drop)

  ;; pub fn pay_all(&mut self): pays recipients[cursor .. min(cursor + PAGE, len)]
  (func $pay_all (type $t)
    (local $len i64) (local $i i64) (local $acc i32) (local $acc_len i64) (local $p i64)
    (local $count i32) (local $buf i32)
    call $vec_len
    local.set $len
    i32.const 8
    call $alloc
    local.tee $buf
    i64.const 0
    i64.store
    i64.const 1
    i32.const 1048580
    i64.extend_i32_u
    i64.const 4
    call $storage_read
    i64.eqz
    i32.eqz
    if
      i64.const 4
      local.get $buf
      i64.extend_i32_u
      call $read_register
    end
    local.get $buf
    i64.load
    local.tee $i
    local.get $len
    i64.ge_u
    if
      return
    end
    i32.const 0
    local.set $count
    loop
      i64.const 9
      local.get $i
      call $elem_key
      i64.extend_i32_u
      i64.const 3
      call $storage_read
      i64.eqz
      if
        call $panic
        unreachable
      end
      i64.const 3
      call $register_len
      local.tee $acc_len
      i32.wrap_i64
      call $alloc
      local.set $acc
      i64.const 3
      local.get $acc
      i64.extend_i32_u
      call $read_register
      local.get $acc_len
      local.get $acc
      i64.extend_i32_u
      call $promise_batch_create
      local.tee $p
      i32.const 1048592
      i64.extend_i32_u
      call $promise_batch_action_transfer
      local.get $i
      i64.const 1
      i64.add
      local.tee $i
      local.get $len
      i64.ge_u
      br_if 1
      local.get $count
      i32.const 1
      i32.add
      local.tee $count
      i32.const 50
      i32.lt_u
      br_if 0
    end
    ;; self.cursor = i
    local.get $buf
    local.get $i
    i64.store
    i64.const 1
    i32.const 1048580
    i64.extend_i32_u
    i64.const 8
    local.get $buf
    i64.extend_i32_u
    i64.const 2
    call $storage_write
    drop))
