;; CosmWasm treasury (cosmwasm-std layout: interface_version_8, Region pointers, JSON arguments).
;; The sender is not a host call on CosmWasm: it is `info.sender` inside the JSON `MessageInfo`
;; that `execute` receives. `execute_withdraw` compares it with the stored `config.owner`
;; (`String == String`: lengths, then `memcmp`) and returns `Unauthorized` on a mismatch before
;; saving `config`; `execute_update_config` saves the caller's new config with no comparison, so
;; anyone can make themselves the owner. Both save through the `Item::save` wrapper.
(module
  (type $t_i_i (func (param i32) (result i32)))
  (type $t_ii (func (param i32 i32)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $t_iiii (func (param i32 i32 i32 i32)))
  (type $t_iiii_i (func (param i32 i32 i32 i32) (result i32)))
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
  (data (i32.const 1048576) "config{\22ok\22:{}}{\22error\22:\22Unauthorized\22}")

  (func $interface_version_8 (type $t))

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

  ;; compiler_builtins::mem::memcmp
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

  ;; cosmwasm_std::imports::ExternalStorage::set, inlined into cw_storage_plus::Item::save:
  ;; both slices are passed to the host as boxed Regions
  (func $item_save (type $t_iiii) (param $key i32) (param $key_len i32) (param $value i32) (param $value_len i32)
    (local $kr i32) (local $vr i32)
    global.get $heap
    local.tee $kr
    i32.const 24
    i32.add
    global.set $heap
    local.get $kr
    local.get $key
    i32.store
    local.get $kr
    local.get $key_len
    i32.store offset=4
    local.get $kr
    local.get $key_len
    i32.store offset=8
    local.get $kr
    i32.const 12
    i32.add
    local.tee $vr
    local.get $value
    i32.store
    local.get $vr
    local.get $value_len
    i32.store offset=4
    local.get $vr
    local.get $value_len
    i32.store offset=8
    local.get $kr
    local.get $vr
    call $db_write)

  ;; ensure_owner(deps.as_ref(), &info.sender): 0 when the sender is config.owner, else the
  ;; Unauthorized error response
  (func $ensure_owner (type $t_ii_i) (param $sender i32) (param $sender_len i32) (result i32)
    (local $cfg i32) (local $key i32)
    global.get $heap
    local.tee $key
    i32.const 12
    i32.add
    global.set $heap
    local.get $key
    i32.const 1048576
    i32.store
    local.get $key
    i32.const 6
    i32.store offset=4
    local.get $key
    i32.const 6
    i32.store offset=8
    local.get $key
    call $db_read
    local.tee $cfg
    i32.eqz
    if
      i32.const 1048582
      call $abort
      unreachable
    end
    local.get $cfg
    i32.load offset=8
    local.get $sender_len
    i32.ne
    if
      i32.const 1048595
      return
    end
    local.get $sender
    local.get $cfg
    i32.load
    local.get $sender_len
    call $memcmp
    if
      i32.const 1048595
      return
    end
    i32.const 0)

  ;; ExecuteMsg::Withdraw: only config.owner may withdraw
  (func $execute_withdraw (type $t_iiii_i) (param $sender i32) (param $sender_len i32) (param $msg i32) (param $msg_len i32) (result i32)
    (local $err i32)
    local.get $sender
    local.get $sender_len
    call $ensure_owner
    local.tee $err
    if
      local.get $err
      return
    end
    i32.const 1048576
    i32.const 6
    local.get $msg
    local.get $msg_len
    call $item_save
    i32.const 1048582)

  ;; ExecuteMsg::UpdateConfig { owner }: CONFIG.save(deps.storage, &Config { owner })
  (func $execute_update_config (type $t_iiii_i) (param $sender i32) (param $sender_len i32) (param $msg i32) (param $msg_len i32) (result i32)
    (local $err i32)
    local.get $sender
    local.get $sender_len
    call $ensure_owner
    local.tee $err
    if
      local.get $err
      return
    end
    i32.const 1048576
    i32.const 6
    local.get $msg
    local.get $msg_len
    call $item_save
    i32.const 1048582)

  (func $instantiate (type $t_iii_i) (param $env i32) (param $info i32) (param $msg i32) (result i32)
    i32.const 1048576
    i32.const 6
    local.get $msg
    i32.load
    local.get $msg
    i32.load offset=8
    call $item_save
    i32.const 1048582)

  ;; cosmwasm_std::do_execute: MessageInfo and ExecuteMsg decoded from their Regions, then the
  ;; variant selected by the first byte of the message's tag
  (func $execute (type $t_iii_i) (param $env i32) (param $info i32) (param $msg i32) (result i32)
    (local $sender i32) (local $sender_len i32) (local $body i32) (local $body_len i32)
    local.get $info
    call $addr_validate
    drop
    local.get $info
    i32.load
    local.set $sender
    local.get $info
    i32.load offset=8
    local.set $sender_len
    local.get $msg
    i32.load
    local.set $body
    local.get $msg
    i32.load offset=8
    local.set $body_len
    local.get $body
    i32.load8_u offset=2
    i32.const 117
    i32.eq
    if (result i32)
      local.get $sender
      local.get $sender_len
      local.get $body
      local.get $body_len
      call $execute_update_config
    else
      local.get $sender
      local.get $sender_len
      local.get $body
      local.get $body_len
      call $execute_withdraw
    end)
)
