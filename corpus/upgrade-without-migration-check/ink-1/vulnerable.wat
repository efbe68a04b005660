;; ink! 3 contract on pallet-contracts (seal0 ABI), laid out as rustc emits it: shadow stack in
;; global 0, the contract struct (owner, balance, layout version at byte 40) packed under one
;; storage key. The `upgrade` message checks the caller against the stored owner, replaces the
;; code through `ink_env::set_code_hash`, then writes the layout version 2 into the stored struct
;; without checking which version the stored state has: upgrading twice, or from a layout the
;; new code does not expect, leaves the state mislabelled.
(module
  (type $t_ii (func (param i32 i32)))
  (type $t_i_i (func (param i32) (result i32)))
  (type $t_iii (func (param i32 i32 i32)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $t_i (func (param i32)))
  (type $t (func))
  (import "seal0" "seal_input" (func $seal_input (type $t_ii)))
  (import "seal0" "seal_caller" (func $seal_caller (type $t_ii)))
  (import "seal0" "seal_get_storage" (func $seal_get_storage (type $t_iii_i)))
  (import "seal0" "seal_set_storage" (func $seal_set_storage (type $t_iii)))
  (import "seal0" "seal_set_code_hash" (func $seal_set_code_hash (type $t_i_i)))
  (import "seal0" "seal_return" (func $seal_return (type $t_iii)))
  (import "env" "memory" (memory 2 16))
  (global $__stack_pointer (mut i32) (i32.const 65536))
  (data (i32.const 1024) "\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00")

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

  ;; ink_storage::pull_spread_root::<Contract>(&ROOT_KEY)
  (func $load_root (type $t_i) (param $out i32)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 16
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    i32.const 48
    i32.store offset=12
    i32.const 1024
    local.get $out
    local.get $sp
    i32.const 12
    i32.add
    call $seal_get_storage
    if
      unreachable
    end
    local.get $sp
    i32.const 16
    i32.add
    global.set $__stack_pointer)

  ;; ink_storage::push_spread_root::<Contract>(&contract, &ROOT_KEY)
  (func $store_root (type $t_i) (param $in i32)
    i32.const 1024
    local.get $in
    i32.const 48
    call $seal_set_storage)

  ;; ink_env::set_code_hash(&code_hash).expect("set_code_hash failed")
  (func $set_code_hash (type $t_i) (param $hash i32)
    local.get $hash
    call $seal_set_code_hash
    if
      unreachable
    end)

  ;; message upgrade(code_hash: Hash)
  (func $upgrade (type $t_i) (param $hash i32)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 96
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    call $load_root
    local.get $sp
    i32.const 32
    i32.store offset=92
    local.get $sp
    i32.const 48
    i32.add
    local.get $sp
    i32.const 92
    i32.add
    call $seal_caller
    local.get $sp
    local.get $sp
    i32.const 48
    i32.add
    i32.const 32
    call $memcmp
    if
      unreachable
    end
    local.get $hash
    call $set_code_hash
    local.get $sp
    i32.const 2
    i32.store8 offset=40
    local.get $sp
    call $store_root ;; @expect upgrade-without-migration-check
    local.get $sp
    i32.const 96
    i32.add
    global.set $__stack_pointer)

  (func $deploy (export "deploy") (type $t)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 64
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    i32.const 32
    i32.store offset=60
    local.get $sp
    local.get $sp
    i32.const 60
    i32.add
    call $seal_caller
    local.get $sp
    i32.const 1
    i32.store8 offset=40
    local.get $sp
    call $store_root
    local.get $sp
    i32.const 64
    i32.add
    global.set $__stack_pointer)

  (func $call (export "call") (type $t)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 48
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    i32.const 36
    i32.store offset=44
    local.get $sp
    local.get $sp
    i32.const 44
    i32.add
    call $seal_input
    block $unknown
      local.get $sp
      i32.load
      i32.const 0x1345543d
      i32.ne
      br_if $unknown
      local.get $sp
      i32.const 4
      i32.add
      call $upgrade
    end
    i32.const 0
    i32.const 0
    i32.const 0
    call $seal_return
    unreachable)
)
