;; NEAR auction contract (near-sdk-rs layout) that decides whether bidding has closed with
;; `std::time::SystemTime::now()`; built for wasm32-wasip1, that is the host's wall clock through
;; `wasi_snapshot_preview1.clock_time_get`, different on every validator. (nearcore does not link
;; WASI at all, so the deploy also fails.)
(module
  (type $t_j (func (param i64)))
  (type $t_jj (func (param i64 i64)))
  (type $t_j_j (func (param i64) (result i64)))
  (type $t_jjjjj_j (func (param i64 i64 i64 i64 i64) (result i64)))
  (type $t_jjj_j (func (param i64 i64 i64) (result i64)))
  (type $t_iji_i (func (param i32 i64 i32) (result i32)))
  (type $r_j (func (result i64)))
  (type $t (func))
  (import "env" "input" (func $input (type $t_j)))
  (import "env" "register_len" (func $register_len (type $t_j_j)))
  (import "env" "read_register" (func $read_register (type $t_jj)))
  (import "env" "storage_read" (func $storage_read (type $t_jjj_j)))
  (import "env" "storage_write" (func $storage_write (type $t_jjjjj_j)))
  (import "env" "panic_utf8" (func $panic_utf8 (type $t_jj)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (type $t_iji_i)))
  (memory 17)
  (global $__stack_pointer (mut i32) (i32.const 1048576))
  (export "memory" (memory 0))
  (export "bid" (func $bid))
  (data (i32.const 1048576) "ENDSauction closed")

  ;; std::time::SystemTime::now() as nanoseconds since the epoch
  (func $now_nanos (type $r_j) (result i64)
    (local $sp i32) (local $t i64)
    global.get $__stack_pointer
    i32.const 16
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    i32.const 0
    i64.const 1
    local.get $sp
    call $clock_time_get ;; @expect nondeterminism
    drop
    local.get $sp
    i64.load
    local.set $t
    local.get $sp
    i32.const 16
    i32.add
    global.set $__stack_pointer
    local.get $t)

  ;; Auction::ends_at: u64 read from storage key "ENDS"
  (func $ends_at (type $r_j) (result i64)
    (local $sp i32) (local $t i64)
    global.get $__stack_pointer
    i32.const 16
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    i64.const 4
    i64.const 1048576
    i64.const 0
    call $storage_read
    drop
    i64.const 0
    local.get $sp
    i64.extend_i32_u
    call $read_register
    local.get $sp
    i64.load
    local.set $t
    local.get $sp
    i32.const 16
    i32.add
    global.set $__stack_pointer
    local.get $t)

  (func $bid (type $t)
    call $now_nanos
    call $ends_at
    i64.ge_u
    if
      i64.const 14
      i64.const 1048580
      call $panic_utf8
      unreachable
    end
    i64.const 0
    call $input
    i64.const 3
    i64.const 1048577
    i64.const 0
    i64.const 0
    i64.const 0
    call $storage_write
    drop)
)
