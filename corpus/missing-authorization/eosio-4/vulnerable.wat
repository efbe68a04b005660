;; EOSIO contract (eosio-cpp layout) with two tables. `admins` holds the accounts allowed to run
;; privileged actions: `addowner(acct)` emplaces one after `require_auth(get_self())`, so the
;; contract itself treats the table as protected, but `addadmin(acct)` emplaces into the same
;; table with no authorization at all: anyone makes themselves an admin. `post(msg)` lets anyone
;; add a row to the public `posts` guestbook (a fresh primary key each time); creating a row
;; there changes nothing anyone else owns, so it needs no authorization.
(module
  (type $t_j (func (param i64)))
  (type $t_jjj (func (param i64 i64 i64)))
  (type $t_ii (func (param i32 i32)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $t_jjjjii_i (func (param i64 i64 i64 i64 i32 i32) (result i32)))
  (type $t_jjj_i (func (param i64 i64 i64) (result i32)))
  (type $t_ji (func (param i64 i32)))
  (import "env" "read_action_data" (func $read_action_data (type $t_ii_i)))
  (import "env" "require_auth" (func $require_auth (type $t_j)))
  (import "env" "db_store_i64" (func $db_store_i64 (type $t_jjjjii_i)))
  (import "env" "db_end_i64" (func $db_end_i64 (type $t_jjj_i)))
  (memory 1)
  (global $__stack_pointer (mut i32) (i32.const 8192))
  (export "memory" (memory 0))
  (export "apply" (func $apply))

  ;; admins.emplace(get_self(), [&](auto& a){ a.account = acct; }): the row is the account name
  (func $admin_store (type $t_ji) (param $self i64) (param $row i32)
    local.get $self
    i64.const 3631284347849408512
    local.get $self
    local.get $row
    i64.load
    local.get $row
    i32.const 8
    call $db_store_i64 ;; @expect missing-authorization
    drop)

  ;; void addowner(name acct): require_auth(get_self()); admins.emplace(...)
  (func $addowner (type $t_j) (param $self i64)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 16
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
    local.get $sp
    call $admin_store
    local.get $sp
    i32.const 16
    i32.add
    global.set $__stack_pointer)

  ;; void addadmin(name acct): admins.emplace(...) with no check of the caller
  (func $addadmin (type $t_j) (param $self i64)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 16
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    i32.const 8
    call $read_action_data
    drop
    local.get $self
    local.get $sp
    call $admin_store
    local.get $sp
    i32.const 16
    i32.add
    global.set $__stack_pointer)

  ;; void post(uint64_t msg): posts.emplace(get_self(), [&](auto& p){ p.id = posts.available_primary_key(); p.msg = msg; })
  (func $post (type $t_j) (param $self i64)
    (local $sp i32) (local $id i64)
    global.get $__stack_pointer
    i32.const 16
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    i32.const 8
    i32.add
    i32.const 8
    call $read_action_data
    drop
    ;; available_primary_key(): one past the last row (end iterator stands in for the scan)
    local.get $sp
    local.get $self
    local.get $self
    i64.const -5966816507475263488
    call $db_end_i64
    i64.extend_i32_s
    i64.const 1
    i64.add
    local.tee $id
    i64.store
    local.get $self
    i64.const -5966816507475263488
    local.get $self
    local.get $id
    local.get $sp
    i32.const 16
    call $db_store_i64
    drop
    local.get $sp
    i32.const 16
    i32.add
    global.set $__stack_pointer)

  (func $apply (type $t_jjj) (param $receiver i64) (param $code i64) (param $action i64)
    local.get $code
    local.get $receiver
    i64.eq
    if
      local.get $action
      i64.const 3626328219042447360
      i64.eq
      if
        local.get $receiver
        call $addowner
      end
      local.get $action
      i64.const 3626071467977867264
      i64.eq
      if
        local.get $receiver
        call $addadmin
      end
      local.get $action
      i64.const -5966829701614796800
      i64.eq
      if
        local.get $receiver
        call $post
      end
    end))
