//! EOSIO dispatch recovery through expressions that hide `apply`'s arguments.

use wasmaudit_detect::Context;
use wasmaudit_flow::Program;
use wasmaudit_front::Op;
use wasmaudit_platform::Platform;

/// `transfer` as an `eosio::name`.
const TRANSFER: i64 = 0xcdcd_3c2d_5700_0000_u64 as i64;

/// The action reaches its comparison through a mixed boolean-arithmetic identity
/// (`(x | k) + (x & k) - k` is `x` in wrapping arithmetic), and an opaque predicate
/// (`(x * (x + 1)) & 1 == 0`, always true) guards the call: the handler is still known to run for
/// `transfer` only, whatever the shape of the expressions.
#[test]
fn an_identity_of_the_action_names_the_handler() {
    let src = format!(
        r#"(module
          (import "env" "prints" (func $handler (param i32)))
          (memory 1)
          (func $apply (export "apply") (param $receiver i64) (param $code i64) (param $action i64)
            (local $x i64)
            local.get $action
            i64.const 12345
            i64.or
            local.get $action
            i64.const 12345
            i64.and
            i64.add
            i64.const 12345
            i64.sub
            local.set $x
            local.get $x
            i64.const {TRANSFER}
            i64.eq
            if
              local.get $code
              local.get $code
              i64.const 1
              i64.add
              i64.mul
              i64.const 1
              i64.and
              i64.eqz
              if
                i32.const 0
                call $handler
              end
            end))"#
    );
    let bytes = wat::parse_str(src).expect("valid WAT");
    let module = wasmaudit_front::parse(&bytes).expect("valid module");
    let program = Program::build(&module);
    let cx = Context::new(&module, &program, Platform::Eosio);
    let apply = module.functions.iter().find(|f| f.name.as_deref() == Some("apply")).expect("apply");
    let handler =
        module.functions.iter().find(|f| f.name.as_deref() == Some("handler")).expect("handler").index;
    let site = apply.body.iter().position(|i| i.op == Op::Call(handler)).expect("call");
    let dispatch = wasmaudit_detect::eosio_dispatch::dispatch(&cx);
    let actions = dispatch.call_actions.get(&(apply.index, site)).cloned().unwrap_or_default();
    assert_eq!(actions, vec![TRANSFER as u64], "{:?}", dispatch.call_actions);
}

/// clang `-O0` keeps every value in the shadow stack: `apply` stores `receiver`, `code` and
/// `action` into its frame and compares what it loads back, and its prologue moves the stack
/// pointer through locals (`global.get; local.set; i32.const; local.set; local.get; local.get;
/// i32.sub`). The stack pointer is still found, so the frame slots are tracked and the `transfer`
/// notification handler is recovered, called for any `code` (the O0 build of
/// corpus/compiled/eosio/fake_eos_transfer_notify). Its `datastream` (two 4-byte pointers) is
/// copied between frames as one `i64`: the word carries both pointers, so the unpacked `to`
/// field is still the action data's and its comparison with the receiver is seen.
#[test]
fn an_unoptimized_apply_dispatches_through_its_frame() {
    let path = format!(
        "{}/../../corpus/compiled/eosio/fake_eos_transfer_notify_O0/vulnerable.wasm",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).expect("compiled corpus module");
    let m = wasmaudit_front::parse(&bytes).expect("valid module");
    let p = Program::build(&m);
    assert!(p.stack_pointer.is_some(), "the -O0 prologue names the stack pointer");
    let cx = Context::new(&m, &p, Platform::Eosio);
    let d = wasmaudit_detect::eosio_dispatch::dispatch(&cx);
    let handlers: Vec<String> = d
        .transfers
        .iter()
        .filter_map(|t| t.handler.and_then(|h| m.function(h)).and_then(|f| f.name.clone()))
        .collect();
    assert!(handlers.iter().any(|n| n.contains("on_transfer")), "{handlers:?}");
    assert!(d.transfers.iter().all(|t| !t.conds.is_empty()), "{:?}", d.transfers);
    assert!(d.transfers.iter().all(|t| t.to_checked), "{:?}", d.transfers);
}
