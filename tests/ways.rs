//! Ways up through one shared dispatcher helper that calls a method through `call_indirect`
//! (eosio-cpp's `execute_action`): a way through a call site that passes another method's
//! table index is infeasible and must not hide or invent findings.

use wasmaudit_engine::{scan_bytes, ScanOptions};

/// `apply` checks the receiver's authority before dispatching action 1 to `$admin` (table slot 1)
/// and dispatches action 2 to `$public` (slot 2) unchecked, both through `$exec`. Both methods
/// store their action data in the same table (creating a row is privileged only in a table the
/// contract also writes after a check); `$admin`'s write is only reached after the check;
/// `$public`'s write is not checked. `METHOD_ARG` is how
/// `$exec` receives the method: `direct` (the table index as a parameter) or `pair` (a pointer
/// to a `{ptr, adj}` pointer to member on the caller's frame, with the virtual-call branch).
fn module(pair: bool) -> String {
    let (exec, call1, call2) = if pair {
        (
            r#"
  (func $exec (param $self i64) (param $m i32)
    (local $idx i32) (local $adj i32)
    local.get $m
    i32.load
    local.set $idx
    local.get $m
    i32.load offset=4
    local.tee $adj
    i32.const 1
    i32.and
    i32.eqz
    if
    else
      ;; virtual: the index comes from the object's vtable
      i32.const 64
      i32.load
      local.get $idx
      i32.add
      i32.load
      local.set $idx
    end
    local.get $self
    local.get $idx
    call_indirect (type $method))"#,
            r#"
      local.get $sp
      i32.const 0
      i32.store offset=12
      local.get $sp
      i32.const 1
      i32.store offset=8
      local.get $sp
      local.get $sp
      i64.load offset=8
      i64.store
      local.get $receiver
      local.get $sp
      call $exec"#,
            r#"
      local.get $sp
      i32.const 0
      i32.store offset=28
      local.get $sp
      i32.const 2
      i32.store offset=24
      local.get $sp
      local.get $sp
      i64.load offset=24
      i64.store offset=16
      local.get $receiver
      local.get $sp
      i32.const 16
      i32.add
      call $exec"#,
        )
    } else {
        (
            r#"
  (func $exec (param $self i64) (param $m i32)
    local.get $self
    local.get $m
    call_indirect (type $method))"#,
            r#"
      local.get $receiver
      i32.const 1
      call $exec"#,
            r#"
      local.get $receiver
      i32.const 2
      call $exec"#,
        )
    };
    format!(
        r#"(module
  (type $method (func (param i64)))
  (type $t_j (func (param i64)))
  (type $t_ii_i (func (param i32 i32) (result i32)))
  (type $t_jjjjii_i (func (param i64 i64 i64 i64 i32 i32) (result i32)))
  (import "env" "require_auth" (func $require_auth (type $t_j)))
  (import "env" "db_store_i64" (func $db_store_i64 (type $t_jjjjii_i)))
  (import "env" "read_action_data" (func $read_action_data (type $t_ii_i)))
  (table 3 3 funcref)
  (memory 1)
  (global $__stack_pointer (mut i32) (i32.const 8192))
  (export "memory" (memory 0))
  (export "apply" (func $apply))
  (elem (i32.const 1) func $admin $public)

  (func $admin (type $method) (param $self i64)
    i32.const 0
    i32.const 8
    call $read_action_data
    drop
    local.get $self
    i64.const 100
    local.get $self
    i64.const 1
    i32.const 0
    i32.const 8
    call $db_store_i64
    drop)

  (func $public (type $method) (param $self i64)
    i32.const 0
    i32.const 8
    call $read_action_data
    drop
    local.get $self
    i64.const 100
    local.get $self
    i64.const 2
    i32.const 0
    i32.const 8
    call $db_store_i64
    drop)
{exec}

  (func $apply (param $receiver i64) (param $code i64) (param $action i64)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 32
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get $action
    i64.const 1
    i64.eq
    if
      local.get $receiver
      call $require_auth{call1}
    end
    local.get $action
    i64.const 2
    i64.eq
    if{call2}
    end
    local.get $sp
    i32.const 32
    i32.add
    global.set $__stack_pointer))"#
    )
}

fn unchecked_writers(pair: bool) -> Vec<String> {
    let bytes = wat::parse_str(module(pair)).expect("valid WAT");
    let detectors = wasmaudit_detectors::registry();
    let report = scan_bytes("ways.wasm", &bytes, &ScanOptions::default(), &detectors);
    assert!(report.error.is_none(), "{:?}", report.error);
    let mut out: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.detector.name == "missing-authorization")
        .map(|f| f.function.clone())
        .collect();
    out.sort();
    out
}

#[test]
fn constant_table_index_selects_the_method() {
    assert_eq!(unchecked_writers(false), vec!["public".to_string()]);
}

#[test]
fn constant_member_pointer_in_memory_selects_the_method() {
    assert_eq!(unchecked_writers(true), vec!["public".to_string()]);
}
