//! Guard queries shared by detectors: is a sink protected by a check of who is calling?
//!
//! A *check* is a call that returns only when authorization holds: a host import with the
//! `auth-check` effect and no result (EOSIO `require_auth`, Soroban `require_auth`), or a
//! function that performs such a check on every path to its return (an `only_owner()` helper).
//! A *conditional check* is a read of an identity or authorization value (a host import with
//! `caller-id` or `auth-check` that returns a value, or a function that performs one) followed by
//! a conditional branch or an aborting host call before the sink.
//!
//! A sink at instruction `i` of function `f` is guarded when a check dominates `i` in `f`, or a
//! conditional check dominates a branch that dominates `i`; failing that, when every call site of
//! `f` is itself guarded (recursively, up to the exported entry points).

use crate::Context;
use std::collections::BTreeSet;
use wasmaudit_front::Op;
use wasmaudit_platform::Effect;

/// Bottom-up facts per function index.
#[derive(Debug, Default)]
pub struct Summaries {
    /// Returns only after an authorization check succeeded.
    pub must_check_auth: Vec<bool>,
    /// Reads the caller identity or an authorization result somewhere (transitively).
    pub reads_identity: Vec<bool>,
}

impl Summaries {
    pub(crate) fn compute(cx: &Context<'_>) -> Summaries {
        let n = cx.module.functions.len();
        let mut s = Summaries { must_check_auth: vec![false; n], reads_identity: vec![false; n] };
        // Both facts only grow; iterate to a fixed point (bounded by the number of functions).
        for _round in 0..n.max(1) {
            let mut changed = false;
            for f in cx.module.functions.iter().filter(|f| !f.is_import()) {
                let i = f.index as usize;
                if !s.reads_identity[i] && cx.direct_calls(f.index).any(|(_, c)| s.is_identity_read(cx, c)) {
                    s.reads_identity[i] = true;
                    changed = true;
                }
                if !s.must_check_auth[i] && s.checks_before_exit(cx, f.index) {
                    s.must_check_auth[i] = true;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        s
    }

    /// A call to `callee` returns only after authorization succeeded.
    fn is_check(&self, cx: &Context<'_>, callee: u32) -> bool {
        match cx.host_fn(callee) {
            Some(h) => h.has(Effect::AuthCheck) && returns_nothing(cx, callee),
            None => self.must_check_auth.get(callee as usize).copied().unwrap_or(false),
        }
    }

    /// A call to `callee` yields an identity or authorization value to compare.
    fn is_identity_read(&self, cx: &Context<'_>, callee: u32) -> bool {
        match cx.host_fn(callee) {
            Some(h) => h.has(Effect::CallerId) || (h.has(Effect::AuthCheck) && !returns_nothing(cx, callee)),
            None => self.reads_identity.get(callee as usize).copied().unwrap_or(false),
        }
    }

    fn checks_before_exit(&self, cx: &Context<'_>, func: u32) -> bool {
        let Some(cfg) = cx.program.cfg(func) else { return false };
        local_guard(
            self,
            cx,
            func,
            |i| cfg.block_of(i).is_some_and(|b| cfg.block_dominates(b, cfg.exit)),
            None,
        )
    }
}

fn returns_nothing(cx: &Context<'_>, func: u32) -> bool {
    cx.module.func_sig(func).is_none_or(|s| s.results.is_empty())
}

fn is_conditional(cx: &Context<'_>, op: &Op) -> bool {
    match op {
        Op::If(_) | Op::BrIf(_) | Op::BrTable { .. } | Op::Select => true,
        Op::Call(c) => cx.host_has(*c, Effect::Abort),
        _ => false,
    }
}

/// Whether some check in `func` dominates the sink, where `dominates_sink` tells whether an
/// instruction index dominates it; `sink` itself (when it is an instruction) is not its own guard.
fn local_guard(
    s: &Summaries,
    cx: &Context<'_>,
    func: u32,
    dominates_sink: impl Fn(usize) -> bool,
    sink: Option<usize>,
) -> bool {
    let Some(cfg) = cx.program.cfg(func) else { return false };
    let Some(f) = cx.module.function(func) else { return false };
    let before = |i: usize| sink.is_none_or(|s| i != s);
    let mut identity_reads = Vec::new();
    for (i, ins) in f.body.iter().enumerate() {
        if let Op::Call(c) = ins.op {
            if before(i) && dominates_sink(i) && s.is_check(cx, c) {
                return true;
            }
            if s.is_identity_read(cx, c) {
                identity_reads.push(i);
            }
        }
    }
    if identity_reads.is_empty() {
        return false;
    }
    f.body.iter().enumerate().any(|(k, ins)| {
        before(k)
            && is_conditional(cx, &ins.op)
            && dominates_sink(k)
            && identity_reads.iter().any(|&r| r != k && cfg.dominates(r, k))
    })
}

/// Whether the sink at instruction `instr` of `func` is guarded on every path from an entry point.
pub fn is_guarded(cx: &Context<'_>, func: u32, instr: usize) -> bool {
    unguarded_entry(cx, func, instr).is_none()
}

/// An entry point from which the sink at `instr` of `func` is reachable with no guard, if any:
/// returns the exported function index.
pub fn unguarded_entry(cx: &Context<'_>, func: u32, instr: usize) -> Option<u32> {
    let mut visiting = BTreeSet::new();
    unguarded_entry_rec(cx, func, instr, &mut visiting, 0)
}

const MAX_CALL_DEPTH: usize = 32;

fn unguarded_entry_rec(
    cx: &Context<'_>,
    func: u32,
    instr: usize,
    visiting: &mut BTreeSet<u32>,
    depth: usize,
) -> Option<u32> {
    let cfg = cx.program.cfg(func)?;
    let guarded_here = local_guard(&cx.summaries, cx, func, |i| cfg.dominates(i, instr), Some(instr));
    if guarded_here {
        return None;
    }
    if cx.program.calls.roots.binary_search(&func).is_ok() {
        return Some(func);
    }
    if depth >= MAX_CALL_DEPTH || !visiting.insert(func) {
        // A cycle or a very deep chain: the entry point on the path is reported by another caller.
        return None;
    }
    let mut found = None;
    for (caller, site) in cx.program.calls.callers(func) {
        if let Some(entry) = unguarded_entry_rec(cx, caller, site.instr, visiting, depth + 1) {
            found = Some(entry);
            break;
        }
    }
    visiting.remove(&func);
    found
}

/// A host call with effect `e` reachable from an entry point with no guard, with that entry
/// point's export name.
pub struct UnguardedSink<'a> {
    pub call: crate::HostCall,
    pub entry: &'a str,
}

/// Every host call with effect `e` that some entry point reaches unguarded.
pub fn unguarded_sinks<'a>(cx: &Context<'a>, e: Effect) -> Vec<UnguardedSink<'a>> {
    let entries = cx.entry_points();
    cx.host_calls(e)
        .into_iter()
        .filter_map(|call| {
            let root = unguarded_entry(cx, call.func, call.instr)?;
            let entry = entries.iter().find(|(_, f)| *f == root).map(|(n, _)| *n).unwrap_or("start");
            Some(UnguardedSink { call, entry })
        })
        .collect()
}

/// Findings for [`unguarded_sinks`] of effect `e`, worded as "`host` {what} and entry point ...".
pub fn unguarded_sink_findings(
    cx: &Context<'_>,
    e: Effect,
    meta: &'static crate::DetectorMeta,
    what: &str,
) -> Vec<crate::Finding> {
    unguarded_sinks(cx, e)
        .into_iter()
        .map(|sink| crate::Finding {
            detector: meta,
            function: sink.call.func,
            instr: sink.call.instr,
            offset: cx.offset_of(sink.call.func, sink.call.instr),
            message: format!(
                "`{}` {what} and entry point `{}` reaches it with no authorization check before it",
                cx.func_name(sink.call.callee),
                sink.entry
            ),
        })
        .collect()
}
