;; EOSIO dice (eosio-cpp layout). Before a round the house calls `commit(seed)` with its secret
;; server seed; after bets close `reveal` combines it with the players' seeds. Remediated:
;; `commit` stores only `sha256(seed)` (a commitment); `reveal` later checks the revealed seed
;; against it.
(module
  (type $t_j (func (param i64)))
  (type $t_jjj (func (param i64 i64 i64)))
  (type $t_ii (func (param i32 i32)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $t_iii (func (param i32 i32 i32)))
  (type $r_i (func (result i32)))
  (type $t_jjjjii_i (func (param i64 i64 i64 i64 i32 i32) (result i32)))
  (type $t_jji (func (param i64 i64 i32)))
  (import "env" "action_data_size" (func $action_data_size (type $r_i)))
  (import "env" "read_action_data" (func $read_action_data (type $t_ii_i)))
  (import "env" "eosio_assert" (func $eosio_assert (type $t_ii)))
  (import "env" "require_auth" (func $require_auth (type $t_j)))
  (import "env" "sha256" (func $sha256 (type $t_iii)))
  (import "env" "db_store_i64" (func $db_store_i64 (type $t_jjjjii_i)))
  (memory 1)
  (global $__stack_pointer (mut i32) (i32.const 8192))
  (export "memory" (memory 0))
  (export "apply" (func $apply))
  (data (i32.const 1024) "seed must be 32 bytes\00")

  ;; seeds.emplace(_self, [&](auto& s) { s.id = 0; s.value = value; })
  (func $seed_emplace (type $t_jji) (param $self i64) (param $id i64) (param $value i32)
    local.get $self
    i64.const -4425754204123955200
    local.get $self
    local.get $id
    local.get $value
    i32.const 32
    call $db_store_i64
    drop)

  ;; void dice::commit(checksum256 seed)
  (func $commit (type $t_j) (param $self i64)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 64
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $self
    call $require_auth
    call $action_data_size
    i32.const 32
    i32.eq
    i32.const 1024
    call $eosio_assert
    local.get $sp
    i32.const 32
    call $read_action_data
    drop
    local.get $sp
    i32.const 32
    local.get $sp
    i32.const 32
    i32.add
    call $sha256
    local.get $self
    i64.const 0
    local.get $sp
    i32.const 32
    i32.add
    call $seed_emplace
    local.get $sp
    i32.const 64
    i32.add
    global.set $__stack_pointer)

  (func $apply (type $t_jjj) (param $receiver i64) (param $code i64) (param $action i64)
    local.get $code
    local.get $receiver
    i64.eq
    if
      local.get $action
      i64.const 4982431873205534720
      i64.eq
      if
        local.get $receiver
        call $commit
      end
    end)
)
