;; MultiversX payout contract (multiversx-sc layout: managed buffers are i32 handles), remediated:
;; `claim` tests the status `managedMultiTransferESDTNFTExecuteWithReturn` returns and fails the
;; call (`signalError`) before it clears the pending balance. `refund` pays with
;; `managedMultiTransferESDTNFTExecute`, which fails the whole transaction on error in
;; mx-chain-vm-go, so its integer result carries no failure to check.
(module
  (type $t (func))
  (type $t_i (func (param i32)))
  (type $t_i_i (func (param i32) (result i32)))
  (type $t_ii (func (param i32 i32)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $t_ijiii_i (func (param i32 i64 i32 i32 i32) (result i32)))
  (import "env" "managedCaller" (func $managedCaller (type $t_i)))
  (import "env" "mBufferStorageStore" (func $mBufferStorageStore (type $t_ii_i)))
  (import "env" "mBufferStorageLoad" (func $mBufferStorageLoad (type $t_ii_i)))
  (import "env" "mBufferNew" (func $mBufferNew (type $t_i_i)))
  (import "env" "managedMultiTransferESDTNFTExecuteWithReturn" (func $transfer_with_return (type $t_ijiii_i)))
  (import "env" "managedMultiTransferESDTNFTExecute" (func $transfer (type $t_ijiii_i)))
  (import "env" "checkNoPayment" (func $checkNoPayment (type $t)))
  (import "env" "signalError" (func $signalError (type $t_ii)))
  (memory 1)
  (global $next_handle (mut i32) (i32.const -100))
  (export "memory" (memory 0))
  (export "init" (func $init))
  (export "claim" (func $claim))
  (export "refund" (func $refund))

  (func $init (type $t))

  (func $new_handle (result i32)
    global.get $next_handle
    i32.const 1
    i32.sub
    global.set $next_handle
    global.get $next_handle)

  ;; pending(caller): the storage key handle "pending" ++ caller, loaded into a fresh handle
  (func $pending_key (param $caller i32) (result i32)
    local.get $caller)

  (func $claim (type $t)
    (local $caller i32) (local $amount i32) (local $empty i32)
    call $checkNoPayment
    call $new_handle
    local.tee $caller
    call $managedCaller
    call $new_handle
    local.set $amount
    local.get $caller
    call $pending_key
    local.get $amount
    call $mBufferStorageLoad
    drop
    ;; the status decides: a failed transfer fails the call
    local.get $caller
    i64.const 5000000
    local.get $amount
    i32.const 0
    i32.const 0
    call $transfer_with_return
    if
      i32.const 0
      i32.const 0
      call $signalError
      unreachable
    end
    i32.const 0
    call $mBufferNew
    local.set $empty
    local.get $caller
    call $pending_key
    local.get $empty
    call $mBufferStorageStore
    drop)

  (func $refund (type $t)
    (local $caller i32) (local $amount i32) (local $empty i32)
    call $checkNoPayment
    call $new_handle
    local.tee $caller
    call $managedCaller
    call $new_handle
    local.set $amount
    local.get $caller
    call $pending_key
    local.get $amount
    call $mBufferStorageLoad
    drop
    local.get $caller
    i64.const 5000000
    local.get $amount
    i32.const 0
    i32.const 0
    call $transfer
    drop
    i32.const 0
    call $mBufferNew
    local.set $empty
    local.get $caller
    call $pending_key
    local.get $empty
    call $mBufferStorageStore
    drop))
