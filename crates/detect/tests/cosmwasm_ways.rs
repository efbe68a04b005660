//! Ways up through CosmWasm's trait objects and its caller checks, on compiled cosmwasm-std 2
//! contracts (corpus/compiled/cosmwasm).
//!
//! - `deps.storage.set(..)` is a `call_indirect` through the `dyn Storage` vtable; the vtable's
//!   address reaches `Item::save` through `DepsMut`, which the `Fn::call` shim copies as 64-bit
//!   words. Followed up a way from `execute`, the slot is `ExternalStorage`'s method, never the
//!   `reply` handler's shim of the same type: no way from `execute` runs `reply`'s writes.
//! - A caller check is a comparison of two run-time byte strings (`info.sender == config.admin`):
//!   the formatter machinery (`core::fmt::write` calling `write_str` through a vtable, reached
//!   from `Item::load`'s and `addr_validate`'s error paths) compares nothing, so a message whose
//!   only "check" is loading the config is unchecked.
//! - The same evaluation over every way up narrows a `call_indirect` in generic code:
//!   `Item::load` asks the `dyn Storage` vtable for `get`, and by signature alone its targets
//!   include the `Fn` shims of the entry points (which write storage); on every way up the slot
//!   is `ExternalStorage::get`, which only reads.

mod common;

use wasmaudit_detect::authz::Walker;
use wasmaudit_detect::Context;
use wasmaudit_flow::Program;
use wasmaudit_front::Module;
use wasmaudit_platform::{Effect, Platform};

fn load(case: &str, build: &str) -> (Module, Program) {
    common::compiled_program("cosmwasm", case, build)
}

/// `(entry point, function the entry's handler calls the sink from, checked)` of every way up
/// from every storage write or removal.
fn write_ways(m: &Module, p: &Program) -> Vec<(String, String, bool)> {
    let cx = Context::new(m, p, Platform::Cosmwasm);
    let w = Walker::new(&cx);
    let mut out = Vec::new();
    for sink in cx.host_calls(Effect::StorageWrite) {
        for path in w.paths(sink.func, sink.instr) {
            let names: Vec<String> = path.chain.iter().map(|(f, _)| cx.func_name(*f)).collect();
            let handler =
                names.iter().find(|n| !n.contains("cosmwasm_std") && !n.contains("cw_storage_plus")).cloned();
            out.push((cx.func_name(path.entry), handler.unwrap_or_default(), path.identity));
        }
    }
    out
}

#[test]
fn a_storage_vtable_call_reached_from_execute_never_runs_the_reply_handler() {
    let (m, p) = load("benign-escrow", "benign");
    let ways = write_ways(&m, &p);
    assert!(ways.iter().any(|(e, h, _)| e == "reply" && h.contains("benign_escrow5reply")), "{ways:#?}");
    assert!(
        !ways.iter().any(|(e, h, _)| e == "execute" && h.contains("benign_escrow5reply")),
        "a way from execute runs reply's writes: {ways:#?}"
    );
}

#[test]
fn loading_the_config_is_not_a_caller_check() {
    let (m, p) = load("config-admin", "vulnerable");
    let execute: Vec<bool> = write_ways(&m, &p)
        .into_iter()
        .filter(|(e, h, _)| e == "execute" && h.contains("config_admin7execute"))
        .map(|(_, _, checked)| checked)
        .collect();
    // UpdateConfig compares info.sender with the stored admin before its save; UpdateAdmin saves
    // the same key with no comparison at all.
    assert_eq!(execute.iter().filter(|c| **c).count(), 1, "{execute:?}");
    assert_eq!(execute.iter().filter(|c| !**c).count(), 1, "{execute:?}");
    let (m, p) = load("config-admin", "remediated");
    assert!(write_ways(&m, &p).iter().filter(|(e, _, _)| e == "execute").all(|(_, _, c)| *c));
}

#[test]
fn a_dyn_storage_read_in_generic_code_reaches_only_the_storage_implementation() {
    let (m, p) = load("benign-escrow", "benign");
    let cx = Context::new(&m, &p, Platform::Cosmwasm);
    let w = Walker::new(&cx);
    let ensure = m
        .functions
        .iter()
        .map(|f| f.index)
        .find(|f| cx.func_name(*f).contains("ensure_from_older_version"))
        .expect("cw2::ensure_from_older_version");
    // The `Item<ContractVersion>::load` it calls, and the vtable call in it.
    let item_load = p
        .calls
        .call_sites(ensure)
        .iter()
        .flat_map(|(_, ts)| ts.iter().copied())
        .find(|t| cx.func_name(*t).contains("Item$LT$T$GT$4load"))
        .expect("Item::load");
    let f = m.function(item_load).expect("defined");
    let indirect: Vec<usize> = f
        .body
        .iter()
        .enumerate()
        .filter(|(_, i)| matches!(i.op, wasmaudit_front::Op::CallIndirect { .. }))
        .map(|(k, _)| k)
        .collect();
    assert_eq!(indirect.len(), 1, "{indirect:?}");
    let site = indirect[0];
    let by_signature = p.calls.targets_at(item_load, site);
    assert!(by_signature.len() > 1, "{by_signature:?}");
    let writes = |t: u32| cx.storage().writes(t);
    assert!(by_signature.iter().any(|t| writes(*t)), "some function of the signature writes");

    let narrowed = w.indirect_targets(item_load, site);
    let names: Vec<String> = narrowed.iter().map(|t| cx.func_name(*t)).collect();
    assert_eq!(narrowed.len(), 1, "{names:?}");
    assert!(names[0].contains("ExternalStorage") && names[0].contains("3get"), "{names:?}");
    assert!(!writes(narrowed[0]));
    // A direct call is its own target.
    let (c, ts) = &p.calls.call_sites(ensure)[0];
    assert_eq!(w.indirect_targets(ensure, *c).as_slice(), ts.as_slice());
}
