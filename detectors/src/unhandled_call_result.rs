use std::collections::BTreeSet;
use wasmaudit_detect::authz::{
    entry_kind, entry_name, host_calls_any, is_continuation, live_functions, near_callbacks, reachable,
    value_decides, EntryKind, Walker,
};
use wasmaudit_detect::storage::{Access, Key};
use wasmaudit_detect::{Class, Confidence, Context, Detector, DetectorMeta, Docs, Finding, HostCall, Impact};
use wasmaudit_platform::{Effect, Platform};

pub struct UnhandledCallResult;

pub static META: DetectorMeta = DetectorMeta {
    id: "WA401",
    name: "unhandled-call-result",
    class: Class::UnhandledCallResult,
    impact: Impact::Medium,
    confidence: Confidence::Medium,
    summary: "The status of an external call, transfer or promise is ignored and execution goes on \
        as if it succeeded",
    docs: Docs {
        what_it_does: "Takes the host calls whose result reports whether an external call or \
            transfer failed: ink! `seal_call`/`transfer`/`instantiate`/`delegate_call`/\
            `call_chain_extension`/`call_runtime`/`xcm_*` (a `ReturnCode`), Stylus \
            `call_contract`/`delegate_call_contract`/`static_call_contract` (a status byte), ewasm \
            `call*`/`create` and FISCO `call` (a status), MultiversX transfer and execute functions \
            with an integer result that return their failure (`*WithReturn`, \
            `*WithErrorReturn`), Soroban `try_call` (an error `Val`), and NEAR `promise_result` \
            (the status of the awaited promise). Calls the platform model marks `on_failure: traps` (MultiversX \
            `transferValueExecute`, `managedMultiTransferESDTNFTExecute`, `executeOnDestContext`, \
            whose failure fails the whole transaction in mx-chain-vm-go) have no status to check \
            and are skipped. The status is followed forward through \
            arithmetic, comparisons, locals, frame slots, callee parameters and returns to callers; \
            it is handled when it reaches the condition of a branch, a `select` or an assertion. A \
            status that is dropped or never decides anything is reported at the call, unless every \
            entry point that reaches it changes no state (no storage write and no other transfer \
            anywhere it reaches): then nothing commits on the failure. NEAR: a \
            callback the contract schedules on itself by name that never reads `promise_result` \
            (nor `promise_results_count`) yet writes storage or transfers is reported at its first \
            such state change: it assumes the awaited call succeeded. The name is read from the \
            host call (`promise_then`) or, for near-sdk's high-level calls, where the promise is \
            built: a method of the module whose name is copied from a literal and given to the \
            same builder argument as another contract's method name in the same function \
            (`ext_ft::ext(token).ft_transfer(..).then(Self::ext(..).on_claim(..))`). MultiversX: for an async call \
            whose result comes back to the `callBack` export (`asyncCall`, `managedAsyncCall`), the \
            storage keys the calling entry point wrote before the call (on the way to it, by code \
            that dominates the call) that nothing `callBack` reaches writes are reported at \
            `callBack`: on a failed call nothing rolls them back.",
        why_bad: "A failed call or transfer does not revert the caller on these platforms: the \
            contract continues with state that says the tokens were paid or the callee acted. \
            Balances are debited for transfers that never happened, orders are settled for calls \
            that reverted, and a NEAR callback books a cross-contract transfer that failed.",
        exploit_scenario: "An ink! escrow's `release` calls `seal_transfer(seller, amount)` and then \
            deletes the order, ignoring the return code. The seller's account is a contract that \
            rejects incoming value; the transfer fails with `TransferFailed`, the order is gone, \
            and the funds stay locked in the escrow with no record of who they belong to. On NEAR, \
            `on_withdraw_complete` decrements the user's balance without checking \
            `promise_result(0)`: a withdrawal to a non-existent account fails and the user loses \
            the amount.",
        recommendation: "Test every status: `?`/`match` on the `Result` the SDK returns, \
            `require(success)` in Stylus, `if env::promise_result(0) != PromiseResult::Successful` \
            in NEAR callbacks (or `#[callback_result]`), and roll back or record failures instead \
            of assuming success.",
        known_false_positives: "A status handled only by storing it (returned through an \
            out-parameter, kept in a global) counts as handled although nothing may read it; one \
            compared only to log it counts as handled too. NEAR callbacks that intentionally ignore the outcome (cleanup that must \
            run either way) are reported when they write state. MultiversX: state written before \
            an async call that is meant to stay whatever the outcome (a request counter, a record \
            of attempts) is reported when `callBack` does not write it; a callback that rolls back \
            under a key built at run time from something other than constants and the mapper's \
            arguments (an unknown key) counts as not rolling back.",
    },
    platforms: &[],
};

/// Whether host call `c` returns a status that tells success from failure.
fn returns_status(cx: &Context<'_>, c: &HostCall) -> bool {
    let has_result = cx.module.func_sig(c.callee).is_some_and(|s| !s.results.is_empty());
    if !has_result {
        return false;
    }
    let h = c.host;
    // A call the VM stops the execution on when it fails (the model's `on_failure`) has only a
    // success to return.
    if h.traps_on_failure() {
        return false;
    }
    match cx.platform {
        Platform::Near => h.name == "promise_result",
        Platform::Soroban => h.has(Effect::CallResult) && h.has(Effect::ExternalCall),
        Platform::Ink | Platform::Stylus | Platform::Ewasm | Platform::FiscoLiquid | Platform::Multiversx => {
            h.has(Effect::ExternalCall) || h.has(Effect::ValueTransfer)
        }
        _ => false,
    }
}

impl Detector for UnhandledCallResult {
    fn meta(&self) -> &'static DetectorMeta {
        &META
    }

    fn run(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let calls = host_calls_any(cx, &[Effect::ExternalCall, Effect::ValueTransfer, Effect::CallResult]);
        let live = live_functions(cx);
        let changes = host_calls_any(cx, &[Effect::StorageWrite, Effect::ValueTransfer]);
        let walker = Walker::new(cx);
        for c in calls.iter().filter(|c| live.contains(&c.func) && returns_status(cx, c)) {
            let Some(values) = cx.program.values(c.func) else { continue };
            let decided = values.results(c.instr).iter().any(|r| value_decides(cx, c.func, *r));
            if decided {
                continue;
            }
            // Nothing commits on the failure: every entry point that reaches the call changes no
            // state (no storage write, no transfer besides the call itself), so the ignored
            // failure only reaches the caller as the call's own (unchanged) outcome.
            let entries: BTreeSet<u32> = walker.paths(c.func, c.instr).iter().map(|p| p.entry).collect();
            let stateless = !entries.is_empty()
                && entries.iter().all(|e| {
                    let reach = reachable(cx, *e);
                    !changes.iter().any(|s| (s.func, s.instr) != (c.func, c.instr) && reach.contains(&s.func))
                });
            if stateless {
                continue;
            }
            out.push(Finding::at(
                cx,
                &META,
                c.func,
                c.instr,
                format!(
                    "the status returned by `{}` never decides a branch or an assertion: a failed call \
                     is treated as a success",
                    cx.host_display_name(c.callee)
                ),
            ));
        }
        near_callbacks_without_result(cx, out);
        callbacks_without_rollback(cx, out);
    }
}

/// Known storage keys written before the call at `instr` of `func` on one way from an entry point:
/// by accesses that dominate the call in its function and, up the way, the call into it.
fn written_before(cx: &Context<'_>, chain: &[(u32, usize)]) -> BTreeSet<Key> {
    let storage = cx.storage();
    let mut out = BTreeSet::new();
    for &(g, s) in chain {
        let Some(cfg) = cx.program.cfg(g) else { continue };
        for (j, accesses) in storage.instrs(g) {
            if j == s || !cfg.dominates(j, s) {
                continue;
            }
            for a in accesses.iter().filter(|a| a.access == Access::Write) {
                if let Some(k) = a.key.known() {
                    out.insert(k.clone());
                }
            }
        }
    }
    out
}

/// Most ways up from a call site to the entry points.
const MAX_WAYS: usize = 16;
/// Longest way up followed.
const MAX_WAY_DEPTH: usize = 12;

/// Ways up from the last step of `chain` (a call site) to the entry points, through direct and
/// indirect call sites, without repeating a function: `(entry, chain)` with the chain from the
/// call site up to the call in the entry point.
fn ways_up(cx: &Context<'_>, chain: Vec<(u32, usize)>, out: &mut Vec<(u32, Vec<(u32, usize)>)>) {
    let Some(&(func, _)) = chain.last() else { return };
    if out.len() >= MAX_WAYS {
        return;
    }
    if cx.program.calls.roots.binary_search(&func).is_ok() {
        out.push((func, chain.clone()));
    }
    if chain.len() > MAX_WAY_DEPTH {
        return;
    }
    for (caller, site) in cx.program.calls.callers(func) {
        if chain.iter().any(|(f, _)| *f == caller) {
            continue;
        }
        let mut next = chain.clone();
        next.push((caller, site.instr));
        ways_up(cx, next, out);
    }
}

/// Async calls whose outcome comes back to the contract's continuation export (MultiversX
/// `callBack`): state the calling entry point wrote before the call (a stake credited
/// optimistically) that the callback never writes stays as if the call had succeeded when it fails.
fn callbacks_without_rollback(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let continuations: Vec<(&str, u32)> =
        cx.entry_points().into_iter().filter(|(name, _)| is_continuation(cx.platform, name)).collect();
    let Some(&(cb_name, cb)) = continuations.first() else { return };
    let sites: Vec<_> =
        host_calls_any(cx, &[Effect::ExternalCall]).into_iter().filter(|c| c.host.calls_back()).collect();
    if sites.is_empty() {
        return;
    }
    let rolled_back = cx.storage().written_keys(cb);
    let mut reported = BTreeSet::new();
    for c in &sites {
        // The call ends the execution (the result comes back in a new one), so the ways up are
        // followed by call sites, not by the ways that return normally.
        let mut ways = Vec::new();
        ways_up(cx, vec![(c.func, c.instr)], &mut ways);
        for (entry, chain) in ways {
            if entry == cb || entry_kind(cx, entry) != EntryKind::Normal {
                continue;
            }
            let left: Vec<Key> =
                written_before(cx, &chain).into_iter().filter(|k| !rolled_back.contains(k)).collect();
            if left.is_empty() || !reported.insert(entry) {
                continue;
            }
            let keys: Vec<String> = left.iter().map(|k| k.describe(cx.platform)).collect();
            out.push(Finding::at(
                cx,
                &META,
                cb,
                0,
                format!(
                    "`{cb_name}` receives the result of the async call `{}` makes through `{}` but never \
                     writes {}, which `{}` wrote before the call: when the call fails that state stays as \
                     if it had succeeded",
                    entry_name(cx, entry),
                    cx.host_display_name(c.callee),
                    keys.join(", "),
                    entry_name(cx, entry),
                ),
            ));
        }
    }
}

/// NEAR callbacks scheduled by name that never read a promise result but change state.
fn near_callbacks_without_result(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let sinks = host_calls_any(cx, &[Effect::StorageWrite, Effect::ValueTransfer]);
    for cb in near_callbacks(cx) {
        let Some((sched, _)) = cb.scheduled_at else { continue };
        if cb.reads_result {
            continue;
        }
        let reach = reachable(cx, cb.export);
        let Some(sink) = sinks.iter().find(|s| reach.contains(&s.func)) else { continue };
        out.push(Finding::at(
            cx,
            &META,
            sink.func,
            sink.instr,
            format!(
                "callback `{}` (scheduled in `{}`) reaches `{}` without reading `promise_result`: it \
                 assumes the awaited call succeeded",
                cb.name,
                cx.func_name(sched),
                cx.host_display_name(sink.callee)
            ),
        ));
    }
}
