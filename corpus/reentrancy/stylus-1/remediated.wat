;; Arbitrum Stylus treasury built without the `reentrant` SDK feature: `user_entrypoint` asks
;; `msg_reentrant` first and reverts (status 1) a reentrant invocation, as the SDK's entrypoint
;; macro emits. Otherwise as rustc lays it out: shadow stack in global 0, `user_entrypoint`
;; reads the calldata and dispatches on the selector. Storage slot 1 holds the pending payout,
;; slot 0 the recipient. `withdraw` reads the payout, sends it through the `RawCall` transport
;; (a `dyn` call: `call_indirect` to `raw_call`, which calls `call_contract` with value) and only
;; then caches the zeroed payout: a call back into the contract during the payment is rejected.
(module
  (type $t_i (func (param i32)))
  (type $t_i_i (func (param i32) (result i32)))
  (type $t_ii (func (param i32 i32)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $t_call (func (param i32 i32 i32 i32 i64 i32) (result i32)))
  (type $t_r (func (result i32)))
  (type $t (func))
  (import "vm_hooks" "read_args" (func $read_args (type $t_i)))
  (import "vm_hooks" "write_result" (func $write_result (type $t_ii)))
  (import "vm_hooks" "storage_load_bytes32" (func $storage_load_bytes32 (type $t_ii)))
  (import "vm_hooks" "storage_cache_bytes32" (func $storage_cache_bytes32 (type $t_ii)))
  (import "vm_hooks" "storage_flush_cache" (func $storage_flush_cache (type $t_i)))
  (import "vm_hooks" "call_contract" (func $call_contract (type $t_call)))
  (import "vm_hooks" "msg_sender" (func $msg_sender (type $t_i)))
  (import "vm_hooks" "msg_reentrant" (func $msg_reentrant (type $t_r)))
  (import "vm_hooks" "pay_for_memory_grow" (func $pay_for_memory_grow (type $t_i)))
  (memory 2)
  (export "memory" (memory 0))
  (global $__stack_pointer (mut i32) (i32.const 65536))
  (table 2 2 funcref)
  (elem (i32.const 1) func $raw_call)
  ;; slot 1 (pending payout), slot 0 (recipient)
  (data (i32.const 1024) "\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\01")
  (data (i32.const 1056) "\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00")

  ;; <RawCall as CallContext>::call(callee, value) -> status
  (func $raw_call (type $t_ii_i) (param $callee i32) (param $value i32) (result i32)
    (local $sp i32) (local $status i32)
    global.get $__stack_pointer
    i32.const 16
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $callee
    local.get $sp
    i32.const 0
    local.get $value
    i64.const -1
    local.get $sp
    i32.const 12
    i32.add
    call $call_contract
    local.set $status
    local.get $sp
    i32.const 16
    i32.add
    global.set $__stack_pointer
    local.get $status)

  ;; #[public] fn withdraw(&mut self)
  (func $withdraw (type $t_r) (result i32)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 96
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    ;; let payout = self.pending.get();
    i32.const 1024
    local.get $sp
    call $storage_load_bytes32
    local.get $sp
    i64.load offset=24
    i64.eqz
    if
      local.get $sp
      i32.const 96
      i32.add
      global.set $__stack_pointer
      i32.const 1
      return
    end
    ;; let to = self.recipient.get();
    i32.const 1056
    local.get $sp
    i32.const 32
    i32.add
    call $storage_load_bytes32
    ;; RawCall::new().value(payout).call(to, &[])
    local.get $sp
    i32.const 44
    i32.add
    local.get $sp
    i32.const 1
    call_indirect (type $t_ii_i)
    if
      unreachable
    end
    ;; self.pending.set(U256::ZERO)
    local.get $sp
    i32.const 64
    i32.add
    i64.const 0
    i64.store
    local.get $sp
    i32.const 72
    i32.add
    i64.const 0
    i64.store
    local.get $sp
    i32.const 80
    i32.add
    i64.const 0
    i64.store
    local.get $sp
    i32.const 88
    i32.add
    i64.const 0
    i64.store
    i32.const 1024
    local.get $sp
    i32.const 64
    i32.add
    call $storage_cache_bytes32
    local.get $sp
    i32.const 96
    i32.add
    global.set $__stack_pointer
    i32.const 0)

  (func $user_entrypoint (export "user_entrypoint") (type $t_i_i) (param $len i32) (result i32)
    (local $sp i32) (local $status i32)
    global.get $__stack_pointer
    i32.const 32
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    call $msg_reentrant
    if
      local.get $sp
      i32.const 32
      i32.add
      global.set $__stack_pointer
      i32.const 1
      return
    end
    local.get $sp
    call $read_args
    i32.const 1
    local.set $status
    block $unknown
      local.get $sp
      i32.load
      i32.const 0x3ccfd60b
      i32.ne
      br_if $unknown
      call $withdraw
      local.set $status
    end
    i32.const 0
    call $storage_flush_cache
    local.get $sp
    i32.const 0
    call $write_result
    local.get $sp
    i32.const 32
    i32.add
    global.set $__stack_pointer
    local.get $status)
)
