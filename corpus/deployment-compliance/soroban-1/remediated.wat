;; Soroban counter contract compiled from C. Host values are 64-bit tagged Vals; imports use the
;; one-letter module names of env.json (l._ put_contract_data, l.0 has_contract_data,
;; l.1 get_contract_data). The storage key is a constant global, so the module needs no static
;; constructor and has no start section.
(module
  (type $t_jjj_j (func (param i64 i64 i64) (result i64)))
  (type $t_jj_j (func (param i64 i64) (result i64)))
  (type $t_j (func (result i64)))
  (type $t (func))
  (import "l" "_" (func $put_contract_data (type $t_jjj_j)))
  (import "l" "0" (func $has_contract_data (type $t_jj_j)))
  (import "l" "1" (func $get_contract_data (type $t_jj_j)))
  (memory 17)
  (global $__stack_pointer (mut i32) (i32.const 1048576))
  ;; the Symbol Val for "COUNTER" (small-symbol tag 14)
  (global $counter_key i64 (i64.const 14520074734606))
  (export "memory" (memory 0))
  (export "increment" (func $increment))
  (@custom "contractenvmetav0" "\00\00\00\00\00\00\00\16\00\00\00\00")
  (@custom "contractspecv0" "\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\09increment\00\00\00\00\00\00\00\00\00\00\01\00\00\00\04")

  ;; StorageType::Instance = 2 (a U32Val: value << 32 | tag 4)
  (func $increment (type $t_j) (result i64)
    (local $count i64)
    global.get $counter_key
    i64.const 0x0000_0002_0000_0004
    call $has_contract_data
    i64.const 1
    i64.eq
    if
      global.get $counter_key
      i64.const 0x0000_0002_0000_0004
      call $get_contract_data
      local.set $count
    else
      i64.const 4
      local.set $count
    end
    local.get $count
    i64.const 0x0000_0001_0000_0000
    i64.add
    local.set $count
    global.get $counter_key
    local.get $count
    i64.const 0x0000_0002_0000_0004
    call $put_contract_data
    drop
    local.get $count)
)
