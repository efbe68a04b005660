;; EOSIO exchange settings (eosio-cpp layout: `apply` dispatches on the action name, handlers
;; unpack the action data and write the `config` singleton through `config_set`). `setfee`
;; requires the contract's own authority before writing; `setowner` writes the new owner into the
;; same table without any `require_auth`, so anyone can take the contract over.
(module
  (type $t_j (func (param i64)))
  (type $t_jj (func (param i64 i64)))
  (type $t_jjj (func (param i64 i64 i64)))
  (type $t_ii (func (param i32 i32)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $r_i (func (result i32)))
  (type $t_jjjjii_i (func (param i64 i64 i64 i64 i32 i32) (result i32)))
  (type $t_jji (func (param i64 i64 i32)))
  (import "env" "action_data_size" (func $action_data_size (type $r_i)))
  (import "env" "read_action_data" (func $read_action_data (type $t_ii_i)))
  (import "env" "eosio_assert" (func $eosio_assert (type $t_ii)))
  (import "env" "require_auth" (func $require_auth (type $t_j)))
  (import "env" "db_store_i64" (func $db_store_i64 (type $t_jjjjii_i)))
  (memory 1)
  (global $__stack_pointer (mut i32) (i32.const 8192))
  (export "memory" (memory 0))
  (export "apply" (func $apply))
  (data (i32.const 1024) "read\00")

  ;; config_singleton::set(cfg, payer = _self)
  (func $config_set (type $t_jji) (param $self i64) (param $payer i64) (param $cfg i32)
    local.get $self
    i64.const 4982871454518345728
    local.get $payer
    i64.const 4982871454518345728
    local.get $cfg
    i32.const 16
    call $db_store_i64 ;; @expect missing-authorization
    drop)

  ;; void exchange::setfee(uint64_t fee)
  (func $setfee (type $t_j) (param $self i64)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 32
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $self
    call $require_auth
    local.get $sp
    i32.const 8
    call $read_action_data
    drop
    local.get $self
    local.get $self
    local.get $sp
    call $config_set
    local.get $sp
    i32.const 32
    i32.add
    global.set $__stack_pointer)

  ;; void exchange::setowner(name owner)
  (func $setowner (type $t_j) (param $self i64)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 32
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    call $action_data_size
    i32.const 8
    i32.ge_u
    i32.const 1024
    call $eosio_assert
    local.get $sp
    i32.const 8
    call $read_action_data
    drop
    local.get $self
    local.get $self
    local.get $sp
    call $config_set
    local.get $sp
    i32.const 32
    i32.add
    global.set $__stack_pointer)

  (func $apply (type $t_jjj) (param $receiver i64) (param $code i64) (param $action i64)
    local.get $code
    local.get $receiver
    i64.eq
    if
      local.get $action
      i64.const -4417269101093715968
      i64.eq
      if
        local.get $receiver
        call $setfee
      end
      local.get $action
      i64.const -4417100715441258496
      i64.eq
      if
        local.get $receiver
        call $setowner
      end
    end)
)
