//! Guards: which checks protect an instruction.
//!
//! A *guard point* is one of
//! - a conditional branch (`if`, `br_if`, `br_table`) whose condition value carries taint;
//! - an assertion host call (an `abort` effect with a `condition` argument, e.g. EOSIO
//!   `eosio_assert`), labelled by its condition;
//! - a host call that traps unless authorized (`auth-check` effect, no result, e.g.
//!   `require_auth`), labelled `auth-check` plus what it was asked to check;
//! - a call to a function that returns only after its own guards passed (an `only_owner()`
//!   helper), labelled by those guards ([`Guards::exit_labels`]); for an indirect call, the
//!   guards every function it can reach has passed;
//! - a branch on the verdict of a function that reports its check instead of trapping
//!   (`only_owner() -> Result<(), Error>` followed by `?`): the function has a branch on the
//!   caller's identity (or an authorization, the origin, a signature) both of whose sides return
//!   ([`Guards::verdict_labels`]), and the branch's condition is computed from that call's result
//!   or from memory the call was given (the `Result` written through an out-pointer); it gets
//!   those labels.
//!
//! A guard point *protects* instruction `s` when it dominates `s` and, for a branch, `s` is
//! control dependent on it: some side of the branch traps or cannot reach `s`. Traps are blocks
//! that end in `unreachable`, call an aborting host function (or an assertion with the constant
//! condition 0) or a function that never returns, or only lead to such blocks.

use crate::taint::{label, Taint};
use crate::Context;
use wasmaudit_flow::consts::{Addr, Base};
use wasmaudit_flow::values::{ValueDef, ValueId};
use wasmaudit_flow::{BlockId, Cfg};
use wasmaudit_front::Op;
use wasmaudit_platform::Effect;

const MAX_ROUNDS: usize = 8;
/// Labels a function's verdict can carry to its callers.
const VERDICT: u32 = label(Effect::CallerId)
    | label(Effect::AuthCheck)
    | label(Effect::OriginId)
    | label(Effect::SignatureVerify);
/// Steps a branch condition is followed back to the verdict it tests.
const VERDICT_DEPTH: u32 = 6;
/// Levels of calls below a function searched for the host call its verdict reports on.
const VERDICT_READ_DEPTH: u32 = 2;
/// Bytes from an out-pointer a verdict (a `Result` discriminant) is read within.
const VERDICT_OUT_BYTES: i64 = 16;

#[derive(Debug, Clone, Copy)]
pub struct GuardPoint {
    pub instr: usize,
    pub taint: Taint,
    /// Branches must also make the protected instruction control dependent on them.
    pub is_branch: bool,
}

#[derive(Debug, Default)]
pub struct Guards {
    /// Per function: whether it never returns normally.
    pub never_returns: Vec<bool>,
    /// Per function, per block: the block always ends in a trap.
    traps: Vec<Vec<bool>>,
    /// Per function: its guard points.
    points: Vec<Vec<GuardPoint>>,
    /// Per function: labels of the guards every normal return has passed.
    pub exit_labels: Vec<u32>,
    /// Per function: labels (identity, authorization, origin, signature) of its branches whose
    /// both sides return normally: what the function's result reports on.
    pub verdict_labels: Vec<u32>,
    /// Per function, per block: labels of the non-branch guards every path from the entry to
    /// the block has passed (empty when the function has none).
    must_in: Vec<Vec<u32>>,
}

impl Guards {
    pub fn compute(cx: &Context<'_>) -> Guards {
        let n = cx.module.functions.len();
        let mut g = Guards {
            never_returns: vec![false; n],
            traps: vec![Vec::new(); n],
            points: vec![Vec::new(); n],
            exit_labels: vec![0; n],
            verdict_labels: vec![0; n],
            must_in: vec![Vec::new(); n],
        };
        // A function's facts depend on its own code and on what its callees report (whether they
        // return, their exit and verdict labels): callees first, and a function is analyzed
        // again only when one of those changed.
        let order = crate::taint::callees_first(cx);
        let mut dirty = vec![true; n];
        for _ in 0..MAX_ROUNDS {
            let mut changed = false;
            for &f in &order {
                let fi = f as usize;
                if !dirty.get(fi).copied().unwrap_or(false) {
                    continue;
                }
                dirty[fi] = false;
                let Some(cfg) = cx.program.cfg(f) else { continue };
                let traps = g.trapping_blocks(cx, f, cfg);
                let never =
                    traps.get(cfg.entry.index()).copied().unwrap_or(false) || !cfg.is_reachable(cfg.exit);
                let mut reported = never != g.never_returns[fi];
                g.never_returns[fi] = never;
                g.traps[fi] = traps;
                g.points[fi] = g.guard_points(cx, f);
                g.must_in[fi] = g.passed_on_every_path(cx, f, cfg);
                let labels = g.labels_protecting_block(cx, f, cfg, cfg.exit, None);
                reported |= labels != g.exit_labels[fi];
                g.exit_labels[fi] = labels;
                let verdict = g.verdict_of(cx, f, cfg);
                reported |= verdict != g.verdict_labels[fi];
                g.verdict_labels[fi] = verdict;
                if reported {
                    changed = true;
                    for (caller, _) in cx.program.calls.callers(f) {
                        if let Some(d) = dirty.get_mut(caller as usize) {
                            *d = true;
                        }
                    }
                }
            }
            if !changed {
                break;
            }
        }
        g
    }

    fn call_traps(&self, cx: &Context<'_>, callee: u32) -> bool {
        match cx.host_fn(callee) {
            Some(h) => h.has(Effect::Abort) && h.arg("condition").is_none(),
            None => self.never_returns.get(callee as usize).copied().unwrap_or(false),
        }
    }

    /// Whether instruction `i` of `func` (a call) never returns: a call that traps, or an
    /// assertion whose condition is the constant 0 (`if (!ok) eosio_assert(false, msg)`, the
    /// way eosio-cpp compiles `check`).
    fn instr_traps(&self, cx: &Context<'_>, func: u32, i: usize, op: &Op) -> bool {
        let Op::Call(c) = *op else { return false };
        if self.call_traps(cx, c) {
            return true;
        }
        let Some(cond) = cx.host_fn(c).filter(|h| h.has(Effect::Abort)).and_then(|h| h.arg("condition"))
        else {
            return false;
        };
        let arg = cx.program.values(func).and_then(|v| v.operands(i).get(cond as usize).copied());
        arg.zip(cx.evaluator(func)).is_some_and(|(a, ev)| ev.constant(a) == Some(0))
    }

    fn trapping_blocks(&self, cx: &Context<'_>, func: u32, cfg: &Cfg) -> Vec<bool> {
        let body = cx.module.function(func).map(|f| f.body.as_slice()).unwrap_or(&[]);
        let n = cfg.num_blocks();
        let mut traps = vec![false; n];
        for (b, block) in cfg.blocks() {
            if block.is_exit {
                continue;
            }
            let instrs = body.get(block.start..block.end).unwrap_or(&[]);
            let calls_trap =
                instrs.iter().enumerate().any(|(k, i)| self.instr_traps(cx, func, block.start + k, &i.op));
            let ends_in_trap =
                instrs.last().is_some_and(|i| i.op == Op::Unreachable) && cfg.successors(b).next().is_none();
            traps[b.index()] = calls_trap || ends_in_trap;
        }
        // A block whose every successor traps traps too. Blocks are numbered in code order, so
        // going backwards settles most of them in one pass.
        let blocks: Vec<_> = cfg.blocks().collect();
        loop {
            let mut changed = false;
            for &(b, block) in blocks.iter().rev() {
                if traps[b.index()] || block.is_exit {
                    continue;
                }
                let mut succ = cfg.successors(b).peekable();
                if succ.peek().is_some() && succ.all(|(s, _)| traps[s.index()]) {
                    traps[b.index()] = true;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        traps
    }

    fn guard_points(&self, cx: &Context<'_>, func: u32) -> Vec<GuardPoint> {
        let (Some(f), Some(values)) = (cx.module.function(func), cx.program.values(func)) else {
            return Vec::new();
        };
        let ft = cx.dataflow().funcs.get(func as usize);
        // A test of the attached value (a non-payable method rejecting a deposit, a minimum
        // payment) says nothing about who may call: the call-value label is not a guard's.
        let taint = |v: u32| {
            let mut t = ft.map(|t| t.value(v)).unwrap_or_default();
            t.labels &= !label(Effect::CallValue);
            t
        };
        let mut out = Vec::new();
        let mut verdicts: Option<VerdictCalls> = None;
        for (i, ins) in f.body.iter().enumerate() {
            let ops = values.operands(i);
            match ins.op {
                Op::If(_) | Op::BrIf(_) | Op::BrTable { .. } => {
                    if let Some(&c) = ops.last() {
                        let mut t = taint(c);
                        let calls = verdicts.get_or_insert_with(|| self.verdict_calls(cx, func));
                        t.labels |= Self::verdict_reaching(cx, func, calls, c);
                        if !t.is_empty() {
                            out.push(GuardPoint { instr: i, taint: t, is_branch: true });
                        }
                    }
                }
                Op::Call(c) => {
                    if let Some(h) = cx.host_fn(c) {
                        if let Some(cond) = h.arg("condition").filter(|_| h.has(Effect::Abort)) {
                            if let Some(&v) = ops.get(cond as usize) {
                                out.push(GuardPoint { instr: i, taint: taint(v), is_branch: false });
                            }
                        } else if h.has(Effect::AuthCheck)
                            && (cx.module.func_sig(c).is_some_and(|s| s.results.is_empty())
                                || results_unused(f, values, i))
                        {
                            let mut t = Taint::of(label(Effect::AuthCheck));
                            for a in ops {
                                t.join(taint(*a));
                            }
                            out.push(GuardPoint { instr: i, taint: t, is_branch: false });
                        }
                    } else if let Some(&labels) = self.exit_labels.get(c as usize).filter(|l| **l != 0) {
                        out.push(GuardPoint { instr: i, taint: Taint::of(labels), is_branch: false });
                    }
                }
                Op::CallIndirect { .. } => {
                    // Every function the table can hold here returns only after its guards (the
                    // action methods an EOSIO `execute_action` calls through a pointer to member):
                    // the guards all of them share protect what follows.
                    let labels = self.labels_of_every_target(cx.program.calls.targets_at(func, i));
                    if labels != 0 {
                        out.push(GuardPoint { instr: i, taint: Taint::of(labels), is_branch: false });
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// Labels of the branches of `func` that choose between two normal returns: both sides of
    /// the branch reach the exit without trapping, so the function reports its check in its
    /// result instead of enforcing it. Only identity, authorization, origin and signature labels
    /// count: those are the checks a caller acts on.
    fn verdict_of(&self, cx: &Context<'_>, func: u32, cfg: &Cfg) -> u32 {
        let traps = self.traps.get(func as usize).map(Vec::as_slice).unwrap_or(&[]);
        let mut labels = 0;
        for p in self.points(func).iter().filter(|p| p.is_branch && p.taint.labels & VERDICT != 0) {
            let Some(pb) = cfg.block_of(p.instr) else { continue };
            let mut returning = 0;
            for (succ, _) in cfg.successors(pb) {
                if !traps.get(succ.index()).copied().unwrap_or(false) && cfg.reaches(succ, cfg.exit) {
                    returning += 1;
                }
            }
            if returning >= 2 {
                labels |= p.taint.labels & VERDICT;
            }
        }
        if labels == 0 {
            return 0;
        }
        // The function must read what it reports on itself (the caller's identity, the origin,
        // a signature verdict) in its own call tree: labels that reached its branches only
        // through memory it shares with its callers are not its check.
        labels & sources_read(cx, func, VERDICT_READ_DEPTH)
    }

    /// The calls of `func` whose every target reports a verdict, with those labels, and the
    /// pointers handed to them (where an out-parameter verdict is read back): found once per
    /// function, before its branches are looked at.
    fn verdict_calls(&self, cx: &Context<'_>, func: u32) -> VerdictCalls {
        let sites: Vec<(usize, u32)> = cx
            .program
            .calls
            .call_sites(func)
            .iter()
            .map(|(site, targets)| (*site, every_target(&self.verdict_labels, targets)))
            .filter(|(_, l)| *l != 0)
            .collect();
        let out_ptrs = match (cx.program.values(func), cx.evaluator(func)) {
            (Some(values), Some(ev)) if !sites.is_empty() => sites
                .iter()
                .flat_map(|&(site, l)| values.operands(site).iter().map(move |a| (site, *a, l)))
                .map(|(site, a, l)| (site, ev.address(a, 0), l))
                .filter(|(_, a, _)| matches!(a.base, Base::Value(_)))
                .collect(),
            _ => Vec::new(),
        };
        VerdictCalls { sites, out_ptrs }
    }

    /// Verdict labels of the calls in `func` (`calls`) that the value `v` is computed from: a
    /// result of the call, or a load from memory the call was handed a pointer into (an
    /// out-parameter), followed back through arithmetic, comparisons, conversions, loads and phis
    /// a few steps.
    fn verdict_reaching(cx: &Context<'_>, func: u32, calls: &VerdictCalls, v: ValueId) -> u32 {
        if calls.sites.is_empty() {
            return 0;
        }
        let (Some(values), Some(ev), Some(f)) =
            (cx.program.values(func), cx.evaluator(func), cx.module.function(func))
        else {
            return 0;
        };
        let sites = &calls.sites;
        let mut labels = 0;
        let mut stack = vec![(v, 0u32)];
        let mut seen = std::collections::BTreeSet::new();
        while let Some((v, depth)) = stack.pop() {
            if !seen.insert(v) || depth > VERDICT_DEPTH {
                continue;
            }
            match values.def(v) {
                ValueDef::Result { instr, .. } => {
                    if let Some(&(_, l)) = sites.iter().find(|(s, _)| s == instr) {
                        labels |= l;
                        continue;
                    }
                    match f.body.get(*instr).map(|i| &i.op) {
                        Some(Op::Load { .. }) => {
                            if let Some(addr) = ev.mem_address(*instr) {
                                for (site, p, l) in &calls.out_ptrs {
                                    let within = addr.base == p.base
                                        && (0..VERDICT_OUT_BYTES)
                                            .contains(&addr.offset.wrapping_sub(p.offset));
                                    if within && *site < *instr {
                                        labels |= l;
                                    }
                                }
                            }
                        }
                        Some(
                            Op::Unary(..) | Op::Binary(..) | Op::Compare(..) | Op::Convert(_) | Op::Select,
                        ) => {
                            stack.extend(values.operands(*instr).iter().map(|o| (*o, depth + 1)));
                        }
                        _ => {}
                    }
                }
                ValueDef::Phi { operands, .. } => stack.extend(operands.iter().map(|o| (*o, depth + 1))),
                _ => {}
            }
        }
        labels
    }

    /// Per block of `func`: labels of the non-branch guards (assertions, authorization calls,
    /// calls of guarded helpers) that every path from the entry to the block passes. Finds a
    /// check the compiler duplicated into both arms of a branch (`check(from != to);
    /// require_auth(from)` with `require_auth` copied after the failing assertion too), which
    /// no single call dominates.
    /// A block ending in a trap of its own (an aborting host call, a call that never returns)
    /// passes every guard: nothing after it runs.
    fn passed_on_every_path(&self, cx: &Context<'_>, func: u32, cfg: &Cfg) -> Vec<u32> {
        let points = self.points(func);
        if !points.iter().any(|p| !p.is_branch && p.taint.labels != 0) {
            return Vec::new();
        }
        let n = cfg.num_blocks();
        let mut gen = vec![0u32; n];
        for p in points.iter().filter(|p| !p.is_branch) {
            if let Some(b) = cfg.block_of(p.instr) {
                gen[b.index()] |= p.taint.labels;
            }
        }
        let body = cx.module.function(func).map(|f| f.body.as_slice()).unwrap_or(&[]);
        for (b, block) in cfg.blocks() {
            let instrs = body.get(block.start..block.end).unwrap_or(&[]);
            if instrs.iter().enumerate().any(|(k, i)| self.instr_traps(cx, func, block.start + k, &i.op)) {
                gen[b.index()] = u32::MAX;
            }
        }
        // A must-analysis: start from "every label" and intersect over predecessors.
        let mut ins = vec![u32::MAX; n];
        ins[cfg.entry.index()] = 0;
        loop {
            let mut changed = false;
            for (b, _) in cfg.blocks() {
                if b == cfg.entry {
                    continue;
                }
                let mut acc = u32::MAX;
                for (p, _) in cfg.predecessors(b) {
                    acc &= ins[p.index()] | gen[p.index()];
                }
                if acc != ins[b.index()] {
                    ins[b.index()] = acc;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        // Dead code stays unprotected, as dominance leaves it.
        for (b, _) in cfg.blocks() {
            if !cfg.is_reachable(b) {
                ins[b.index()] = 0;
            }
        }
        ins
    }

    /// Labels of the guards every one of `targets` has passed when it returns (none for no
    /// target: an unresolved indirect call).
    fn labels_of_every_target(&self, targets: &[u32]) -> u32 {
        every_target(&self.exit_labels, targets)
    }

    /// Labels of the guard points of `func` that protect block `target` (or, with `instr`, that
    /// instruction within it).
    fn labels_protecting_block(
        &self,
        cx: &Context<'_>,
        func: u32,
        cfg: &Cfg,
        target: BlockId,
        instr: Option<usize>,
    ) -> u32 {
        let _ = cx;
        let Some(points) = self.points.get(func as usize) else { return 0 };
        let traps = self.traps.get(func as usize).map(Vec::as_slice).unwrap_or(&[]);
        let mut labels =
            self.must_in.get(func as usize).and_then(|m| m.get(target.index())).copied().unwrap_or(0);
        for p in points {
            let Some(pb) = cfg.block_of(p.instr) else { continue };
            let dominates = match instr {
                Some(s) => p.instr != s && cfg.dominates(p.instr, s),
                None => cfg.block_dominates(pb, target),
            };
            if !dominates {
                continue;
            }
            if p.is_branch {
                let decides = cfg.successors(pb).any(|(succ, _)| {
                    traps.get(succ.index()).copied().unwrap_or(false) || !cfg.reaches(succ, target)
                });
                if !decides {
                    continue;
                }
            }
            labels |= p.taint.labels;
        }
        labels
    }

    /// Labels of every guard protecting instruction `instr` of `func`.
    pub fn labels_protecting(&self, cx: &Context<'_>, func: u32, instr: usize) -> u32 {
        let Some(cfg) = cx.program.cfg(func) else { return 0 };
        let Some(b) = cfg.block_of(instr) else { return 0 };
        self.labels_protecting_block(cx, func, cfg, b, Some(instr))
    }

    pub fn points(&self, func: u32) -> &[GuardPoint] {
        self.points.get(func as usize).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Whether the check at instruction `point` of `func` protects instruction `instr`: it
    /// dominates it and, for a branch (`is_branch`), some side of the branch traps or cannot
    /// reach `instr`. For checks whose condition the taint labels do not describe (a flag read
    /// from a particular storage key, a reentrancy query).
    pub fn decides(&self, cx: &Context<'_>, func: u32, point: usize, is_branch: bool, instr: usize) -> bool {
        let Some(cfg) = cx.program.cfg(func) else { return false };
        let (Some(pb), Some(target)) = (cfg.block_of(point), cfg.block_of(instr)) else { return false };
        if point == instr || !cfg.dominates(point, instr) {
            return false;
        }
        if !is_branch {
            return true;
        }
        let traps = self.traps.get(func as usize).map(Vec::as_slice).unwrap_or(&[]);
        cfg.successors(pb)
            .any(|(succ, _)| traps.get(succ.index()).copied().unwrap_or(false) || !cfg.reaches(succ, target))
    }

    /// Whether block `b` of `func` always ends in a trap.
    pub fn traps(&self, func: u32, b: wasmaudit_flow::BlockId) -> bool {
        self.traps.get(func as usize).and_then(|t| t.get(b.index())).copied().unwrap_or(false)
    }
}

/// The labels `per_function` gives every one of `targets` (none for no target).
fn every_target(per_function: &[u32], targets: &[u32]) -> u32 {
    let mut it = targets.iter().map(|t| per_function.get(*t as usize).copied().unwrap_or(0));
    let first = it.next().unwrap_or(0);
    it.fold(first, |acc, l| acc & l)
}

/// Calls of one function whose result reports a verdict ([`Guards::verdict_calls`]).
struct VerdictCalls {
    /// Call site and the labels every target's verdict carries.
    sites: Vec<(usize, u32)>,
    /// Pointers handed to those calls: call site, the address, the labels.
    out_ptrs: Vec<(usize, Addr, u32)>,
}

/// Labels of the host sources (`caller-id`, `auth-check`, ...) called by `func` or by a function
/// it calls, up to `depth` levels down.
fn sources_read(cx: &Context<'_>, func: u32, depth: u32) -> u32 {
    let mut labels = 0;
    let mut frontier = vec![func];
    let mut seen = std::collections::BTreeSet::new();
    for level in 0..=depth {
        let mut next = Vec::new();
        for f in frontier {
            if !seen.insert(f) {
                continue;
            }
            for (_, targets) in cx.program.calls.call_sites(f) {
                for &t in targets.iter() {
                    match cx.host_fn(t) {
                        Some(h) => labels |= crate::taint::host_labels(h),
                        None if level < depth => next.push(t),
                        None => {}
                    }
                }
            }
        }
        frontier = next;
    }
    labels
}

/// Whether the results of instruction `instr` are only dropped: an authorization host call whose
/// verdict is ignored (Soroban `require_auth` returns `Void`) can only protect by trapping.
fn results_unused(
    f: &wasmaudit_front::Function,
    values: &wasmaudit_flow::FunctionValues,
    instr: usize,
) -> bool {
    let results = values.results(instr);
    f.body.iter().enumerate().skip(instr + 1).all(|(i, ins)| {
        matches!(ins.op, Op::Drop | Op::LocalGet(_) | Op::LocalSet(_) | Op::LocalTee(_))
            || !values.operands(i).iter().any(|v| results.contains(v))
    })
}

/// Conditional branches and assertions of `func`, whatever their condition carries: (instruction,
/// is a branch, condition value). For checks the taint labels do not describe (a version or
/// flag read from a particular storage key).
pub fn conditions(cx: &Context<'_>, func: u32) -> Vec<Condition> {
    let memo = cx.memo(|cx| Conditions(std::cell::RefCell::new(vec![None; cx.module.functions.len()])));
    if let Some(Some(found)) = memo.0.borrow().get(func as usize) {
        return found.clone();
    }
    let found = find_conditions(cx, func);
    if let Some(slot) = memo.0.borrow_mut().get_mut(func as usize) {
        *slot = Some(found.clone());
    }
    found
}

/// A conditional branch or assertion: (instruction, is a branch, condition value).
pub type Condition = (usize, bool, ValueId);

/// Per function, its [`conditions`] once found: several detectors ask for those of every
/// function.
struct Conditions(std::cell::RefCell<Vec<Option<Vec<Condition>>>>);

/// Finds the [`conditions`] of `func`.
fn find_conditions(cx: &Context<'_>, func: u32) -> Vec<Condition> {
    let (Some(values), Some(f)) = (cx.program.values(func), cx.module.function(func)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, ins) in f.body.iter().enumerate() {
        let ops = values.operands(i);
        match ins.op {
            Op::If(_) | Op::BrIf(_) | Op::BrTable { .. } => {
                if let Some(&c) = ops.last() {
                    out.push((i, true, c));
                }
            }
            Op::Call(c) => {
                let cond = cx
                    .host_fn(c)
                    .filter(|h| h.has(Effect::Abort))
                    .and_then(|h| h.arg("condition"))
                    .and_then(|a| ops.get(a as usize).copied());
                if let Some(v) = cond {
                    out.push((i, false, v));
                }
            }
            _ => {}
        }
    }
    out
}
