;; EOSIO contract whose `apply` dispatches on a transformed action name: it compares
;; `action ^ 0x5a5a5a5a12345678` with a constant instead of the name itself, so the default
;; analysis cannot tell which action reaches `setowner`. `setowner` writes the config table with
;; no `require_auth`: a real missing-authorization finding. The SMT check confirms it and solves
;; the dispatch: the witness names the action (`setowner`) and the code that reach it.
;; (`setowner` modifies the existing config row, as `config.modify(...)` compiles: find, then
;; update.)
(module
  (type $t_j (func (param i64)))
  (type $t_jjj (func (param i64 i64 i64)))
  (type $t_ii (func (param i32 i32)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $t_jjjj_i (func (param i64 i64 i64 i64) (result i32)))
  (type $t_ijii (func (param i32 i64 i32 i32)))
  (import "env" "read_action_data" (func $read_action_data (type $t_ii_i)))
  (import "env" "eosio_assert" (func $eosio_assert (type $t_ii)))
  (import "env" "db_find_i64" (func $db_find_i64 (type $t_jjjj_i)))
  (import "env" "db_update_i64" (func $db_update_i64 (type $t_ijii)))
  (memory 1)
  (global $__stack_pointer (mut i32) (i32.const 8192))
  (export "memory" (memory 0))
  (export "apply" (func $apply))

  ;; void registry::setowner(name owner)
  (func $setowner (type $t_j) (param $self i64)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 32
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    i32.const 8
    call $read_action_data
    drop
    local.get $self
    local.get $self
    i64.const 4982871454518345728
    i64.const 4982871454518345728
    call $db_find_i64
    local.get $self
    local.get $sp
    i32.const 8
    call $db_update_i64
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
      i64.const 6510615554216449656
      i64.xor
      i64.const -7428384020193061256
      i64.eq
      if
        local.get $receiver
        call $setowner
      end
    end)
)
