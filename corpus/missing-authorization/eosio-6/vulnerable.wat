;; EOSIO pet game (eosio-cpp layout, the shape of MonsterEOS): `execute_action` reads the action
;; data into its frame, builds the contract object (which holds a datastream over that data) and
;; calls the method with the unpacked arguments. `feedpet(pet_id)` finds the pet by the id the
;; caller gives and writes back the stored row with `last_fed_at = now()`: only the lookup key
;; comes from the caller, so anyone may call it. `renamepet(pet_id, new_name)` writes the
;; caller's `new_name` into the row with no `require_auth`: anyone renames anyone's pet.
(module
  (type $t_j (func (param i64)))
  (type $t_ii (func (param i32 i32)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $t_iii_i (func (param i32 i32 i32) (result i32)))
  (type $t_ijii (func (param i32 i64 i32 i32)))
  (type $t_jjjj_i (func (param i64 i64 i64 i64) (result i32)))
  (type $t_jjj (func (param i64 i64 i64)))
  (type $t_ij (func (param i32 i64)))
  (type $t_ijj (func (param i32 i64 i64)))
  (type $t_iii (func (param i32 i32 i32)))
  (type $t__j (func (result i64)))
  (import "env" "read_action_data" (func $read_action_data (type $t_ii_i)))
  (import "env" "require_auth" (func $require_auth (type $t_j)))
  (import "env" "db_find_i64" (func $db_find_i64 (type $t_jjjj_i)))
  (import "env" "db_get_i64" (func $db_get_i64 (type $t_iii_i)))
  (import "env" "db_update_i64" (func $db_update_i64 (type $t_ijii)))
  (import "env" "current_time" (func $current_time (type $t__j)))
  (import "env" "eosio_assert" (func $eosio_assert (type $t_ii)))
  (memory 1)
  (global $__stack_pointer (mut i32) (i32.const 8192))
  (data (i32.const 1024) "E404|Invalid pet\00")
  (export "memory" (memory 0))
  (export "apply" (func $apply))

  ;; pets.modify(itr, same_payer, [&](auto& p) { p.last_fed_at = now(); }): the row is packed
  ;; into a stack buffer and written back; the payer is the contract (`this->_self`).
  (func $pets_modify_fed (type $t_iii) (param $this i32) (param $itr i32) (param $row i32)
    (local $buf i32)
    global.get $__stack_pointer
    i32.const 16
    i32.sub
    local.tee $buf
    global.set $__stack_pointer
    local.get $buf
    local.get $row
    i64.load
    i64.store
    local.get $buf
    local.get $row
    i64.load offset=8
    i64.store offset=8
    local.get $itr
    local.get $this
    i64.load
    local.get $buf
    i32.const 16
    call $db_update_i64
    local.get $buf
    i32.const 16
    i32.add
    global.set $__stack_pointer)

  ;; pets.modify(itr, same_payer, [&](auto& p) { p.name = name; })
  (func $pets_modify_name (type $t_iii) (param $this i32) (param $itr i32) (param $row i32)
    (local $buf i32)
    global.get $__stack_pointer
    i32.const 16
    i32.sub
    local.tee $buf
    global.set $__stack_pointer
    local.get $buf
    local.get $row
    i64.load
    i64.store
    local.get $buf
    local.get $row
    i64.load offset=8
    i64.store offset=8
    local.get $itr
    local.get $this
    i64.load
    local.get $buf
    i32.const 16
    call $db_update_i64 ;; @expect missing-authorization
    local.get $buf
    i32.const 16
    i32.add
    global.set $__stack_pointer)

  ;; void pets::feedpet(uint64_t pet_id): anyone may feed any pet; the caller supplies only the
  ;; key of the row, whose new contents are fixed by the stored row and the clock.
  (func $feedpet (type $t_ij) (param $this i32) (param $pet_id i64)
    (local $sp i32) (local $itr i32)
    global.get $__stack_pointer
    i32.const 16
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    ;; auto itr = pets.find(pet_id); check(itr != pets.end(), "E404|Invalid pet");
    local.get $this
    i64.load
    local.get $this
    i64.load
    i64.const -6146428328942239744
    local.get $pet_id
    call $db_find_i64
    local.tee $itr
    i32.const 0
    i32.ge_s
    i32.const 1024
    call $eosio_assert
    ;; pet row {name: name, last_fed_at: u64}
    local.get $itr
    local.get $sp
    i32.const 16
    call $db_get_i64
    drop
    local.get $sp
    call $current_time
    i64.store offset=8
    local.get $this
    local.get $itr
    local.get $sp
    call $pets_modify_fed
    local.get $sp
    i32.const 16
    i32.add
    global.set $__stack_pointer)

  ;; void pets::renamepet(uint64_t pet_id, name new_name)
  (func $renamepet (type $t_ijj) (param $this i32) (param $pet_id i64) (param $new_name i64)
    (local $sp i32) (local $itr i32)
    global.get $__stack_pointer
    i32.const 16
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $this
    i64.load
    local.get $this
    i64.load
    i64.const -6146428328942239744
    local.get $pet_id
    call $db_find_i64
    local.tee $itr
    i32.const 0
    i32.ge_s
    i32.const 1024
    call $eosio_assert
    local.get $itr
    local.get $sp
    i32.const 16
    call $db_get_i64
    drop
    local.get $sp
    local.get $new_name
    i64.store
    local.get $this
    local.get $itr
    local.get $sp
    call $pets_modify_name
    local.get $sp
    i32.const 16
    i32.add
    global.set $__stack_pointer)

  ;; execute_action(self, code, &pets::feedpet): the action data is read into the frame, the
  ;; contract object {_self, _ds} holds a datastream over it, and the method gets the key.
  (func $execute_feedpet (type $t_j) (param $self i64)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 32
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    i32.const 8
    i32.add
    i32.const 8
    call $read_action_data
    drop
    local.get $sp
    local.get $self
    i64.store offset=16
    local.get $sp
    local.get $sp
    i32.const 8
    i32.add
    i32.store offset=24
    local.get $sp
    i32.const 16
    i32.add
    local.get $sp
    i64.load offset=8
    call $feedpet
    local.get $sp
    i32.const 32
    i32.add
    global.set $__stack_pointer)

  (func $execute_renamepet (type $t_j) (param $self i64)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 48
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $sp
    i32.const 8
    i32.add
    i32.const 16
    call $read_action_data
    drop
    local.get $sp
    local.get $self
    i64.store offset=32
    local.get $sp
    local.get $sp
    i32.const 8
    i32.add
    i32.store offset=40
    local.get $sp
    i32.const 32
    i32.add
    local.get $sp
    i64.load offset=8
    local.get $sp
    i64.load offset=16
    call $renamepet
    local.get $sp
    i32.const 48
    i32.add
    global.set $__stack_pointer)

  (func $apply (type $t_jjj) (param $receiver i64) (param $code i64) (param $action i64)
    local.get $code
    local.get $receiver
    i64.eq
    if
      local.get $action
      i64.const 6527000089641091072
      i64.eq
      if
        local.get $receiver
        call $execute_feedpet
      end
      local.get $action
      i64.const -4997191116001378304
      i64.eq
      if
        local.get $receiver
        call $execute_renamepet
      end
    end))
