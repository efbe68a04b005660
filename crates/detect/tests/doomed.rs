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

/// A decoder that fails drops what it built (a collection whose drop flushes it to storage) and
/// returns `None` (tag 0 in its result slot); its caller's `expect` traps on that tag. The write
/// on the failing way reaches no entry point; the same write on the decoder's success way does.
#[test]
fn a_write_before_an_error_return_the_caller_traps_on_has_no_way_up() {
    let bytes = wat::parse_str(
        r#"(module
          (import "env" "storage_write" (func $write (param i64 i64 i64 i64 i64) (result i64)))
          (import "env" "panic_utf8" (func $panic (param i64 i64)))
          (import "env" "input" (func $input (param i64)))
          (memory 1)
          (global $sp (mut i32) (i32.const 8192))
          (func $flush
            i64.const 0 i64.const 0 i64.const 0 i64.const 0 i64.const 0
            call $write
            drop)
          ;; fn decode(out: &mut Option<State>, ok: bool)
          (func $decode (param $out i32) (param $ok i32)
            local.get $ok
            if
              local.get $out
              i32.const 7            ;; Some: a non-zero field
              i32.store
              call $flush            ;; the success way writes too
            else
              local.get $out
              i32.const 0            ;; None
              i32.store
              call $flush            ;; dropping the half-built state flushes it
            end)
          (func $load (export "load") (param i32) (local $slot i32)
            global.get $sp
            i32.const 16
            i32.sub
            local.tee $slot
            local.get 0
            call $decode
            local.get $slot
            i32.load
            i32.eqz
            if                       ;; expect("no state")
              i64.const 0
              i64.const 0
              call $panic
              unreachable
            end))"#,
    )
    .expect("valid WAT");
    let module = wasmaudit_front::parse(&bytes).expect("valid module");
    let program = Program::build(&module);
    let cx = Context::new(&module, &program, Platform::Near);
    let func =
        |name: &str| module.functions.iter().find(|f| f.name.as_deref() == Some(name)).expect("func").index;
    let (decode, flush) = (func("decode"), func("flush"));
    let calls: Vec<usize> = module.functions[decode as usize]
        .body
        .iter()
        .enumerate()
        .filter(|(_, i)| i.op == Op::Call(flush))
        .map(|(k, _)| k)
        .collect();
    assert_eq!(calls.len(), 2);
    let sink = cx.host_calls(Effect::StorageWrite).into_iter().next().expect("the write");
    let ways = Walker::new(&cx).paths(sink.func, sink.instr);
    let through: Vec<usize> = ways.iter().filter_map(|w| w.chain.get(1).map(|(_, i)| *i)).collect();
    assert_eq!(through, vec![calls[0]], "only the success way's flush reaches `load`");
}
