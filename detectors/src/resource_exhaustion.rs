use std::collections::{BTreeMap, BTreeSet};
use wasmaudit_detect::authz::{key_along, Walker};
use wasmaudit_detect::loops::{BodyEffects, Bound, Effects, Loop};
use wasmaudit_detect::storage::{Access, Key};
use wasmaudit_detect::{Class, Confidence, Context, Detector, DetectorMeta, Docs, FindingSet, Impact};
use wasmaudit_front::Op;
use wasmaudit_platform::Effect;

pub struct ResourceExhaustion;

pub static META: DetectorMeta = DetectorMeta {
    id: "WA431",
    name: "resource-exhaustion",
    class: Class::ResourceExhaustion,
    impact: Impact::High,
    confidence: Confidence::Medium,
    summary: "A loop runs once per stored entry or per caller-supplied element, with no constant cap, \
        and writes storage, calls out or transfers on every iteration",
    docs: Docs {
        what_it_does: "Uses the shared loop analysis (natural loops from the CFG's back edges, and \
            cycles of direct calls) on the functions reachable from an entry point. For each loop it \
            traces the condition of every exit branch back through the data flow and asks what decides \
            it: a storage host call that walks stored state (EOSIO `db_lowerbound_i64`/`db_next_i64`/\
            `db_end_i64` and the secondary-index variants, CosmWasm `db_next`, NEAR \
            `storage_iter_next`, or a load from the buffer such a call returned), a value read from \
            storage (a collection's length kept in state, as near-sdk `Vector` and CosmWasm item lists \
            store it), or a length decoded from the caller's input. A loop is bounded, and not \
            reported, when one of its exits compares a counter with a constant or with a value that \
            is itself compared with a constant before the loop (`assert(limit <= 100)`, also when the \
            check is on `end - begin`) or reduced with one (`min(limit, 100)`, a one-byte field, \
            `x & MASK`). An exit that is a counter compared with a limit of unknown origin also \
            bounds the loop, and so does a walk over a table (the one the nearest read with a \
            known key before the loop names) whose rows are all created under at most 16 \
            constant primary keys: only the contract writes its own tables and a second row \
            under an existing key is rejected (EOSIO `db_store_i64`), so a scope holds no more. It then looks at what one iteration does, through called \
            functions (their transitive effects; an indirect call counts what all of its targets \
            do): cross-contract calls and inline actions, value transfers, storage writes, storage \
            reads. Findings point at the `loop` instruction (for recursion, at the recursive call). \
            Impact follows the body: transfers and calls high, storage writes medium, reads only \
            low (reported only when a storage iteration call such as `db_next_i64` decides the exit). Confidence follows the bound: a storage \
            iteration call deciding the exit high, a stored length medium, caller input low.",
        why_bad: "Every iteration costs gas (CPU, NET and RAM on EOSIO). When the number of \
            iterations grows with state that anyone can grow — every holder, every pending request, \
            every row of a table — the entry point eventually costs more than a block or a \
            transaction allows and can never complete again: a permanent denial of service of \
            that function and of everything that waits for it (payouts, withdrawals, rounds). \
            A loop bounded by caller input lets one caller make the contract do unbounded work per \
            call.",
        exploit_scenario: "A dividend contract keeps its holders in a table and pays them with \
            `distribute()`, which walks the table with `db_next_i64` and sends one `eosio.token` \
            `transfer` inline action per row. An attacker buys the minimum stake from thousands of \
            accounts; `distribute()` now exceeds the transaction CPU limit every time, nobody is \
            ever paid again, and the funds are stuck. On NEAR the same happens to a \
            `pay_all()` that loops over a `Vector` of recipients stored in state creating one \
            transfer promise each.",
        recommendation: "Do not iterate over state that others can grow in one call. Paginate: take a \
            start key and a limit, cap the limit with a constant (`min(limit, 50)`), store the \
            cursor, and let anyone call the next page; or let each user withdraw their own share \
            (pull instead of push). Cap caller-supplied lengths with a constant before the loop.",
        known_false_positives: "A loop whose trip count is bounded by something the analysis does \
            not follow — an invariant kept elsewhere (a table that only the administrator can grow \
            and keeps small, a collection the contract itself caps on insertion), a cap enforced \
            in another function or at insertion (eosio.system's `voteproducer` caps the producer list \
            at 30 and `update_votes` walks the stored list; delphioracle keeps 21 datapoints), a \
            single-row table whose key the code computes, a comparison with a constant that is not an \
            ordering test — is reported. Effects of called functions are summarised over all their paths, so a \
            loop whose callee writes storage only in a branch the loop never takes is reported. \
            Caller-bounded loops are reported with low confidence: the caller pays for their own \
            input, so they matter when the work is billed to the contract (EOSIO RAM, a relayer) \
            or when the loop walks stored state under a caller-chosen limit. Loops whose exit \
            depends only on memory the contract filled itself (a local buffer, an unresolved \
            parameter) are not reported, which misses unbounded loops whose length reaches the \
            loop through such memory.",
    },
    platforms: &[],
};

impl Detector for ResourceExhaustion {
    fn meta(&self) -> &'static DetectorMeta {
        &META
    }

    fn run(&self, cx: &Context<'_>, out: &mut Vec<wasmaudit_detect::Finding>) {
        let loops = cx.loops();
        let mut set = FindingSet::new(&META);
        let mut grades = Vec::new();
        let mut fixed = None;
        for l in loops.all() {
            let Some((impact, confidence, what)) = grade(l.bound, l.body.effects) else { continue };
            // A table whose rows are all created under a few constant primary keys holds at most
            // that many rows in a scope, whatever anyone does: a walk over it is bounded.
            if matches!(l.bound, Bound::Storage { .. }) {
                if let Some(table) = walked_table(cx, l) {
                    let fixed = fixed.get_or_insert_with(|| fixed_row_tables(cx));
                    if fixed
                        .get(&table)
                        .is_some_and(|ids| ids.as_ref().is_some_and(|k| k.len() <= MAX_FIXED_ROWS))
                    {
                        continue;
                    }
                }
            }
            let message = loop_message(cx, l, what);
            set.report(cx, (l.func, l.instr), || message);
            grades.push(((l.func, l.instr), impact, confidence));
        }
        for r in &loops.recursion {
            // Recursion over caller input is a parser's shape (nested JSON): only stored state counts.
            if !matches!(r.bound, Bound::Storage { .. }) {
                continue;
            }
            let Some((impact, confidence, what)) = grade(r.bound, r.effects) else { continue };
            let message = format!(
                "recursion through `{}` goes round once more for each {}, with no constant cap, and {} \
                 on every round",
                cx.func_name(r.call.0),
                bound_text(cx, r.bound),
                what_text(what),
            );
            set.report(cx, r.call, || message);
            grades.push((r.call, impact, confidence.min(Confidence::Medium)));
        }
        for f in set.into_findings() {
            let grade = grades.iter().find(|(at, _, _)| *at == (f.function, f.instr));
            out.push(match grade {
                Some((_, impact, confidence)) => f.with_impact(*impact).with_confidence(*confidence),
                None => f,
            });
        }
    }
}

/// Most constant primary keys a table may be created under and still count as fixed-size.
const MAX_FIXED_ROWS: usize = 16;

/// The table a loop over stored entries walks: the one named by the nearest storage read with a
/// known key before the loop in its function (the `find`, `lower_bound` or `begin` that starts
/// the walk).
fn walked_table(cx: &Context<'_>, l: &Loop) -> Option<Key> {
    cx.storage()
        .instrs(l.func)
        .filter(|(i, _)| *i < l.instr)
        .filter_map(|(_, accesses)| {
            accesses.iter().rev().find(|a| a.access == Access::Read).and_then(|a| a.key.known().cloned())
        })
        .last()
}

/// Tables (known keys) rows are created in, each with the primary keys of every creation when
/// all are constants (`None` once one is not): only the contract writes its own tables (EOSIO),
/// and a creation under an existing key fails, so such a table holds at most that many rows in a
/// scope. Creations are the writes that only create (`db_store_i64`) and name the row's key.
fn fixed_row_tables(cx: &Context<'_>) -> BTreeMap<Key, Option<BTreeSet<i64>>> {
    let w = Walker::new(cx);
    let mut out: BTreeMap<Key, Option<BTreeSet<i64>>> = BTreeMap::new();
    for sink in cx.host_calls(Effect::StorageWrite) {
        let Some(id) = sink.host.arg("id").filter(|_| sink.host.create_only()) else { continue };
        let constant = cx
            .program
            .values(sink.func)
            .and_then(|v| v.operands(sink.instr).get(id as usize).copied())
            .zip(cx.evaluator(sink.func))
            .and_then(|(v, ev)| ev.constant(v));
        for path in w.paths(sink.func, sink.instr) {
            let Some(key) = key_along(cx, &path.chain).0.known().cloned() else { continue };
            let ids = out.entry(key).or_insert_with(|| Some(BTreeSet::new()));
            match (ids.as_mut(), constant) {
                (Some(set), Some(c)) => {
                    set.insert(c);
                }
                _ => *ids = None,
            }
        }
    }
    out
}

/// Impact, confidence and the worst effect kind of a loop with `bound` whose iterations have
/// `effects`, when it is reported.
fn grade(bound: Bound, effects: Effects) -> Option<(Impact, Confidence, Effects)> {
    let what = Effects::KINDS.into_iter().find(|k| effects.contains(*k))?;
    let confidence = match bound {
        Bound::Storage { host: Some(_) } => Confidence::High,
        Bound::Storage { host: None } => Confidence::Medium,
        Bound::Input => Confidence::Low,
        Bound::Capped | Bound::Unknown => return None,
    };
    let impact = match what {
        Effects::TRANSFER | Effects::CALL => Impact::High,
        Effects::WRITE => Impact::Medium,
        // Reading every entry a storage iteration call walks is reported; a read per element of
        // a stored length (a tree walk, `nth`) or of caller input is not.
        _ if !matches!(bound, Bound::Storage { host: Some(_) }) => return None,
        _ => Impact::Low,
    };
    Some((impact, confidence, what))
}

fn what_text(what: Effects) -> &'static str {
    match what {
        Effects::TRANSFER => "transfers value",
        Effects::CALL => "calls another contract or sends an action",
        Effects::WRITE => "writes storage",
        _ => "reads storage",
    }
}

fn bound_text(cx: &Context<'_>, bound: Bound) -> String {
    match bound {
        Bound::Storage { host: Some(h) } => format!("stored entry that `{}` walks", cx.host_display_name(h)),
        Bound::Storage { host: None } => "element of a stored collection (its exit compares with state read \
                                          from storage)"
            .to_string(),
        Bound::Input => "element of a caller-supplied length".to_string(),
        Bound::Capped | Bound::Unknown => "iteration".to_string(),
    }
}

/// The call that does the worst thing of an iteration, for the message.
fn effect_site(cx: &Context<'_>, l: &Loop, body: &BodyEffects) -> String {
    let Some((_, at)) = body.worst() else { return String::new() };
    let op = cx.module.function(l.func).and_then(|f| f.body.get(at)).map(|i| &i.op);
    match op {
        Some(Op::Call(c)) if cx.host_fn(*c).is_some() => format!(" (`{}`)", cx.host_display_name(*c)),
        Some(Op::Call(c)) => format!(" (through `{}`)", cx.func_name(*c)),
        Some(Op::CallIndirect { .. }) => " (through an indirect call)".to_string(),
        _ => String::new(),
    }
}

fn loop_message(cx: &Context<'_>, l: &Loop, what: Effects) -> String {
    format!(
        "this loop runs once per {}, with no constant cap, and {}{} on every iteration: {}",
        bound_text(cx, l.bound),
        what_text(what),
        effect_site(cx, l, &l.body),
        match l.bound {
            Bound::Input => "one call can be made to do unbounded work",
            _ => "once the stored state is large enough the call exceeds the gas limit every time",
        }
    )
}
