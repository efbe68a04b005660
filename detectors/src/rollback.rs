use std::collections::BTreeSet;
use wasmaudit_detect::taint::{label, Taint};
use wasmaudit_detect::{Class, Confidence, Context, Detector, DetectorMeta, Docs, Finding, Impact};
use wasmaudit_platform::{Effect, HostFn};

pub struct Rollback;

pub static META: DetectorMeta = DetectorMeta {
    id: "WA503",
    name: "rollback",
    class: Class::Rollback,
    impact: Impact::High,
    confidence: Confidence::Low,
    summary: "An EOSIO action decides an outcome (a game result, a payout) and reveals it in the same \
        transaction with an inline action, so the caller can revert when it loses",
    docs: Docs {
        what_it_does: "Takes every inline action (`send_inline`, `send_context_free_inline`) and asks \
            what decides it: the conditions of the branches and assertions that guard it, in its \
            function and at the call sites up to the entry point, and the data of the action it \
            sends. The inline action is reported when one of those carries an outcome the caller does \
            not control (block data, host randomness, a hash, or the contract's own stored state such \
            as a pot, a seed or a round) and the action can be triggered by anyone: an action whose \
            only path runs under `require_auth` of the contract itself, a fixed account or a stored \
            administrator is not reported.",
        why_bad: "Inline actions run inside the transaction that triggered them, and a failing action \
            reverts the whole transaction. A player who triggers the game from a contract of his own \
            can look at the outcome (the inline transfer, the notification, the changed balance) in \
            the same transaction and assert when it is a loss: the loss is rolled back, and only \
            winning plays stand (the \"Groundhog Day\" attack).",
        exploit_scenario: "A lottery pays prizes with an inline `eosio.token::transfer` right after \
            drawing in the `transfer` notification handler. The attacker's contract sends a bet and, \
            in the same transaction, checks its EOS balance; when it did not grow it calls \
            `eosio_assert(false)`. Every losing bet is undone, every winning one kept, and the \
            attacker drains the prize pool at no risk.",
        recommendation: "Split the play in two transactions: record the bet in the first and settle it \
            in a later one (a deferred transaction or a separate `reveal` action signed by the house, \
            after a commit-reveal of the house seed), so that the outcome is fixed before anyone \
            outside can see it; never reveal a result through an inline action or notification in \
            the action that decides it.",
        known_false_positives: "Any inline action guarded by a branch on stored state is an outcome in \
            this sense: refunds, withdrawals of recorded balances and other deterministic payouts \
            that gain the caller nothing by reverting are reported as well (low confidence). An \
            administrator check the analysis does not recognise (a comparison with a stored owner \
            made in a helper it cannot follow) leaves the action reported.",
    },
    platforms: &["eosio"],
};

/// Labels of data the caller does not choose: the outcome of a game.
const OUTCOME: u32 = label(Effect::BlockInfo)
    | label(Effect::Randomness)
    | label(Effect::StorageRead)
    | label(Effect::CallResult);
/// Call depth searched upward for guards and for an entry point.
const MAX_DEPTH: usize = 8;
/// Bytes of inline action data whose taint counts as the payload.
const PAYLOAD: i64 = 64;

impl Detector for Rollback {
    fn meta(&self) -> &'static DetectorMeta {
        &META
    }

    fn run(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for call in cx.host_calls(Effect::ExternalCall) {
            if !is_inline_action(call.host) {
                continue;
            }
            let adm = admin_only(cx, call.func, call.instr, &mut BTreeSet::new(), 0);
            let decided = decision_labels(cx, call.func, call.instr, &mut BTreeSet::new(), 0);
            let payload = payload_labels(cx, call.func, call.instr, call.host);
            let mut seen = decided | payload;
            // Block time and height alone are deadlines (a refund after the lock period), known in
            // advance; hashed, they are a draw.
            if seen & label(Effect::Crypto) == 0 {
                seen &= !label(Effect::BlockInfo);
            }
            // An action only the contract or its administrator can run is no play for an
            // attacker, unless it draws by chance: then any player the inline action notifies
            // can roll the draw back.
            let chance = seen & label(Effect::Randomness) != 0
                || seen & (label(Effect::BlockInfo) | label(Effect::Crypto))
                    == label(Effect::BlockInfo) | label(Effect::Crypto);
            if seen & OUTCOME == 0 || (adm && !chance) {
                continue;
            }
            let how = if decided & seen & OUTCOME != 0 { "decided by" } else { "carrying" };
            let outcome = seen & (OUTCOME | label(Effect::Crypto));
            out.push(Finding {
                detector: &META,
                function: call.func,
                instr: call.instr,
                offset: cx.offset_of(call.func, call.instr),
                message: format!(
                    "`{}` sends an inline action {how} {} in the action that computes it: a caller that \
                     reverts the transaction on a bad outcome keeps only the good ones",
                    call.host.display_name(),
                    describe(outcome)
                ),
            });
        }
    }
}

/// An inline action (not a deferred transaction or a notification).
fn is_inline_action(h: &HostFn) -> bool {
    h.arg("action").is_some() && h.arg("transaction").is_none()
}

fn describe(labels: u32) -> String {
    let names = [
        (Effect::Randomness, "host randomness"),
        (Effect::BlockInfo, "block data"),
        (Effect::Crypto, "a hash"),
        (Effect::StorageRead, "stored state"),
        (Effect::CallResult, "a call result"),
    ];
    let parts: Vec<&str> = names.iter().filter(|(e, _)| labels & label(*e) != 0).map(|(_, n)| *n).collect();
    parts.join(", ")
}

/// Labels of the checks that decide whether instruction `instr` of `func` runs: the guards
/// protecting it in `func` (their parameter-dependent parts resolved at the call sites) and, up
/// the call graph, the guards of the call sites leading to it.
fn decision_labels(cx: &Context<'_>, func: u32, instr: usize, seen: &mut BTreeSet<u32>, depth: usize) -> u32 {
    let mut labels = resolve(cx, func, protecting_taint(cx, func, instr), &mut BTreeSet::new(), 0);
    if depth >= MAX_DEPTH || !seen.insert(func) {
        return labels;
    }
    for (caller, site) in cx.program.calls.callers(func) {
        labels |= decision_labels(cx, caller, site.instr, seen, depth + 1);
    }
    labels
}

/// The taint of the guard points of `func` that protect `instr`.
fn protecting_taint(cx: &Context<'_>, func: u32, instr: usize) -> Taint {
    let mut t = Taint::default();
    for p in cx.guards().points(func) {
        if cx.guards().decides(cx, func, p.instr, p.is_branch, instr) {
            t.join(p.taint);
        }
    }
    t
}

/// The labels of `t`, a taint in `func`, with "whatever argument i (or the memory it points to)
/// carries" replaced by what the callers pass, recursively up the call graph.
fn resolve(cx: &Context<'_>, func: u32, t: Taint, seen: &mut BTreeSet<u32>, depth: usize) -> u32 {
    let mut labels = t.labels;
    if t.params | t.param_mem == 0 || depth >= MAX_DEPTH || !seen.insert(func) {
        return labels;
    }
    for (caller, site) in cx.program.calls.callers(func) {
        let (Some(values), Some(ft)) = (cx.program.values(caller), cx.dataflow().funcs.get(caller as usize))
        else {
            continue;
        };
        let ops = values.operands(site.instr);
        let args = if site.indirect { &ops[..ops.len().saturating_sub(1)] } else { ops };
        let mut at = Taint::default();
        for (i, a) in args.iter().enumerate().take(64) {
            if t.params & (1 << i) != 0 {
                at.join(ft.value(*a));
            }
            if t.param_mem & (1 << i) != 0 {
                at.join(cx.dataflow().memory(cx, caller, *a, PAYLOAD));
            }
        }
        labels |= resolve(cx, caller, at, seen, depth + 1);
    }
    labels
}

/// Labels of the action data the inline action sends.
fn payload_labels(cx: &Context<'_>, func: u32, instr: usize, h: &HostFn) -> u32 {
    let (Some(values), Some(arg)) = (cx.program.values(func), h.arg("action")) else { return 0 };
    let Some(&ptr) = values.operands(instr).get(arg as usize) else { return 0 };
    // The pointer's own taint counts: the buffer is a heap vector whose pointer was read from the
    // `action` object that packing filled from the arguments.
    let mut t = cx.dataflow().memory(cx, func, ptr, PAYLOAD);
    if let Some(ft) = cx.dataflow().funcs.get(func as usize) {
        t.join(ft.value(ptr));
    }
    resolve(cx, func, t, &mut BTreeSet::new(), 0)
}

/// Whether every path from an entry point to `instr` of `func` passes an authorization check of
/// an account the caller does not choose (the contract itself, a constant, a stored owner).
fn admin_only(cx: &Context<'_>, func: u32, instr: usize, visiting: &mut BTreeSet<u32>, depth: usize) -> bool {
    if admin_check_before(cx, func, instr) {
        return true;
    }
    if cx.program.calls.roots.binary_search(&func).is_ok() || depth >= MAX_DEPTH || !visiting.insert(func) {
        return false;
    }
    let callers = cx.program.calls.callers(func);
    let all = !callers.is_empty()
        && callers.iter().all(|(caller, site)| admin_only(cx, *caller, site.instr, visiting, depth + 1));
    visiting.remove(&func);
    all
}

/// An authorization check in `func` that protects `instr` and whose account does not come from
/// the call's input.
fn admin_check_before(cx: &Context<'_>, func: u32, instr: usize) -> bool {
    let identity = label(Effect::AuthCheck) | label(Effect::CallerId);
    cx.guards().points(func).iter().any(|p| {
        p.taint.has_any(identity)
            && cx.guards().decides(cx, func, p.instr, p.is_branch, instr)
            && resolve(cx, func, p.taint, &mut BTreeSet::new(), 0) & label(Effect::Input) == 0
    })
}
