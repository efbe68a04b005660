;; CosmWasm liquidity pool with a circuit breaker, laid out as rustc emits a cosmwasm-std 1.x
;; contract: shadow stack in global 0, storage reached through `&mut dyn Storage` (`call_indirect`
;; through the `ExternalStorage` vtable; `get`/`set` build regions on the stack for
;; `db_read`/`db_write`), cw-storage-plus `Item`s under the keys "paused" and "pool". `deposit`
;; returns `ContractError::Paused` when the stored flag is `true`; `pause` stores the flag.
;; Remediated: `rebalance` makes the same check before it writes the "pool" item.
(module
  (type $t_i (func (param i32)))
  (type $t_i_i (func (param i32) (result i32)))
  (type $t_ii (func (param i32 i32)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $t_iiiii (func (param i32 i32 i32 i32 i32)))
  (type $t_iii (func (param i32 i32 i32)))
  (type $t_r (func (result i32)))
  (type $t (func))
  (import "env" "db_read" (func $db_read (type $t_i_i)))
  (import "env" "db_write" (func $db_write (type $t_ii)))
  (import "env" "db_remove" (func $db_remove (type $t_i)))
  (import "env" "addr_validate" (func $addr_validate (type $t_i_i)))
  (import "env" "abort" (func $abort (type $t_i)))
  (memory 17)
  (export "memory" (memory 0))
  (global $__stack_pointer (mut i32) (i32.const 1048576))
  (global $heap (mut i32) (i32.const 1114112))
  (table 3 3 funcref)
  ;; <ExternalStorage as Storage> vtable slots
  (elem (i32.const 1) func $external_storage_get $external_storage_set)
  (data (i32.const 1048576) "paused")
  (data (i32.const 1048584) "pool")
  (data (i32.const 1048592) "true")
  (data (i32.const 1048600) "false")
  (data (i32.const 1048608) "{\"reserve_a\":\"0\",\"reserve_b\":\"0\"}")
  ;; ExternalStorage vtable: drop, size, align, get, set
  (data (i32.const 1048704) "\00\00\00\00\00\00\00\00\01\00\00\00\01\00\00\00\02\00\00\00")

  ;; <ExternalStorage as Storage>::get(&self, key) -> region of the value, 0 when absent
  (func $external_storage_get (type $t_iii_i) (param $self i32) (param $key i32) (param $len i32) (result i32)
    (local $sp i32) (local $r i32)
    global.get $__stack_pointer
    i32.const 16
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    local.get $len
    i32.store offset=12
    local.get $sp
    local.get $len
    i32.store offset=8
    local.get $sp
    local.get $key
    i32.store offset=4
    local.get $sp
    i32.const 4
    i32.add
    call $db_read
    local.set $r
    local.get $sp
    i32.const 16
    i32.add
    global.set $__stack_pointer
    local.get $r)

  ;; <ExternalStorage as Storage>::set(&mut self, key, value)
  (func $external_storage_set (type $t_iiiii) (param $self i32) (param $key i32) (param $klen i32) (param $val i32) (param $vlen i32)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 32
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    local.get $key
    i32.store offset=4
    local.get $sp
    local.get $klen
    i32.store offset=8
    local.get $sp
    local.get $klen
    i32.store offset=12
    local.get $sp
    local.get $val
    i32.store offset=16
    local.get $sp
    local.get $vlen
    i32.store offset=20
    local.get $sp
    local.get $vlen
    i32.store offset=24
    local.get $sp
    i32.const 4
    i32.add
    local.get $sp
    i32.const 16
    i32.add
    call $db_write
    local.get $sp
    i32.const 32
    i32.add
    global.set $__stack_pointer)

  ;; PAUSED.may_load(deps.storage)? == Some(true)
  (func $is_paused (type $t_iii_i) (param $storage i32) (param $vtable i32) (param $unused i32) (result i32)
    (local $r i32)
    local.get $storage
    i32.const 1048576
    i32.const 6
    local.get $vtable
    i32.load offset=12
    call_indirect (type $t_iii_i)
    local.tee $r
    i32.eqz
    if
      i32.const 0
      return
    end
    local.get $r
    i32.load
    i32.load8_u
    i32.const 116
    i32.eq)

  ;; POOL.save(deps.storage, &pool)
  (func $save_pool (type $t_iiiii) (param $storage i32) (param $vtable i32) (param $val i32) (param $vlen i32) (param $unused i32)
    local.get $storage
    i32.const 1048584
    i32.const 4
    local.get $val
    local.get $vlen
    local.get $vtable
    i32.load offset=16
    call_indirect (type $t_iiiii))

  ;; fn execute_deposit(deps, info) -> Result<Response, ContractError>
  (func $execute_deposit (type $t_iii_i) (param $storage i32) (param $vtable i32) (param $amount i32) (result i32)
    local.get $storage
    local.get $vtable
    i32.const 0
    call $is_paused
    if
      ;; Err(ContractError::Paused {})
      i32.const 1
      return
    end
    local.get $storage
    local.get $vtable
    local.get $amount
    i32.const 34
    i32.const 0
    call $save_pool
    i32.const 0)

  ;; fn execute_rebalance(deps) -> Result<Response, ContractError>
  (func $execute_rebalance (type $t_iii_i) (param $storage i32) (param $vtable i32) (param $amount i32) (result i32)
    local.get $storage
    local.get $vtable
    i32.const 0
    call $is_paused
    if
      i32.const 1
      return
    end
    local.get $storage
    local.get $vtable
    local.get $amount
    i32.const 34
    i32.const 0
    call $save_pool
    i32.const 0)

  ;; fn execute_pause(deps) -> Result<Response, ContractError>
  (func $execute_pause (type $t_iii_i) (param $storage i32) (param $vtable i32) (param $amount i32) (result i32)
    local.get $storage
    i32.const 1048576
    i32.const 6
    i32.const 1048592
    i32.const 4
    local.get $vtable
    i32.load offset=16
    call_indirect (type $t_iiiii)
    i32.const 0)

  (func $allocate (export "allocate") (type $t_i_i) (param $size i32) (result i32)
    (local $p i32)
    global.get $heap
    local.tee $p
    local.get $size
    i32.add
    global.set $heap
    local.get $p)

  (func $deallocate (export "deallocate") (type $t_i) (param $p i32))

  (func $interface_version_8 (export "interface_version_8") (type $t))

  (func $instantiate (export "instantiate") (type $t_iii_i) (param $env i32) (param $info i32) (param $msg i32) (result i32)
    i32.const 0
    i32.const 1048704
    i32.const 1048608
    i32.const 34
    i32.const 0
    call $save_pool
    i32.const 0
    i32.const 1048576
    i32.const 6
    i32.const 1048600
    i32.const 5
    i32.const 1048704
    i32.load offset=16
    call_indirect (type $t_iiiii)
    i32.const 0)

  ;; entry point: dispatch on the ExecuteMsg variant
  (func $execute (export "execute") (type $t_iii_i) (param $env i32) (param $info i32) (param $msg i32) (result i32)
    (local $tag i32)
    local.get $msg
    i32.load
    i32.load8_u
    local.set $tag
    block $pause
      block $rebalance
        block $deposit
          local.get $tag
          br_table $deposit $rebalance $pause
        end
        i32.const 0
        i32.const 1048704
        local.get $msg
        i32.load offset=8
        call $execute_deposit
        return
      end
      i32.const 0
      i32.const 1048704
      local.get $msg
      i32.load offset=8
      call $execute_rebalance
      return
    end
    i32.const 0
    i32.const 1048704
    i32.const 0
    call $execute_pause)

  (func $query (export "query") (type $t_ii_i) (param $env i32) (param $msg i32) (result i32)
    i32.const 0)
)
