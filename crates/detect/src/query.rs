//! Queries shared by detectors, built on the taint and guard facts.
//!
//! [`unguarded_entry`] answers "can an entry point reach this sink without passing a check of
//! who is calling?": the sink is protected when a guard whose condition carries one of the
//! required labels (by default [`IDENTITY`]: the caller's identity or an authorization verdict)
//! protects it in its function (see [`crate::guards`]); failing that, when every call site of
//! its function is protected, recursively up to the exported entry points.

use crate::taint::IDENTITY;
use crate::{Context, Finding, HostCall};
use std::collections::BTreeSet;
use wasmaudit_platform::Effect;

const MAX_CALL_DEPTH: usize = 32;

/// Whether the sink at `instr` of `func` is protected by a guard carrying `required` labels on
/// every path from an entry point.
pub fn is_guarded(cx: &Context<'_>, func: u32, instr: usize, required: u32) -> bool {
    unguarded_entry(cx, func, instr, required).is_none()
}

/// An exported function from which the sink at `instr` of `func` is reachable with no guard
/// carrying `required` labels, if any.
pub fn unguarded_entry(cx: &Context<'_>, func: u32, instr: usize, required: u32) -> Option<u32> {
    let mut visiting = BTreeSet::new();
    unguarded_entry_rec(cx, func, instr, required, &mut visiting, 0)
}

fn unguarded_entry_rec(
    cx: &Context<'_>,
    func: u32,
    instr: usize,
    required: u32,
    visiting: &mut BTreeSet<u32>,
    depth: usize,
) -> Option<u32> {
    if cx.guards().labels_protecting(cx, func, instr) & required != 0 {
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
        if let Some(entry) = unguarded_entry_rec(cx, caller, site.instr, required, visiting, depth + 1) {
            found = Some(entry);
            break;
        }
    }
    visiting.remove(&func);
    found
}

/// A host call with some effect reachable from an entry point with no guard, with that entry
/// point's export name.
pub struct UnguardedSink<'a> {
    pub call: HostCall,
    pub entry: &'a str,
}

/// Every host call with effect `e` that some entry point reaches with no identity guard.
pub fn unguarded_sinks<'a>(cx: &Context<'a>, e: Effect) -> Vec<UnguardedSink<'a>> {
    let entries = cx.entry_points();
    cx.host_calls(e)
        .into_iter()
        .filter_map(|call| {
            let root = unguarded_entry(cx, call.func, call.instr, IDENTITY)?;
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
) -> Vec<Finding> {
    unguarded_sinks(cx, e)
        .into_iter()
        .map(|sink| Finding {
            detector: meta,
            impact: meta.impact,
            function: sink.call.func,
            instr: sink.call.instr,
            offset: cx.offset_of(sink.call.func, sink.call.instr),
            message: format!(
                "`{}` {what} and entry point `{}` reaches it with no check of the caller before it",
                cx.host_display_name(sink.call.callee),
                sink.entry
            ),
            confidence: meta.confidence,
            way: Vec::new(),
        })
        .collect()
}
