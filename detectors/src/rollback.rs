use std::collections::{BTreeMap, BTreeSet};
use wasmaudit_detect::taint::{label, Taint};
use wasmaudit_detect::{Class, Confidence, Context, Detector, DetectorMeta, Docs, Finding, Impact};
use wasmaudit_flow::{Addr, Base, ValueDef, ValueId};
use wasmaudit_front::Op;
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
            confidence.",
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
            that gain the caller nothing by reverting are reported as well (low confidence), and so \
            is an inline action that carries block time as a field (a receipt with a timestamp). An \
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
/// Bytes of inline action data whose taint counts as the payload.
const PAYLOAD: i64 = 64;
/// Values a backward slice of a packed field may visit.
const MAX_SLICE: usize = 256;

impl Detector for Rollback {
    fn meta(&self) -> &'static DetectorMeta {
        &META
    }

    fn run(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let reads = source_reads(cx);
        for call in cx.host_calls(Effect::ExternalCall) {
            if !is_inline_action(call.host) {
                continue;
            }
            let adm = admin_only(cx, call.func, call.instr, &mut BTreeSet::new(), 0);
            let decided = decision_labels(cx, call.func, call.instr, &mut BTreeSet::new(), 0);
            let payload = payload_labels(cx, &reads, call.func, call.instr, call.host);
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

/// Per function: the outcome labels of the sources it reads, itself or through its callees
/// (block data, randomness, storage, call results, and `crypto` for a hash).
fn source_reads(cx: &Context<'_>) -> Vec<u32> {
    let n = cx.module.functions.len();
    let mut reads: Vec<u32> = (0..n as u32)
        .map(|f| {
            cx.host_fn(f).map_or(0, |h| {
                let mut l = wasmaudit_detect::taint::host_labels(h) & OUTCOME;
                if h.has(Effect::Crypto) {
                    l |= label(Effect::Crypto);
                }
                l
            })
        })
        .collect();
    for _ in 0..n.min(64) {
        let mut changed = false;
        for f in cx.module.functions.iter().filter(|f| !f.is_import()) {
            let mut l = reads[f.index as usize];
            for (_, targets) in cx.program.calls.call_sites(f.index) {
                for t in targets {
                    l |= reads.get(*t as usize).copied().unwrap_or(0);
                }
            }
            if l != reads[f.index as usize] {
                reads[f.index as usize] = l;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    reads
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

/// Labels of the action data the inline action sends: the packed buffer, and what the calls
/// that fill it read ([`Packing`]), followed into the callers through pointer parameters.
fn payload_labels(cx: &Context<'_>, reads: &[u32], func: u32, instr: usize, h: &HostFn) -> u32 {
    let (Some(values), Some(arg)) = (cx.program.values(func), h.arg("action")) else { return 0 };
    let Some(&ptr) = values.operands(instr).get(arg as usize) else { return 0 };
    // The pointer's own taint counts: the buffer is a heap vector whose pointer was read from the
    // `action` object that packing filled from the arguments.
    let mut t = cx.dataflow().funcs.get(func as usize).map(|ft| ft.value(ptr)).unwrap_or_default();
    t.param_mem = 0;
    resolve(cx, func, t, &mut BTreeSet::new(), 0)
        | packed_labels(cx, reads, func, &[ptr], Some(instr), &mut BTreeSet::new(), 0)
}

/// Labels of the data packed into the buffers `roots` point to in `func`, with the callers'
/// arguments for the pointer parameters among them.
fn packed_labels(
    cx: &Context<'_>,
    reads: &[u32],
    func: u32,
    roots: &[ValueId],
    send: Option<usize>,
    seen: &mut BTreeSet<u32>,
    depth: usize,
) -> u32 {
    let Some(packing) = Packing::new(cx, func) else { return 0 };
    let (labels, params) = packing.trace(cx, reads, roots, send);
    if params == 0 || depth >= MAX_DEPTH || !seen.insert(func) {
        return labels;
    }
    let mut out = labels;
    for (caller, site) in cx.program.calls.callers(func) {
        let Some(values) = cx.program.values(caller) else { continue };
        let ops = values.operands(site.instr);
        let args = if site.indirect { &ops[..ops.len().saturating_sub(1)] } else { ops };
        let roots: Vec<ValueId> = args
            .iter()
            .enumerate()
            .filter(|(i, _)| *i < 64 && params & (1 << i) != 0)
            .map(|(_, a)| *a)
            .collect();
        if !roots.is_empty() {
            out |= packed_labels(cx, reads, caller, &roots, None, seen, depth + 1);
        }
    }
    out
}

/// Where a memory location is, with pointers loaded from the same slot identified: two loads
/// of the vector pointer in an `action` object name the same buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Loc {
    Base(Base),
    Loaded(Base, i64),
}

type Key = (Loc, i64);

/// How an EOSIO action gets packed, in one function: `action::send` serializes the `action`
/// object into a heap vector through a `datastream` (a struct of pointers into the buffer), and
/// the action data was serialized the same way from a tuple of the arguments before. The taint
/// analysis does not follow writes through pointers loaded from memory, so the packed buffer
/// would carry nothing; here a call *fills* a buffer when the buffer's pointer is among the
/// pointers reachable from its arguments (stored in or loaded from the objects they point to),
/// and then everything reachable from its arguments is packed too.
struct Packing<'a> {
    func: u32,
    values: &'a wasmaudit_flow::FunctionValues,
    ev: &'a wasmaudit_flow::Evaluator<'a>,
    body: &'a [wasmaudit_front::Instr],
    /// Pointer-sized values stored at and loaded from each location.
    pointers: BTreeMap<Key, Vec<ValueId>>,
    /// Values of any width stored at each location.
    stored: BTreeMap<Key, Vec<ValueId>>,
}

/// Bytes of an object searched for the pointers it holds (an `action`: two names and two vectors).
const OBJECT: i64 = 40;
/// Levels of pointers followed from a value.
const POINTER_DEPTH: usize = 3;
/// Locations a trace may collect.
const MAX_KEYS: usize = 512;

impl<'a> Packing<'a> {
    fn new(cx: &'a Context<'_>, func: u32) -> Option<Packing<'a>> {
        let f = cx.module.function(func).filter(|f| !f.is_import())?;
        let (values, ev) = (cx.program.values(func)?, cx.evaluator(func)?);
        let mut p =
            Packing { func, values, ev, body: &f.body, pointers: BTreeMap::new(), stored: BTreeMap::new() };
        for (i, ins) in f.body.iter().enumerate() {
            if let (Op::Store { .. }, Some(&v), Some(addr)) =
                (&ins.op, values.operands(i).get(1), ev.mem_address(i))
            {
                let k = p.canon(addr);
                p.stored.entry(k).or_default().push(v);
            }
            let v = match ins.op {
                Op::Load { kind, .. } if kind.bytes == 4 => values.results(i).first(),
                Op::Store { kind, .. } if kind.bytes == 4 => values.operands(i).get(1),
                _ => None,
            };
            if let (Some(&v), Some(addr)) = (v, ev.mem_address(i)) {
                let k = p.canon(addr);
                p.pointers.entry(k).or_default().push(v);
            }
        }
        Some(p)
    }

    fn canon(&self, addr: Addr) -> Key {
        if let Base::Value(w) = addr.base {
            if let ValueDef::Result { instr, index: 0 } = self.values.def(w) {
                if matches!(self.body.get(*instr).map(|i| &i.op), Some(Op::Load { .. })) {
                    if let Some(a) = self.ev.mem_address(*instr) {
                        return (Loc::Loaded(a.base, a.offset), addr.offset);
                    }
                }
            }
        }
        (Loc::Base(addr.base), addr.offset)
    }

    /// The locations and values reachable from pointer `v`.
    fn reach(&self, v: ValueId, keys: &mut BTreeSet<Key>, vals: &mut BTreeSet<ValueId>, depth: usize) {
        let k = self.canon(self.ev.address(v, 0));
        let fresh = vals.insert(v);
        if !keys.insert(k) && !fresh || depth >= POINTER_DEPTH || keys.len() > MAX_KEYS {
            return;
        }
        let inner: Vec<ValueId> = self
            .pointers
            .range(k..(k.0, k.1.saturating_add(OBJECT)))
            .flat_map(|(_, vs)| vs.iter().copied())
            .collect();
        for w in inner {
            self.reach(w, keys, vals, depth + 1);
        }
    }

    /// Labels of what is packed into the buffers `roots` point to, and the pointer parameters
    /// whose memory is packed.
    fn trace(&self, cx: &Context<'_>, reads: &[u32], roots: &[ValueId], send: Option<usize>) -> (u32, u64) {
        let (mut keys, mut vals) = (BTreeSet::new(), BTreeSet::new());
        for r in roots {
            self.reach(*r, &mut keys, &mut vals, 0);
        }
        let calls: Vec<(usize, Vec<ValueId>)> = cx
            .program
            .calls
            .call_sites(self.func)
            .iter()
            .filter(|(i, _)| Some(*i) != send)
            .map(|(i, targets)| {
                let ops = self.values.operands(*i);
                let indirect = matches!(self.body.get(*i).map(|x| &x.op), Some(Op::CallIndirect { .. }));
                let args = if indirect { &ops[..ops.len().saturating_sub(1)] } else { ops };
                let _ = targets;
                (*i, args.to_vec())
            })
            .collect();
        let mut taken = vec![false; calls.len()];
        loop {
            let mut changed = false;
            for (k, (_, args)) in calls.iter().enumerate() {
                if taken[k] || keys.len() > MAX_KEYS {
                    continue;
                }
                let (mut ck, mut cv) = (BTreeSet::new(), BTreeSet::new());
                for a in args {
                    self.reach(*a, &mut ck, &mut cv, 0);
                }
                if ck.is_disjoint(&keys) {
                    continue;
                }
                taken[k] = true;
                changed = true;
                keys.extend(ck);
                vals.extend(cv);
            }
            if !changed {
                break;
            }
        }
        let df = cx.dataflow();
        let (mut labels, mut params) = (0, 0);
        for v in vals {
            let t = df.memory(cx, self.func, v, PAYLOAD);
            labels |= t.labels;
            params |= t.param_mem;
        }
        // What the packed fields were computed from, through the loads and calls the taint
        // analysis does not follow (a row read through a pointer a lookup returned, a table entry
        // picked by a hash).
        let stored: Vec<ValueId> = keys
            .iter()
            .flat_map(|k| {
                self.stored
                    .range(*k..(k.0, k.1.saturating_add(PAYLOAD)))
                    .flat_map(|(_, vs)| vs.iter().copied())
            })
            .collect();
        labels |= self.origins(cx, reads, &stored);
        (labels, params)
    }

    /// Labels of the values `roots` are computed from: their taint and, back through arithmetic,
    /// merges, the addresses of loads and the results of calls, the taint of every value on the
    /// way and the sources the called functions read.
    fn origins(&self, cx: &Context<'_>, reads: &[u32], roots: &[ValueId]) -> u32 {
        let Some(ft) = cx.dataflow().funcs.get(self.func as usize) else { return 0 };
        let mut seen = BTreeSet::new();
        let mut work: Vec<ValueId> = roots.to_vec();
        let mut labels = 0;
        while let Some(v) = work.pop() {
            if seen.len() > MAX_SLICE || !seen.insert(v) {
                continue;
            }
            labels |= ft.value(v).labels;
            match self.values.def(v) {
                ValueDef::Phi { operands, .. } => work.extend(operands.iter().copied()),
                ValueDef::Result { instr, .. } => match self.body.get(*instr).map(|i| &i.op) {
                    Some(Op::Binary(..) | Op::Unary(..) | Op::Convert(_) | Op::Select | Op::Load { .. }) => {
                        work.extend(self.values.operands(*instr).iter().copied())
                    }
                    Some(Op::Call(_) | Op::CallIndirect { .. }) => {
                        for t in cx.program.calls.targets_at(self.func, *instr) {
                            labels |= reads.get(*t as usize).copied().unwrap_or(0);
                        }
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        labels
    }
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
