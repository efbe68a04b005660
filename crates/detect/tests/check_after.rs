//! A caller check after the write it authorizes: when every way on from the write to a normal
//! return runs a trapping caller check, a failed check reverts the write, so the write is
//! protected (Soroban's `addr.require_auth()` called after the state change). A way that can end
//! the execution well without the check (EOSIO's `eosio_exit`) keeps the write unprotected.
//! And Soroban's reserved exports (`__check_auth`, `__constructor`) are only invoked by the host.

use wasmaudit_detect::authz::{entry_kind, EntryKind, Walker};
use wasmaudit_detect::Context;
use wasmaudit_flow::Program;
use wasmaudit_front::{Module, Op};
use wasmaudit_platform::Platform;

fn build(src: &str) -> (Module, Program) {
    let bytes = wat::parse_str(src).expect("valid WAT");
    let module = wasmaudit_front::parse(&bytes).expect("valid module");
    let program = Program::build(&module);
    (module, program)
}

/// Function `name` and the index of its first call to import `callee`.
fn site(m: &Module, name: &str, callee: &str) -> (u32, usize) {
    let f = m.functions.iter().find(|f| f.name.as_deref() == Some(name)).expect("function");
    let c = m.functions.iter().find(|f| f.name.as_deref() == Some(callee)).expect("callee").index;
    (f.index, f.body.iter().position(|i| i.op == Op::Call(c)).expect("call"))
}

const SOROBAN: &str = r#"
(module
  (import "l" "_" (func $put_contract_data (param i64 i64 i64) (result i64)))
  (import "a" "0" (func $require_auth (param i64) (result i64)))
  ;; The write, then the owner's authorization: a failed check reverts the write.
  (func $set_then_auth (export "set_then_auth") (param $owner i64) (param $v i64) (result i64)
    i64.const 14 local.get $v i64.const 2 call $put_contract_data drop
    local.get $owner call $require_auth drop
    i64.const 2)
  ;; The check only on one way: the other returns with the write done.
  (func $set_maybe_auth (export "set_maybe_auth") (param $owner i64) (param $v i64) (result i64)
    i64.const 14 local.get $v i64.const 2 call $put_contract_data drop
    local.get $v i64.eqz
    if
      i64.const 2
      return
    end
    local.get $owner call $require_auth drop
    i64.const 2)
  (func $check (export "__check_auth") (param i64 i64 i64) (result i64)
    i64.const 2)
  (func $ctor (export "__constructor") (param i64) (result i64)
    i64.const 2))
"#;

#[test]
fn a_check_every_way_passes_after_the_write_protects_it() {
    let (m, p) = build(SOROBAN);
    let cx = Context::new(&m, &p, Platform::Soroban);
    let w = Walker::new(&cx);
    let (f, i) = site(&m, "set_then_auth", "put_contract_data");
    assert!(w.protection(f, i).identity, "require_auth after the write on the only way");
    let (f, i) = site(&m, "set_maybe_auth", "put_contract_data");
    assert!(!w.protection(f, i).identity, "a way returns without the check");
}

#[test]
fn soroban_reserved_exports_are_host_invoked() {
    let (m, p) = build(SOROBAN);
    let cx = Context::new(&m, &p, Platform::Soroban);
    for name in ["__check_auth", "__constructor"] {
        let f = m.exported_funcs().find(|(n, _)| *n == name).map(|(_, f)| f).expect("export");
        assert_eq!(entry_kind(&cx, f), EntryKind::PlatformInvoked, "{name}");
    }
    let f = m.exported_funcs().find(|(n, _)| *n == "set_then_auth").map(|(_, f)| f).expect("export");
    assert_eq!(entry_kind(&cx, f), EntryKind::Normal);
}

const EOSIO: &str = r#"
(module
  (import "env" "db_store_i64" (func $db_store_i64 (param i64 i64 i64 i64 i32 i32) (result i32)))
  (import "env" "require_auth" (func $require_auth (param i64)))
  (import "env" "eosio_exit" (func $eosio_exit (param i32)))
  (memory 1)
  ;; The write, then either an exit that ends the action well or the check: the exit way keeps
  ;; the write without any check.
  (func $act (export "apply") (param $r i64) (param $c i64) (param $a i64)
    i64.const 1 i64.const 2 i64.const 3 i64.const 4 i32.const 16 i32.const 8 call $db_store_i64 drop
    local.get $a i64.eqz
    if
      i32.const 0 call $eosio_exit unreachable
    end
    local.get $r call $require_auth))
"#;

#[test]
fn an_exit_before_the_check_leaves_the_write_unprotected() {
    let (m, p) = build(EOSIO);
    let cx = Context::new(&m, &p, Platform::Eosio);
    let w = Walker::new(&cx);
    let (f, i) = site(&m, "act", "db_store_i64");
    assert!(!w.protection(f, i).identity, "eosio_exit ends the action with the write and no check");
}
