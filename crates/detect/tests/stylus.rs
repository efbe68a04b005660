//! Data flow through the Stylus SDK on compiled contracts (corpus/compiled/stylus): the call's
//! input reaches the decoded arguments although `read_args` writes it into a heap `Vec` whose
//! pointer the router receives inside a struct, the value attached to the call (`msg_value`)
//! survives the byte reversal of its big-endian buffer into a `U256`, and a value transfer's
//! arguments are read as the call sees them (not what the callee leaves behind them).

mod common;

use wasmaudit_detect::authz::{host_arg_taint, taint_along_before, Walker};
use wasmaudit_detect::hostval::KeyByte;
use wasmaudit_detect::storage::KeyRef;
use wasmaudit_detect::taint::Taint;
use wasmaudit_detect::Context;
use wasmaudit_flow::Program;
use wasmaudit_front::Module;
use wasmaudit_platform::{Effect, Platform};

fn load(case: &str, build: &str) -> (Module, Program) {
    common::compiled_program("stylus", case, build)
}

/// For every way from the value-transfer host call up to an entry point: the name of the
/// function the router dispatched to (the method), and what the recipient and the amount carry
/// at the entry point.
fn transfer_ways(cx: &Context<'_>) -> Vec<(String, Taint, Taint)> {
    let w = Walker::new(cx);
    let mut out = Vec::new();
    for call in cx.host_calls(Effect::ValueTransfer) {
        let (Some(to), Some(amount)) = (call.host.arg("callee"), call.host.arg("amount")) else { continue };
        for path in w.paths(call.func, call.instr) {
            let t = |a| {
                taint_along_before(
                    cx,
                    &path.chain,
                    host_arg_taint(cx, call.func, call.instr, a, 32, false),
                    64,
                )
            };
            // chain: host wrapper, RawCall::call, transfer_eth, the method, the router, the entry.
            let method = path.chain.len().checked_sub(3).and_then(|k| path.chain.get(k)).map(|s| s.0);
            out.push((method.map(|m| cx.func_name(m)).unwrap_or_default(), t(to), t(amount)));
        }
    }
    out
}

fn method<'a>(ways: &'a [(String, Taint, Taint)], name: &str) -> &'a (String, Taint, Taint) {
    ways.iter()
        .find(|(m, _, _)| m.ends_with(name))
        .unwrap_or_else(|| panic!("no way through {name}: {ways:?}"))
}

#[test]
fn the_recipient_of_a_transfer_is_the_decoded_input() {
    let (m, p) = load("missing_auth_fees", "vulnerable");
    let cx = Context::new(&m, &p, Platform::Stylus);
    let ways = transfer_ways(&cx);
    // withdraw_fees(to): `to` is decoded from the calldata read_args left in a heap Vec.
    let (_, to, amount) = method(&ways, "withdraw_fees");
    assert!(to.has(Effect::Input), "{to:?}");
    // What the router writes into the frame after the call (an error carrying msg_sender) is
    // not what the call was given.
    assert!(!to.has(Effect::CallerId), "{to:?}");
    assert!(!amount.has(Effect::CallValue), "{amount:?}");
    // pay(to) forwards msg_value minus the fee.
    let (_, to, amount) = method(&ways, "pay");
    assert!(to.has(Effect::Input), "{to:?}");
    assert!(amount.has(Effect::CallValue), "{amount:?}");
}

#[test]
fn a_test_of_the_attached_value_is_no_guard() {
    let (m, p) = load("missing_auth_fees", "remediated");
    let cx = Context::new(&m, &p, Platform::Stylus);
    let call_value = wasmaudit_detect::taint::label(Effect::CallValue);
    for f in m.functions.iter().filter(|f| !f.is_import()) {
        for point in cx.guards().points(f.index).iter() {
            assert_eq!(point.taint.labels & call_value, 0, "guard in {}", cx.func_name(f.index));
        }
    }
}

/// Storage accesses of the function whose name ends with `name`, in body order.
fn accesses(cx: &Context<'_>, name: &str) -> Vec<(usize, wasmaudit_detect::storage::Access, KeyRef)> {
    let f = cx
        .module
        .functions
        .iter()
        .find(|f| cx.func_name(f.index).ends_with(name))
        .unwrap_or_else(|| panic!("no function {name}"));
    let mut out = Vec::new();
    for (i, acc) in cx.storage().instrs(f.index) {
        for a in acc {
            out.push((i, a.access, a.key.clone()));
        }
    }
    out
}

#[test]
fn a_mapping_entry_read_before_a_call_is_the_one_written_after_it() {
    use wasmaudit_detect::storage::Access;
    let (m, p) = load("reentrancy_eth_vault", "vulnerable");
    let cx = Context::new(&m, &p, Platform::Stylus);
    let acc = accesses(&cx, "8EthVault8withdraw");
    let show = |k: &KeyRef| match k {
        KeyRef::Computed(b) => KeyRef::describe_computed(b),
        k => format!("{k:?}"),
    };
    for (i, a, k) in &acc {
        eprintln!("{i} {a:?} {}", show(k));
    }
    let reads: Vec<&KeyRef> = acc.iter().filter(|a| a.1 == Access::Read).map(|a| &a.2).collect();
    let writes: Vec<&KeyRef> = acc.iter().filter(|a| a.1 == Access::Write).map(|a| &a.2).collect();
    let entry =
        reads.iter().find(|k| matches!(k, KeyRef::Computed(_))).expect("withdraw reads balances[sender]");
    // The write after the call is the same mapping's entry: its caller bytes are lost on the
    // way (the run of `withdraw` stops at the branch on the balance), the slot is the same.
    assert!(writes.iter().any(|w| matches!(w, KeyRef::Computed(_)) && entry.may_alias(w)), "{}", show(entry));
    // `total_deposits`, a fixed slot inside `self` whose bytes the SDK reverses into the key, is
    // read and written after the call under one key, not the mapping entry's.
    let fixed = reads
        .iter()
        .find(|k| matches!(k, KeyRef::Computed(b) if b.iter().all(|x| matches!(x, KeyByte::Param { .. }))))
        .expect("total_deposits read");
    assert!(writes.contains(fixed), "{}", show(fixed));
    assert!(!entry.may_alias(fixed));
}
