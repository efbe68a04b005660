;; CosmWasm contract that keeps no version (no cw2 `contract_info`, no version field), laid out as
;; rustc emits a cosmwasm-std 1.x contract: storage through `&mut dyn Storage` (`call_indirect`
;; through the `ExternalStorage` vtable). `migrate` saves a fresh `Config` built from the message
;; without reading what is stored: run on state of another layout or another contract, it
;; overwrites it blindly.
(module
  (type $t_i (func (param i32)))
  (type $t_i_i (func (param i32) (result i32)))
  (type $t_ii (func (param i32 i32)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $t_iiiii (func (param i32 i32 i32 i32 i32)))
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
  (elem (i32.const 1) func $external_storage_get $external_storage_set)
  (data (i32.const 1048576) "config")
  ;; ExternalStorage vtable: drop, size, align, get, set
  (data (i32.const 1048704) "\00\00\00\00\00\00\00\00\01\00\00\00\01\00\00\00\02\00\00\00")

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

  ;; cw_storage_plus::Item::save(storage, key, &value)
  (func $item_save (type $t_iiiii) (param $storage i32) (param $vtable i32) (param $key i32) (param $klen i32) (param $val i32)
    local.get $storage
    local.get $key
    local.get $klen
    local.get $val
    local.get $val
    i32.load offset=8
    local.get $vtable
    i32.load offset=16
    call_indirect (type $t_iiiii))

  ;; contract::migrate(deps, env, msg) -> StdResult<Response>
  (func $contract_migrate (type $t_iii_i) (param $storage i32) (param $vtable i32) (param $msg i32) (result i32)
    local.get $storage
    local.get $vtable
    i32.const 1048576
    i32.const 6
    local.get $msg
    call $item_save ;; @expect upgrade-without-migration-check
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
    i32.const 1048576
    i32.const 6
    local.get $msg
    call $item_save
    i32.const 0)

  (func $execute (export "execute") (type $t_iii_i) (param $env i32) (param $info i32) (param $msg i32) (result i32)
    i32.const 0)

  (func $query (export "query") (type $t_ii_i) (param $env i32) (param $msg i32) (result i32)
    i32.const 0)

  ;; entry point: cosmwasm_std::do_migrate(&contract::migrate, env_ptr, msg_ptr)
  (func $migrate (export "migrate") (type $t_ii_i) (param $env i32) (param $msg i32) (result i32)
    i32.const 0
    i32.const 1048704
    local.get $msg
    call $contract_migrate)
)
