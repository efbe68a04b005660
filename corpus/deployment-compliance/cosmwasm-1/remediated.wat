;; CosmWasm contract as cosmwasm-std 1.x compiles it: the `interface_version_8` marker,
;; `allocate`/`deallocate` over a bump allocator, entry points taking Region pointers
;; ({offset, capacity, length}). Remediated: the dependency is built without wasm-bindgen, so
;; the panic path reports through `env.abort`, one of the VM's supported imports.
(module
  (type $t_i_i (func (param i32) (result i32)))
  (type $t_ii (func (param i32 i32)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $t_i (func (param i32)))
  (type $t (func))
  (import "env" "db_read" (func $db_read (type $t_i_i)))
  (import "env" "db_write" (func $db_write (type $t_ii)))
  (import "env" "addr_validate" (func $addr_validate (type $t_i_i)))
  (import "env" "abort" (func $abort (type $t_i)))
  (memory 17)
  (global $__stack_pointer (mut i32) (i32.const 1048576))
  (global $heap (mut i32) (i32.const 1114112))
  (export "memory" (memory 0))
  (export "interface_version_8" (func $interface_version_8))
  (export "allocate" (func $allocate))
  (export "deallocate" (func $deallocate))
  (export "instantiate" (func $instantiate))
  (export "execute" (func $execute))
  (data (i32.const 1048576) "config\00\00invalid message: expected a JSON object{\22ok\22:{}}")

  (func $interface_version_8 (type $t))

  ;; cosmwasm_std::exports::allocate: a bump allocator; returns a Region pointer.
  (func $allocate (type $t_i_i) (param $size i32) (result i32)
    (local $region i32)
    global.get $heap
    local.tee $region
    i32.const 12
    i32.add
    local.get $size
    i32.add
    global.set $heap
    local.get $region
    local.get $region
    i32.const 12
    i32.add
    i32.store
    local.get $region
    local.get $size
    i32.store offset=4
    local.get $region
    i32.const 0
    i32.store offset=8
    local.get $region)

  (func $deallocate (type $t_i) (param $region i32))

  ;; Region for `len` bytes at `ptr`.
  (func $region_of (type $t_ii_i) (param $ptr i32) (param $len i32) (result i32)
    (local $r i32)
    i32.const 0
    call $allocate
    local.tee $r
    local.get $ptr
    i32.store
    local.get $r
    local.get $len
    i32.store offset=4
    local.get $r
    local.get $len
    i32.store offset=8
    local.get $r)

  ;; core::panicking::panic_fmt: reports through the VM's `abort` import.
  (func $fail (type $t_ii) (param $msg i32) (param $len i32)
    local.get $msg
    local.get $len
    call $region_of
    call $abort
    unreachable)

  ;; serde_json_wasm::from_slice::<InstantiateMsg>: the message must start with `{`.
  (func $parse_msg (type $t_i_i) (param $msg_region i32) (result i32)
    (local $ptr i32)
    local.get $msg_region
    i32.load
    local.tee $ptr
    i32.load8_u
    i32.const 123
    i32.ne
    if
      i32.const 1048584
      i32.const 39
      call $fail
    end
    local.get $ptr)

  (func $instantiate (type $t_iii_i) (param $env i32) (param $info i32) (param $msg i32) (result i32)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 32
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $msg
    call $parse_msg
    drop
    i32.const 1048576
    i32.const 6
    call $region_of
    local.get $msg
    call $db_write
    local.get $sp
    i32.const 32
    i32.add
    global.set $__stack_pointer
    i32.const 1048623
    i32.const 9
    call $region_of)

  (func $execute (type $t_iii_i) (param $env i32) (param $info i32) (param $msg i32) (result i32)
    local.get $msg
    call $parse_msg
    drop
    local.get $info
    call $addr_validate
    if
      local.get $info
      call $abort
    end
    i32.const 1048576
    i32.const 6
    call $region_of
    call $db_read
    drop
    i32.const 1048623
    i32.const 9
    call $region_of)
)
