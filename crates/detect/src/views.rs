//! Read-only entry points an SDK's own convention makes visible in the binary, and the storage
//! writes that SDK makes on its own in them.
//!
//! near-sdk keeps the contract struct under one key (`STATE`, the model's
//! `state_write_back_keys`): the wrapper it generates for a method with a receiver reads the
//! key first and, for a `&mut self` method only, writes the struct back at the end. An export
//! that reads the key and never writes it is therefore a `&self` method: a view, which the
//! runtime runs with storage writes and promises forbidden.

use crate::authz::{host_arg_taint, taint_along};
use crate::storage::{Access, Key};
use crate::Context;
use std::collections::{BTreeSet, VecDeque};
use wasmaudit_platform::Effect;

/// Bytes of a key whose origin is asked: a collection's prefix comes first.
const KEY_WINDOW: i64 = 64;

/// Whether `k` is one of the platform's state write-back keys.
fn is_write_back_key(cx: &Context<'_>, k: &Key) -> bool {
    let Some(model) = cx.model else { return false };
    match k {
        Key::Bytes(b) => model.state_write_back_keys.iter().any(|s| s.as_bytes() == &**b),
        Key::Value(_) | Key::Built(_) => false,
    }
}

/// Entry points that read a state write-back key and write none, itself or through callees
/// (near-sdk `&self` methods), as `(export name, function)`. An entry whose storage summary was
/// cut short is not taken: the write it lost could be the write-back.
pub fn state_views<'a>(cx: &Context<'a>) -> Vec<(&'a str, u32)> {
    if cx.model.is_none_or(|m| m.state_write_back_keys.is_empty()) {
        return Vec::new();
    }
    let storage = cx.storage();
    cx.entry_points()
        .into_iter()
        .filter(|(_, f)| {
            if storage.summary_truncated(*f) {
                return false;
            }
            let mut reads = false;
            for (access, key) in storage.summary(*f) {
                if key.known().is_none_or(|k| !is_write_back_key(cx, k)) {
                    continue;
                }
                match access {
                    Access::Write => return false,
                    Access::Read => reads = true,
                }
            }
            reads
        })
        .collect()
}

/// Whether the storage write host call at `chain[0]` (followed up `chain`, the way from it to
/// an entry point) writes under a key built from stored data: an entry of a collection whose
/// prefix was decoded from the stored state. near-sdk's collections write back the entries
/// their cache holds when the state struct is dropped, so such a write is the collection's
/// own write-back; in a method that never writes the state back it writes only what it read.
pub fn writes_stored_entry(cx: &Context<'_>, chain: &[(u32, usize)]) -> bool {
    let Some(&(func, instr)) = chain.first() else { return false };
    let Some(host) = cx.program.calls.targets_at(func, instr).iter().find_map(|c| cx.host_fn(*c)) else {
        return false;
    };
    let Some(key) = host.arg("key").filter(|_| host.has(Effect::StorageWrite)) else { return false };
    let t = host_arg_taint(cx, func, instr, key, KEY_WINDOW, false);
    taint_along(cx, chain, t, KEY_WINDOW).has(Effect::StorageRead)
}

/// Functions that return the call's result (an `output` host call such as NEAR `value_return`),
/// themselves or through their callees.
pub fn result_returners(cx: &Context<'_>) -> BTreeSet<u32> {
    let mut out: BTreeSet<u32> = BTreeSet::new();
    let mut queue: VecDeque<u32> = cx.host_calls(Effect::Output).iter().map(|c| c.func).collect();
    while let Some(f) = queue.pop_front() {
        if out.insert(f) {
            queue.extend(cx.program.calls.callers(f).iter().map(|(g, _)| *g));
        }
    }
    out
}

/// Whether the step at `chain[0]` (followed up `chain`, the way from it to an entry point) may be
/// followed by the return of the call's result: at some level, a call that returns it can run
/// after the step. near-sdk's wrapper drops the state after it returned the method's result, so
/// what the drop does (a collection writing back its cache) is never followed by it; what the
/// method itself does is, when the method returns a value.
pub fn precedes_result(cx: &Context<'_>, returners: &BTreeSet<u32>, chain: &[(u32, usize)]) -> bool {
    chain.iter().any(|&(func, instr)| {
        let Some(cfg) = cx.program.cfg(func) else { return true };
        cx.program.calls.call_sites(func).iter().any(|(site, targets)| {
            *site != instr
                && targets.iter().any(|t| returners.contains(t) || cx.host_has(*t, Effect::Output))
                && cfg.instr_reaches(instr, *site)
        })
    })
}

/// The instructions of entry point `entry` (its calls, or its own storage host calls) through
/// which a storage write persists (a way from the write to `entry` that
/// [`crate::authz::Walker::paths`] keeps: not rolled back by a trap), each with whether every such
/// way writes under a key built from stored data ([`writes_stored_entry`]): there the entry point
/// only writes back entries of collections it decoded from the stored state. A call that leads
/// to writes but is missing here has none that persists.
pub fn persisting_write_sites(cx: &Context<'_>, entry: u32) -> std::collections::BTreeMap<usize, bool> {
    let w = crate::authz::Walker::new(cx);
    let mut sites: std::collections::BTreeMap<usize, bool> = std::collections::BTreeMap::new();
    for sink in cx.host_calls(Effect::StorageWrite) {
        for path in w.paths(sink.func, sink.instr).into_iter().filter(|p| p.entry == entry) {
            let Some(&(f, site)) = path.chain.last() else { continue };
            if f != entry {
                continue;
            }
            let stored = writes_stored_entry(cx, &path.chain);
            *sites.entry(site).or_insert(true) &= stored;
        }
    }
    sites
}
