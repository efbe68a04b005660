use std::collections::BTreeSet;
use wasmaudit_detect::authz::Uses;
use wasmaudit_detect::packed::{buffer_labels, resolve, source_reads};
use wasmaudit_detect::storage::{Access, Key};
use wasmaudit_detect::taint::{label, Taint};
use wasmaudit_detect::{Class, Confidence, Context, Detector, DetectorMeta, Docs, Finding, Impact};
use wasmaudit_front::{BinOp, CmpOp, Op};
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
            sends. The data is followed through the packing of the action: a call counts as filling \
            the sent buffer when the buffer's pointer is reachable from its arguments (stored in or \
            loaded from the `datastream` or `action` object they point to), and then what its \
            arguments point to (the `action` object, the tuple of transfer arguments) is sent too, \
            through pointer parameters up to the callers that build the action; the sent fields \
            count with the taint of the values they were computed from and the sources read by the \
            functions whose results they come from (a row returned by a table lookup). The inline \
            action is reported when one of those carries an outcome the caller does not control \
            (host randomness, a hash of block data, block data computed into the sent data, or the \
            contract's own stored state such as a pot, a seed or a round) and the action can be \
            triggered by anyone: an action whose only path runs under `require_auth` of the contract \
            itself, a fixed account or a stored administrator is not reported. Block data that only \
            decides a branch without being hashed is a deadline, not an outcome. A finding whose \
            outcome includes chance (host randomness, or block data together with a hash) has \
            medium confidence; one decided by stored state alone keeps the detector's low \
            confidence, and is reported only when the action that sends reads chance on its way to \
            the inline action: a hash or host randomness, or a table that some write of the \
            contract fills with chance or block data (a drawn number, a timestamp); a payout of \
            recorded rows in an action that reads neither (block time there only gates it, \
            handlers of other actions do not count) is fixed by state the caller can read first. \
            A contract that calls no host function reading chance at all (block data, randomness or \
            a hash) gets no finding.",
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
        known_false_positives: "A deterministic payout (a refund, a withdrawal of a recorded balance) \
            is still reported (low confidence) when its action also hashes or draws something, or \
            reads a table the contract stores block time in (a lock row with its deadline), and so \
            is an inline action that carries block time as a field (a receipt with a timestamp). A \
            row modified with a draw through an iterator (`db_update_i64`, whose table the analysis \
            does not name) does not make its table one of chance. An \
            administrator check the analysis does not recognise (a comparison with a stored owner \
            made in a helper it cannot follow, an issuer read from a row the call's symbol selects) \
            leaves the action reported. An inline action whose data is fixed (a constant transfer \
            to a constant account) is not reported, whatever the receiver does with it.",
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

impl Detector for Rollback {
    fn meta(&self) -> &'static DetectorMeta {
        &META
    }

    fn run(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        // A contract that reads no chance at all (no block data, no randomness, no hash) decides
        // every outcome by state anyone can read before sending: nothing to roll back for.
        if [Effect::BlockInfo, Effect::Randomness, Effect::Crypto]
            .iter()
            .all(|e| cx.host_calls(*e).is_empty())
        {
            return;
        }
        let reads = source_reads(cx);
        let mut stored_chance: Option<BTreeSet<Key>> = None;
        for call in cx.host_calls(Effect::ExternalCall) {
            if !is_inline_action(call.host) {
                continue;
            }
            let adm = admin_only(cx, call.func, call.instr, &mut BTreeSet::new(), 0);
            let decided = decision_labels(cx, call.func, call.instr, &mut BTreeSet::new(), 0);
            let payload = call.host.arg("action").map_or(0, |a| buffer_labels(cx, call.func, call.instr, a))
                & (OUTCOME | label(Effect::Crypto));
            let mut seen = decided | payload;
            // Block time and height alone, in a condition, are deadlines (a refund after the lock
            // period), known in advance; hashed, or computed into the data sent, they are a draw.
            if seen & label(Effect::Crypto) == 0 && payload & label(Effect::BlockInfo) == 0 {
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
            // Stored state (or a call result) alone is an outcome only when chance went into it
            // in the action that sends: a hash or host randomness read on the way to the inline
            // action, or a table read on the way that the contract stores chance or block data
            // in. A refund, a withdrawal or a payout of recorded rows in an action that reads
            // neither (block time there only gates it) is fixed by state the caller can read
            // first: reverting it gains nothing.
            if seen & CHANCE == 0 {
                let tables = stored_chance.get_or_insert_with(|| chance_tables(cx));
                let mut visited = BTreeSet::new();
                if !drawn_before(cx, &reads.0, tables, call.func, call.instr, &mut visited, 0) {
                    continue;
                }
            }
            let how = if decided & seen & OUTCOME != 0 { "decided by" } else { "carrying" };
            let outcome = seen & (OUTCOME | label(Effect::Crypto));
            let finding = Finding::at(
                cx,
                &META,
                call.func,
                call.instr,
                format!(
                    "`{}` sends an inline action {how} {} in the action that computes it: a caller that \
                     reverts the transaction on a bad outcome keeps only the good ones",
                    call.host.display_name(),
                    describe(outcome)
                ),
            );
            // A draw by chance (randomness, or hashed block data) is the classic game; an outcome
            // from stored state alone is often a deterministic payout (low, the detector's own).
            out.push(if chance { finding.with_confidence(Confidence::Medium) } else { finding });
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

/// Labels of the host sources that are chance: block data, randomness, a hash.
const CHANCE: u32 = label(Effect::BlockInfo) | label(Effect::Randomness) | label(Effect::Crypto);
/// Chance read in an action whatever it then decides: randomness or a hash (block data that only
/// meets a deadline in an ordered comparison is a gate: [`only_a_gate`]).
const DRAW: u32 = label(Effect::Randomness) | label(Effect::Crypto);

/// Tables (known keys) that some storage write of the module fills with a row carrying chance
/// or block data (a drawn number, a hash, a timestamp): what a later read of them returns may
/// be an outcome of chance.
fn chance_tables(cx: &Context<'_>) -> BTreeSet<Key> {
    let mut out = BTreeSet::new();
    for w in cx.host_calls(Effect::StorageWrite) {
        let Some(data) = w.host.arg("data") else { continue };
        if buffer_labels(cx, w.func, w.instr, data) & CHANCE == 0 {
            continue;
        }
        for a in cx.storage().at(w.func, w.instr) {
            if let (Access::Write, Some(k)) = (a.access, a.key.known()) {
                out.insert(k.clone());
            }
        }
    }
    out
}

/// Whether, on some way from an entry point to instruction `instr` of `func`, chance is read
/// before it: a call in `func` from which `instr` can be reached that reads randomness or a
/// hash (a host call, or a function doing so itself or through its callees), or block data used
/// for more than a deadline ([`only_a_gate`]), or reads a table of
/// `tables`, or, up the callers, the same before a call site leading to `func`. Calls that run
/// only on other ways (the handlers of other actions in a dispatcher) do not count.
fn drawn_before(
    cx: &Context<'_>,
    reads: &[u32],
    tables: &BTreeSet<Key>,
    func: u32,
    instr: usize,
    visited: &mut BTreeSet<u32>,
    depth: usize,
) -> bool {
    let Some(cfg) = cx.program.cfg(func) else { return true };
    let mut uses: Option<Uses> = None;
    let draws = cx.program.calls.call_sites(func).iter().any(|(site, targets)| {
        if !cfg.instr_reaches(*site, instr) {
            return false;
        }
        let l = targets.iter().fold(0, |l, t| l | reads.get(*t as usize).copied().unwrap_or(0));
        l & DRAW != 0
            || (l & label(Effect::BlockInfo) != 0
                && !only_a_gate(cx, uses.get_or_insert_with(|| Uses::new(cx, func)), func, *site))
    });
    let stored = || {
        cx.storage().instrs(func).any(|(site, accesses)| {
            cfg.instr_reaches(site, instr)
                && accesses
                    .iter()
                    .any(|a| a.access == Access::Read && a.key.known().is_some_and(|k| tables.contains(k)))
        })
    };
    if draws || stored() {
        return true;
    }
    if cx.program.calls.roots.binary_search(&func).is_ok() || !visited.insert(func) {
        return false;
    }
    if depth >= MAX_DEPTH {
        return true;
    }
    cx.program
        .calls
        .callers(func)
        .iter()
        .any(|(caller, site)| drawn_before(cx, reads, tables, *caller, site.instr, visited, depth + 1))
}

/// Whether what the call at `site` of `func` returns (block data) only feeds ordered comparisons,
/// directly or through conversions and divisions (`now()` in seconds): a deadline compared with
/// the block time, known in advance, not a draw. Block data stored, hashed, mixed into arithmetic
/// or compared for equality is not only a gate; so is a call that returns nothing (its block data
/// went elsewhere).
fn only_a_gate(cx: &Context<'_>, uses: &Uses, func: u32, site: usize) -> bool {
    let (Some(f), Some(values)) = (cx.module.function(func), cx.program.values(func)) else { return false };
    let mut work: Vec<_> = values.results(site).to_vec();
    if work.is_empty() {
        return false;
    }
    let mut seen = BTreeSet::new();
    while let Some(v) = work.pop() {
        if !seen.insert(v) {
            continue;
        }
        if seen.len() > 64 || !uses.phis_of(v).is_empty() {
            return false;
        }
        for &u in uses.of(v) {
            match f.body.get(u).map(|i| &i.op) {
                Some(Op::Compare(_, c)) if !matches!(c, CmpOp::Eq | CmpOp::Ne) => {}
                Some(Op::Convert(_) | Op::Binary(_, BinOp::DivU | BinOp::DivS)) => {
                    work.extend(values.results(u).iter().copied());
                }
                _ => return false,
            }
        }
    }
    true
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
