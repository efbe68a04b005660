use std::collections::{BTreeSet, VecDeque};
use wasmaudit_detect::taint::{label, Taint};
use wasmaudit_detect::{Class, Confidence, Context, Detector, DetectorMeta, Docs, Finding, Impact};
use wasmaudit_flow::{BlockId, Cfg, ValueDef, ValueId};
use wasmaudit_front::{BinOp, Op};
use wasmaudit_platform::Effect;

pub struct WeakRandomness;

pub static META: DetectorMeta = DetectorMeta {
    id: "WA421",
    name: "weak-randomness",
    class: Class::WeakRandomness,
    impact: Impact::High,
    confidence: Confidence::Medium,
    summary: "A branch that leads to a payout or a storage write is decided by a \"random\" value derived \
        from block or ledger data, or from the host's predictable randomness",
    docs: Docs {
        what_it_does: "Looks at every conditional branch whose condition carries chance-like data: \
            host randomness as predictable as block data (ink! `seal_random`, MultiversX's block \
            random seed) or block and ledger data (EOSIO `current_time`/`tapos_block_prefix`/`tapos_block_num`, NEAR \
            `block_timestamp`/`block_index`, Soroban ledger timestamp and sequence, ...) that went \
            through a hash or a modulo (a constant modulus, or the low bits `& (2^k - 1)`, k at \
            most 6, that `% 2` compiles to, of a 64-bit value or a 32-bit call result; not of a byte \
            or word read from memory, which is mostly a flag or a tag). Block data only compared (a deadline, a \
            lock period) is not randomness and is left alone, and so is the output of a randomness \
            service meant for contracts (NEAR `random_seed`, the block's VRF output; Soroban \
            `prng_*`), even mixed with block data: it is the remediation of this flaw. The branch is reported when some side \
            of it reaches, in its function or after the function returns to its caller, a host call \
            that writes storage, transfers value or sends an action. A draw also counts as data, \
            with no branch on it: when the key of a stored-state read passed by value (EOSIO \
            `db_find_i64`'s id, followed up two callers while it is a parameter of a table \
            wrapper) is such a draw (`rnd % entries` picking a lottery's winning row) and a write, \
            transfer or action follows the read, the draw is reported where it is handed to the \
            read, once per function.",
        why_bad: "Block time, height and tapos values are known before the transaction runs, or chosen \
            by the block producer; a hash or modulo of them is just as predictable. Host randomness \
            on these platforms is a deterministic function of consensus data that validators (and \
            often users) can predict or bias. Whoever can predict the outcome of a lottery, a dice \
            roll or a loot drop only plays when they win.",
        exploit_scenario: "A dice contract rolls `sha256(current_time() + tapos_block_prefix()) % 100` \
            when a bet arrives and pays twice the stake under 49. The attacker deploys a contract that \
            computes the same value in the same block (both inputs are the same for every action in \
            the transaction) and sends the bet inline only when the roll wins, draining the bankroll.",
        recommendation: "Use a commit-reveal scheme (the house commits to `sha256(seed)` before bets \
            and reveals `seed` afterwards; combine it with a seed from the player), or a verifiable \
            random function oracle, and settle the bet in a later transaction than the one that \
            places it.",
        known_false_positives: "Block data reduced modulo a period for scheduling (`now() % 86400` for \
            a daily window) or hashed to build an identifier is reported when a branch on it leads to \
            a write. The check follows values within one function, into returned values of the \
            functions it calls and through memory slots it stores and reloads itself; a random value \
            mixed elsewhere and passed in through memory is only caught when it was hashed. NEAR's \
            `random_seed` and Soroban's PRNG are trusted: a validator able to bias them is not \
            modelled.",
    },
    platforms: &[],
};

/// Labels of chance-like data.
const CHANCE: u32 = label(Effect::BlockInfo) | label(Effect::Randomness);
/// Values a backward slice may visit.
const MAX_SLICE: usize = 256;
/// Depth of callers searched for a sink after a function returns.
const MAX_CALLER_DEPTH: usize = 2;

impl Detector for WeakRandomness {
    fn meta(&self) -> &'static DetectorMeta {
        &META
    }

    fn run(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let sinks = Sinks::compute(cx);
        if !sinks.any {
            return;
        }
        let mut reported = BTreeSet::new();
        for f in cx.module.functions.iter().filter(|f| !f.is_import()) {
            let (Some(values), Some(cfg), Some(ft)) = (
                cx.program.values(f.index),
                cx.program.cfg(f.index),
                cx.dataflow().funcs.get(f.index as usize),
            ) else {
                continue;
            };
            for (i, ins) in f.body.iter().enumerate() {
                if !matches!(ins.op, Op::If(_) | Op::BrIf(_) | Op::BrTable { .. }) {
                    continue;
                }
                let Some(&c) = values.operands(i).last() else { continue };
                let t = ft.value(c);
                if !t.has_any(CHANCE) {
                    continue;
                }
                let Some(how) = chance(cx, f.index, c, t) else { continue };
                let Some((sf, si, callee)) = sinks.after_branch(cx, f.index, cfg, i) else { continue };
                let place = if sf == f.index { String::new() } else { format!(" in `{}`", cx.func_name(sf)) };
                out.push(Finding::at(
                    cx,
                    &META,
                    f.index,
                    i,
                    format!(
                        "this branch is decided by {how}, and one side of it reaches `{}`{place} \
                         (instruction {si}): whoever can predict or choose the block can choose the outcome",
                        cx.host_display_name(callee)
                    ),
                ));
                // One finding per function: the first decision.
                reported.insert(f.index);
                break;
            }
        }
        // Draws that pick an entry, in functions with no drawn decision reported.
        for f in cx.module.functions.iter().filter(|f| !f.is_import()) {
            let Some(cfg) = cx.program.cfg(f.index) else { continue };
            if let Some(found) = drawn_key(cx, &sinks, f.index, cfg) {
                if reported.insert(found.function) {
                    out.push(found);
                }
            }
        }
    }
}

/// Randomness as data: a read of stored state whose key (EOSIO `db_find_i64`'s `id`, a key
/// passed by value) is drawn from block data (a modulo or hash of time, height, tapos: the
/// winning entry of a lottery picked by `rnd % entries`), followed by a write, transfer or
/// action. No branch on the draw is needed: the draw picks the entry. The key is followed up to
/// [`MAX_CALLER_DEPTH`] callers while it is a parameter (a table's `find` wrapper).
fn drawn_key(cx: &Context<'_>, sinks: &Sinks, func: u32, cfg: &Cfg) -> Option<Finding> {
    for call in cx.host_calls_in(func) {
        let h = call.host;
        if !h.has(Effect::StorageRead) || h.arg("key_len").is_some() {
            continue;
        }
        let Some(role) = ["id", "key"].into_iter().find(|r| h.arg(r).is_some()) else { continue };
        let Some(&key) =
            h.arg(role).and_then(|a| cx.program.values(func)?.operands(call.instr).get(a as usize))
        else {
            continue;
        };
        let Some((df, at, how)) = drawn(cx, func, call.instr, key, 0) else { continue };
        let b = cfg.block_of(call.instr)?;
        let (mut hit, returns) = sinks.search_blocks(cx, func, cfg, vec![b], Some(call.instr + 1));
        if hit.is_none() && returns {
            hit = sinks.in_callers(cx, func, 0);
        }
        let Some((sf, si, callee)) = hit else { continue };
        let place = if sf == df { String::new() } else { format!(" in `{}`", cx.func_name(sf)) };
        let through = if df == func { String::new() } else { format!(" (through `{}`)", cx.func_name(func)) };
        // Reported where the draw is made: at the read, or at the call that hands the drawn key on.
        return Some(Finding::at(
            cx,
            &META,
            df,
            at,
            format!(
                "the entry `{}`{through} reads is picked by {how}, and the code after it reaches `{}`{place} \
                 (instruction {si}): whoever can predict or choose the block picks the entry (a lottery's winner)",
                cx.host_display_name(call.callee),
                cx.host_display_name(callee)
            ),
        ));
    }
    None
}

/// Whether `v`, used at `at` in `func`, is a chance-like draw ([`chance`]), itself or, while it
/// is a parameter, the argument a caller passes (up to [`MAX_CALLER_DEPTH`] levels): the
/// function where it is drawn, the use there and how.
fn drawn(cx: &Context<'_>, func: u32, at: usize, v: ValueId, depth: usize) -> Option<(u32, usize, String)> {
    let ft = cx.dataflow().funcs.get(func as usize)?;
    let t = ft.value(v);
    if t.has_any(CHANCE) {
        return chance(cx, func, v, t).map(|how| (func, at, how));
    }
    let ValueDef::Param(p) = *cx.program.values(func)?.def(v) else { return None };
    if depth >= MAX_CALLER_DEPTH {
        return None;
    }
    cx.program.calls.callers(func).into_iter().find_map(|(caller, site)| {
        let a = *cx.program.values(caller)?.operands(site.instr).get(p as usize)?;
        drawn(cx, caller, site.instr, a, depth + 1)
    })
}

/// How a condition carrying `t` is chance-like, worded for the message; `None` for block data
/// that is only compared (time checks).
fn chance(cx: &Context<'_>, func: u32, c: ValueId, t: Taint) -> Option<String> {
    if t.has(Effect::Randomness) {
        // Block data mixed with a randomness service's output is as unpredictable as that output.
        // The platform model says whether its host randomness is a service meant for contracts
        // (NEAR's VRF `random_seed`, Soroban's per-invocation PRNG): the usual remediation of this
        // flaw, which at most a validator can bias. Elsewhere (ink!'s `seal_random`, MultiversX's
        // block random seed) it is as predictable as block data.
        return (!cx.model.is_some_and(|m| m.randomness_service))
            .then(|| "the host's randomness, which validators can predict or bias".into());
    }
    if !t.has(Effect::BlockInfo) {
        return None;
    }
    if t.has(Effect::Crypto) {
        // `crypto` on block data: hashed, or drawn by a remainder or low bits (see the taint analysis).
        return Some("a hash or a modulo draw of block data (time, height, tapos)".into());
    }
    let op = mixing(cx, func, &[c], 0)?;
    Some(format!("block data (time, height, tapos) through `{op}`"))
}

/// A modulo applied to block data on the way to `roots`, following operands,
/// phis, slots stored and reloaded in the function, and values returned by callees.
fn mixing(cx: &Context<'_>, func: u32, roots: &[ValueId], depth: usize) -> Option<&'static str> {
    let (f, values, ev, ft) = (
        cx.module.function(func)?,
        cx.program.values(func)?,
        cx.evaluator(func)?,
        cx.dataflow().funcs.get(func as usize)?,
    );
    let mut seen: BTreeSet<ValueId> = BTreeSet::new();
    let mut work: VecDeque<ValueId> = roots.iter().copied().collect();
    while let Some(v) = work.pop_front() {
        if seen.len() > MAX_SLICE || !seen.insert(v) || !ft.value(v).has(Effect::BlockInfo) {
            continue;
        }
        match values.def(v) {
            ValueDef::Phi { operands, .. } => work.extend(operands.iter().copied()),
            ValueDef::Result { instr, .. } => {
                let Some(op) = f.body.get(*instr).map(|i| &i.op) else { continue };
                let ops = values.operands(*instr);
                if wasmaudit_detect::taint::is_draw(ev, op, ops, |o| ft.value(o).has(Effect::BlockInfo)) {
                    return Some(if matches!(op, Op::Binary(_, BinOp::And)) { "&" } else { "%" });
                }
                match op {
                    Op::Binary(_, BinOp::RemU | BinOp::RemS) => return Some("%"),
                    Op::Binary(..) | Op::Compare(..) | Op::Unary(..) | Op::Convert(_) | Op::Select => {
                        work.extend(values.operands(*instr).iter().copied());
                    }
                    Op::Load { .. } => {
                        if let Some(addr) = ev.mem_address(*instr) {
                            work.extend(ev.stored_at(addr).iter().map(|(_, stored, _)| *stored));
                        }
                    }
                    Op::Call(callee) if depth < 2 => {
                        if let Some(op) =
                            returned(cx, *callee).and_then(|r| mixing(cx, *callee, &r, depth + 1))
                        {
                            return Some(op);
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    None
}

/// The values a defined function returns.
fn returned(cx: &Context<'_>, func: u32) -> Option<Vec<ValueId>> {
    let f = cx.module.function(func).filter(|f| !f.is_import())?;
    let values = cx.program.values(func)?;
    let last = f.body.len().checked_sub(1)?;
    let out = f
        .body
        .iter()
        .enumerate()
        .filter(|(i, ins)| matches!(ins.op, Op::Return) || *i == last)
        .flat_map(|(i, _)| values.operands(i).iter().copied())
        .collect();
    Some(out)
}

/// Which functions write storage, transfer value or send an action, directly or through calls.
pub(crate) struct Sinks {
    /// Per function index: whether calling it may reach a sink host call.
    reaches: Vec<bool>,
    /// Whether the module has a sink at all.
    any: bool,
}

impl Sinks {
    pub(crate) fn compute(cx: &Context<'_>) -> Sinks {
        let n = cx.module.functions.len();
        let mut reaches: Vec<bool> = (0..n as u32).map(|f| is_sink_host(cx, f)).collect();
        let any = reaches.iter().any(|r| *r);
        // Callers of a function that reaches a sink reach it too; each round settles one level.
        for _ in 0..n.min(64) {
            let mut changed = false;
            for f in cx.module.functions.iter().filter(|f| !f.is_import()) {
                if reaches[f.index as usize] {
                    continue;
                }
                let hit = cx.program.calls.call_sites(f.index).iter().any(|(_, targets)| {
                    targets.iter().any(|t| reaches.get(*t as usize).copied().unwrap_or(false))
                });
                if hit {
                    reaches[f.index as usize] = true;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        Sinks { reaches, any }
    }

    /// The first sink (function, instruction, host callee) one side of the branch at `instr`
    /// reaches: in `func`, or after `func` returns, in its callers.
    fn after_branch(
        &self,
        cx: &Context<'_>,
        func: u32,
        cfg: &Cfg,
        instr: usize,
    ) -> Option<(u32, usize, u32)> {
        let b = cfg.block_of(instr)?;
        let starts: Vec<BlockId> = cfg.successors(b).map(|(s, _)| s).collect();
        let (hit, returns) = self.search_blocks(cx, func, cfg, starts, None);
        if hit.is_some() {
            return hit;
        }
        if returns {
            return self.in_callers(cx, func, 0);
        }
        None
    }

    /// After a call of `func` returns: the first sink in a caller, from the call site on.
    fn in_callers(&self, cx: &Context<'_>, func: u32, depth: usize) -> Option<(u32, usize, u32)> {
        if depth >= MAX_CALLER_DEPTH {
            return None;
        }
        for (caller, site) in cx.program.calls.callers(func) {
            let Some(cfg) = cx.program.cfg(caller) else { continue };
            let Some(b) = cfg.block_of(site.instr) else { continue };
            let (hit, returns) = self.search_blocks(cx, caller, cfg, vec![b], Some(site.instr + 1));
            if hit.is_some() {
                return hit;
            }
            if returns {
                if let Some(h) = self.in_callers(cx, caller, depth + 1) {
                    return Some(h);
                }
            }
        }
        None
    }

    /// Breadth-first over the blocks reachable from `starts` (the first one from instruction
    /// `from` on): the first call that reaches a sink, and whether the function's exit is reached.
    fn search_blocks(
        &self,
        cx: &Context<'_>,
        func: u32,
        cfg: &Cfg,
        starts: Vec<BlockId>,
        from: Option<usize>,
    ) -> (Option<(u32, usize, u32)>, bool) {
        let body = cx.module.function(func).map(|f| f.body.as_slice()).unwrap_or(&[]);
        let mut seen = vec![false; cfg.num_blocks()];
        let mut queue: VecDeque<(BlockId, Option<usize>)> = starts.into_iter().map(|b| (b, from)).collect();
        let mut returns = false;
        while let Some((b, from)) = queue.pop_front() {
            if from.is_none() && std::mem::replace(&mut seen[b.index()], true) {
                continue;
            }
            let block = &cfg.graph[b];
            if block.is_exit {
                returns = true;
                continue;
            }
            for i in from.unwrap_or(block.start).max(block.start)..block.end {
                let targets: Vec<u32> = match body.get(i).map(|x| &x.op) {
                    Some(Op::Call(c) | Op::ReturnCall(c)) => vec![*c],
                    Some(Op::CallIndirect { .. } | Op::ReturnCallIndirect { .. }) => {
                        cx.program.calls.targets_at(func, i).to_vec()
                    }
                    _ => continue,
                };
                for t in targets {
                    if is_sink_host(cx, t) {
                        return (Some((func, i, t)), returns);
                    }
                    if self.reaches.get(t as usize).copied().unwrap_or(false) {
                        if let Some(h) = self.first_host(cx, t) {
                            return (Some((func, i, h)), returns);
                        }
                    }
                }
            }
            queue.extend(cfg.successors(b).map(|(s, _)| (s, None)));
        }
        (None, returns)
    }

    /// A sink host function reachable from `func`, for messages.
    fn first_host(&self, cx: &Context<'_>, func: u32) -> Option<u32> {
        let mut seen = BTreeSet::new();
        let mut work = vec![func];
        while let Some(f) = work.pop() {
            if !seen.insert(f) || seen.len() > 4096 {
                continue;
            }
            for (_, targets) in cx.program.calls.call_sites(f) {
                for &t in targets {
                    if is_sink_host(cx, t) {
                        return Some(t);
                    }
                    if self.reaches.get(t as usize).copied().unwrap_or(false) {
                        work.push(t);
                    }
                }
            }
        }
        None
    }
}

/// A host import that writes storage, transfers value or sends an action or call (EOSIO
/// `require_recipient`, which only forwards a notification, does not count).
fn is_sink_host(cx: &Context<'_>, f: u32) -> bool {
    cx.host_fn(f).is_some_and(|h| {
        h.has(Effect::StorageWrite)
            || h.has(Effect::ValueTransfer)
            || (h.has(Effect::ExternalCall) && h.arg("account").is_none())
    })
}
