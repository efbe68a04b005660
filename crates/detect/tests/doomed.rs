//! Ways that can only trap are rolled back, and a write on them changes nothing.

use wasmaudit_detect::authz::Walker;
use wasmaudit_detect::Context;
use wasmaudit_flow::Program;
use wasmaudit_front::Op;
use wasmaudit_platform::{Effect, Platform};

/// A helper that writes a row is called twice: once on a way that goes on to `eosio_assert`'s
/// trap (`abort`, then `unreachable`), once on a way that ends with `eosio_exit` (the action
/// ends well). Only the second call reaches the entry point.
#[test]
fn a_write_before_a_certain_trap_has_no_way_up() {
    let bytes = wat::parse_str(
        r#"(module
          (import "env" "db_store_i64" (func $store (param i64 i64 i64 i64 i32 i32) (result i32)))
          (import "env" "abort" (func $abort))
          (import "env" "eosio_exit" (func $exit (param i32)))
          (memory 1)
          (func $write
            i64.const 0 i64.const 0 i64.const 0 i64.const 0 i32.const 0 i32.const 0
            call $store
            drop)
          (func $apply (export "apply") (param i64 i64 i64)
            local.get 0
            i64.eqz
            if
              call $write          ;; then the action fails: rolled back
              call $abort
              unreachable
            end
            call $write            ;; then the action ends well
            i32.const 0
            call $exit
            unreachable))"#,
    )
    .expect("valid WAT");
    let module = wasmaudit_front::parse(&bytes).expect("valid module");
    let program = Program::build(&module);
    let cx = Context::new(&module, &program, Platform::Eosio);
    let func =
        |name: &str| module.functions.iter().find(|f| f.name.as_deref() == Some(name)).expect("func").index;
    let (apply, write) = (func("apply"), func("write"));
    let calls: Vec<usize> = module.functions[apply as usize]
        .body
        .iter()
        .enumerate()
        .filter(|(_, i)| i.op == Op::Call(write))
        .map(|(k, _)| k)
        .collect();
    assert_eq!(calls.len(), 2);
    assert!(cx.doomed(apply, calls[0]), "the write before the abort");
    assert!(!cx.doomed(apply, calls[1]), "the write before eosio_exit");
    let sink = cx.host_calls(Effect::StorageWrite).into_iter().next().expect("the store");
    let ways = Walker::new(&cx).paths(sink.func, sink.instr);
    let sites: Vec<usize> = ways.iter().filter_map(|w| w.chain.get(1).map(|(_, i)| *i)).collect();
    assert_eq!(sites, vec![calls[1]], "only the way that ends well reaches apply");
}
