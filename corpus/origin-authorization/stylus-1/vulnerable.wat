;; Arbitrum Stylus wallet (stylus-sdk layout: one `user_entrypoint(len)` export that reads the
;; calldata and dispatches on the 4-byte selector). The owner check is a helper that reports its
;; outcome instead of reverting, as `fn only_owner(&self) -> Result<(), WalletError>` with `?`
;; compiles: it writes the `Result` discriminant through an out-pointer and returns, and `bump`
;; branches on it. The helper compares the stored owner with `tx_origin()` (Solidity's
;; `tx.origin`) rather than `msg_sender()`: any contract the owner is lured into calling can call
;; `bump` within the owner's transaction and pass the check.
(module
  (type $t_i (func (param i32)))
  (type $t_ii (func (param i32 i32)))
  (type $t_i_i (func (param i32) (result i32)))
  (import "vm_hooks" "read_args" (func $read_args (type $t_i)))
  (import "vm_hooks" "write_result" (func $write_result (type $t_ii)))
  (import "vm_hooks" "tx_origin" (func $tx_origin (type $t_i)))
  (import "vm_hooks" "msg_sender" (func $msg_sender (type $t_i)))
  (import "vm_hooks" "storage_load_bytes32" (func $storage_load_bytes32 (type $t_ii)))
  (import "vm_hooks" "storage_cache_bytes32" (func $storage_cache_bytes32 (type $t_ii)))
  (import "vm_hooks" "storage_flush_cache" (func $storage_flush_cache (type $t_i)))
  (memory 2)
  (global $__stack_pointer (mut i32) (i32.const 65536))
  (export "memory" (memory 0))
  (export "user_entrypoint" (func $user_entrypoint))
  ;; storage slots: owner at slot 0, nonce at slot 1 (32-byte big-endian keys)
  (data (i32.const 1024) "\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00")
  (data (i32.const 1056) "\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\01")

  ;; fn only_owner(&self) -> Result<(), WalletError>: *out = 0 (Ok) or 1 (Err(NotOwner))
  (func $only_owner (type $t_i) (param $out i32)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 64
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    ;; the account: the transaction origin, left-padded to 32 bytes at sp+0
    local.get $sp
    i32.const 12
    i32.add
    call $tx_origin
    ;; the stored owner at sp+32
    i32.const 1024
    local.get $sp
    i32.const 32
    i32.add
    call $storage_load_bytes32
    ;; 20-byte addresses compared word by word
    local.get $sp
    i64.load offset=12
    local.get $sp
    i64.load offset=44
    i64.xor
    local.get $sp
    i64.load offset=20
    local.get $sp
    i64.load offset=52
    i64.xor
    i64.or
    local.get $sp
    i32.load offset=28
    local.get $sp
    i32.load offset=60
    i32.xor
    i64.extend_i32_u
    i64.or
    i64.eqz
    if
      local.get $out
      i32.const 0
      i32.store8
    else
      local.get $out
      i32.const 1
      i32.store8
    end
    local.get $sp
    i32.const 64
    i32.add
    global.set $__stack_pointer)

  ;; fn bump(&mut self) -> Result<(), WalletError> { self.only_owner()?; nonce += 1; Ok(()) }
  (func $bump (type $t_i_i) (param $args i32) (result i32)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 64
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    call $only_owner
    local.get $sp
    i32.load8_u
    if ;; @expect origin-authorization
      local.get $sp
      i32.const 64
      i32.add
      global.set $__stack_pointer
      i32.const 1
      return
    end
    ;; nonce = nonce + 1 (the low byte is enough for the example)
    i32.const 1056
    local.get $sp
    i32.const 32
    i32.add
    call $storage_load_bytes32
    local.get $sp
    local.get $sp
    i32.load8_u offset=63
    i32.const 1
    i32.add
    i32.store8 offset=63
    i32.const 1056
    local.get $sp
    i32.const 32
    i32.add
    call $storage_cache_bytes32
    i32.const 0
    call $storage_flush_cache
    local.get $sp
    i32.const 64
    i32.add
    global.set $__stack_pointer
    i32.const 0)

  (func $user_entrypoint (param $len i32) (result i32)
    (local $args i32)
    global.get $__stack_pointer
    i32.const 1024
    i32.sub
    local.tee $args
    global.set $__stack_pointer
    local.get $args
    call $read_args
    ;; the first four calldata bytes select the method (this one: bump)
    local.get $args
    i32.load
    i32.const -2035214756
    i32.eq
    if
      local.get $args
      call $bump
      return
    end
    i32.const 1)
)
