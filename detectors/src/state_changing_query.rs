use std::collections::{BTreeMap, VecDeque};
use wasmaudit_detect::authz::Walker;
use wasmaudit_detect::views::{self, precedes_result, result_returners, writes_stored_entry};
use wasmaudit_detect::{
    Class, Confidence, Context, Detector, DetectorMeta, Docs, Finding, FindingSet, Impact,
};
use wasmaudit_platform::Effect;

pub struct StateChangingQuery;

pub static META: DetectorMeta = DetectorMeta {
    id: "WA601",
    name: "state-changing-query",
    class: Class::StateChangingQuery,
    impact: Impact::Medium,
    confidence: Confidence::Medium,
    summary: "A read-only entry point (CosmWasm `query`, a NEAR standard view or `&self` method) \
        reaches a host call that writes storage, calls out or transfers value",
    docs: Docs {
        what_it_does: "Takes the entry points the platform model declares read-only (`view_exports`: \
            CosmWasm `query`; on NEAR the view methods the NEAR standards define, such as NEP-141 \
            `ft_balance_of` and NEP-171 `nft_token`) and follows the call graph from each one. Every host call with the \
            `storage-write`, `external-call` or `value-transfer` effect that is reachable is \
            reported at the call instruction, with the call chain from the entry point. Host \
            imports the model marks as read-only themselves (`view_allowed_imports`: CosmWasm \
            `query_chain`, which queries another contract) are not sinks. Only direct calls are \
            followed, plus `call_indirect` sites whose type-resolved target set has exactly one \
            function (a devirtualisable trait-object call): a `call_indirect` that could reach \
            several functions of the same signature is not followed, because `query` and \
            `execute` share helpers and table dispatch would connect them. On NEAR a `&self` \
            method is a view too, and visible in the binary: near-sdk keeps the contract struct \
            under one key (`STATE`, the model's `state_write_back_keys`) and writes it back after \
            every `&mut self` method, never after a `&self` one, so an export that reads that key \
            and never writes it is a `&self` method. In such a method a storage write on a way from \
            it is reported at the entry point's call that leads to it when the method's result \
            (`value_return`) can still be returned after it: the generated wrapper drops the state \
            after returning the result, and the drop is where collections write back their caches \
            (unchanged in a `&self` method); writes under a key built from stored data (a \
            collection's prefix decoded from the state) are not reported either. Promises are not reported there: a `&self` method that schedules one \
            (an upgrade, a payout) is meant to be called as a transaction.",
        why_bad: "Queries are served by a single node outside consensus, through RPC, for free. \
            CosmWasm runs `query` with read-only storage, so a write aborts the query: every \
            caller of that query (front ends, other contracts through `query_chain`, indexers) \
            fails, and a contract that expects it to succeed stops working. On platforms where a \
            view is not enforced, the write would diverge the serving node's state. Either way \
            the data-query requirement, that queries do not change state, is broken.",
        exploit_scenario: "A lending contract's `query` for a position calls a shared \
            `load_config` helper that writes a default config when none is stored. After a \
            migration clears the config, every `query_chain` from the liquidation bot aborts \
            with a write-access error; positions can no longer be priced, liquidations stop, and \
            an attacker borrows against collateral that has already crashed.",
        recommendation: "Keep query paths read-only: split helpers into a read part used by \
            `query` and a write part used by `execute`/`instantiate`, initialise defaults at \
            instantiation or migration, and never send messages or transfer funds while \
            answering a query.",
        known_false_positives: "Reachability is path-insensitive: a write guarded by a branch \
            that is never taken in a query (a helper with a `write` flag the query passes as \
            false) is reported. A write reached only through a multi-target `call_indirect` is \
            not reported (false negative). Read-only entry points that are not visible in the binary \
            (NEAR views written without a receiver or over state kept outside `STATE`, \
            MultiversX views, ink! `&self` messages) are not checked; neither is a write in a \
            NEAR `&self` method that returns no value, or whose key the method builds from a \
            stored value.",
    },
    platforms: &[],
};

const SINK_EFFECTS: [Effect; 3] = [Effect::StorageWrite, Effect::ExternalCall, Effect::ValueTransfer];

impl Detector for StateChangingQuery {
    fn meta(&self) -> &'static DetectorMeta {
        &META
    }

    fn run(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let Some(model) = cx.model else { return };
        let mut found = FindingSet::new(&META);
        for (name, entry) in cx.entry_points() {
            if !model.is_view_export(name) {
                continue;
            }
            let parents = direct_reach(cx, entry);
            for &func in parents.keys() {
                for (instr, callee) in cx.direct_calls(func) {
                    let Some(host) = cx.host_fn(callee) else { continue };
                    let Some(effect) = SINK_EFFECTS.iter().find(|e| host.has(**e)) else { continue };
                    let import = format!("{}.{}", host.module, host.name);
                    if model.view_allowed_imports.contains(&import) {
                        continue;
                    }
                    found.report(cx, (func, instr), || {
                        format!(
                            "read-only entry point `{name}` reaches `{}` ({effect}) through {}: \
                             queries must not change state or call out",
                            host.display_name(),
                            call_chain(cx, &parents, func)
                        )
                    });
                }
            }
        }
        state_views(cx, &model.view_exports, &mut found);
        out.extend(found.into_findings());
    }
}

/// Storage writes on the ways from the NEAR `&self` methods ([`views::state_views`]) that are
/// not a collection's write-back of stored entries, each reported at the view's call leading to
/// it (unless a finding is there already).
fn state_views(cx: &Context<'_>, standard: &[String], found: &mut FindingSet) {
    let views: BTreeMap<u32, &str> = views::state_views(cx)
        .into_iter()
        .filter(|(n, _)| !standard.iter().any(|s| s == n))
        .map(|(n, f)| (f, n))
        .collect();
    if views.is_empty() {
        return;
    }
    let w = Walker::new(cx);
    let returners = result_returners(cx);
    for sink in cx.host_calls(Effect::StorageWrite) {
        for path in w.paths(sink.func, sink.instr) {
            let Some(name) = views.get(&path.entry) else { continue };
            let Some(&(func, instr)) = path.chain.last() else { continue };
            if writes_stored_entry(cx, &path.chain) || !precedes_result(cx, &returners, &path.chain) {
                continue;
            }
            found.report(cx, (func, instr), || {
                format!(
                    "`{name}` is a `&self` method (it reads the contract state and never writes \
                     it back), a view, yet it calls `{}` ({}): the runtime rejects storage \
                     writes in a view call, and called as a transaction it writes state a view \
                     must not change",
                    cx.host_display_name(sink.callee),
                    Effect::StorageWrite
                )
            });
        }
    }
}

/// Functions reachable from `entry` through direct calls and single-target `call_indirect`s,
/// each with the caller it was first reached from (breadth-first, so chains are shortest).
fn direct_reach(cx: &Context<'_>, entry: u32) -> BTreeMap<u32, Option<u32>> {
    let mut parents: BTreeMap<u32, Option<u32>> = BTreeMap::new();
    parents.insert(entry, None);
    let mut queue = VecDeque::from([entry]);
    while let Some(f) = queue.pop_front() {
        for (_, targets) in cx.program.calls.call_sites(f) {
            let [callee] = targets.as_slice() else { continue };
            let defined = cx.module.function(*callee).is_some_and(|c| !c.is_import());
            if defined && !parents.contains_key(callee) {
                parents.insert(*callee, Some(f));
                queue.push_back(*callee);
            }
        }
    }
    parents
}

/// `entry → ... → func` by function name, eliding the middle of long chains.
fn call_chain(cx: &Context<'_>, parents: &BTreeMap<u32, Option<u32>>, func: u32) -> String {
    let mut chain = vec![func];
    let mut at = func;
    while let Some(Some(p)) = parents.get(&at) {
        if chain.contains(p) {
            break;
        }
        chain.push(*p);
        at = *p;
    }
    chain.reverse();
    let names: Vec<String> = chain.iter().map(|f| format!("`{}`", cx.func_name(*f))).collect();
    if names.len() > 5 {
        format!("{} → … → {}", names[..2].join(" → "), names[names.len() - 2..].join(" → "))
    } else {
        names.join(" → ")
    }
}
