//! The queries: for each finding, the way from an entry point (shortest call chain, bounded
//! depth) and, when that way is infeasible, the flagged function in any context, so that a
//! refutation covers every caller.

use crate::encode::{Bounds, Exec, Property};
use crate::{SmtOptions, SmtVerdict, Verdict};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Instant;
use wasmaudit_detect::{Context, Finding};
use wasmaudit_front::{BinOp, Op};
use wasmaudit_platform::Platform;
use z3::ast::{Bool, BV};
use z3::{Params, SatResult, Solver};

/// Instructions one encoding may walk (unrolled loops and inlined calls included).
const MAX_STEPS: u64 = 50_000;

/// One verdict per finding; queries for the same instruction and property are asked once.
pub(crate) fn check(cx: &Context<'_>, findings: &[Finding], opts: &SmtOptions) -> Vec<SmtVerdict> {
    let start = Instant::now();
    let mut cache: BTreeMap<(u32, usize, bool), SmtVerdict> = BTreeMap::new();
    let mut out = Vec::with_capacity(findings.len());
    for f in findings {
        let property = property_of(cx, f);
        let key = (f.function, f.instr, property != Property::Reach);
        if let Some(v) = cache.get(&key) {
            out.push(SmtVerdict { time_ms: 0, ..v.clone() });
            continue;
        }
        let left = opts.module_budget.saturating_sub(start.elapsed());
        if left.is_zero() {
            out.push(SmtVerdict::unknown("module budget exhausted"));
            continue;
        }
        let t0 = Instant::now();
        let q = Query { cx, target: (f.function, f.instr), property, opts, deadline: t0 + left };
        // z3 reports misuse (a sort mismatch the encoder did not foresee) by panicking in the
        // bindings: contain it to this finding.
        let mut v = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| q.verdict()))
            .unwrap_or_else(|_| SmtVerdict::unknown("solver error (encoding rejected by z3)"));
        v.time_ms = u64::try_from(t0.elapsed().as_millis()).unwrap_or(u64::MAX);
        cache.insert(key, v.clone());
        out.push(v);
    }
    out
}

fn property_of(cx: &Context<'_>, f: &Finding) -> Property {
    if f.detector.name != "unchecked-arithmetic" {
        return Property::Reach;
    }
    match cx.module.function(f.function).and_then(|x| x.body.get(f.instr)).map(|i| &i.op) {
        Some(Op::Binary(_, op @ (BinOp::Add | BinOp::Sub | BinOp::Mul))) => Property::Overflow(*op),
        _ => Property::Reach,
    }
}

struct Query<'q, 'a> {
    cx: &'q Context<'a>,
    target: (u32, usize),
    property: Property,
    opts: &'q SmtOptions,
    deadline: Instant,
}

enum Outcome {
    Sat { model: BTreeMap<String, String>, unsupported: BTreeSet<String>, approximations: BTreeSet<String> },
    Unsat { missed: Option<String> },
    Unknown(String),
}

impl Query<'_, '_> {
    fn verdict(&self) -> SmtVerdict {
        let reaching = reaching(self.cx, self.target.0);
        let chain = shortest_chain(self.cx, self.target.0);
        let depth = self.opts.depth as usize;
        let mut from_entry_unsat = None;
        if let Some(chain) = chain.as_ref().filter(|c| c.len() <= depth + 1) {
            match self.run(chain[0], true, &reaching) {
                Outcome::Sat { model, unsupported, approximations } => {
                    return sat_verdict(model, &unsupported, &approximations, None);
                }
                Outcome::Unknown(reason) => return SmtVerdict::unknown(reason),
                Outcome::Unsat { missed: Some(m) } => {
                    return SmtVerdict::unknown(format!("not reached from the entry point: {m} not encoded"));
                }
                Outcome::Unsat { missed: None } => {
                    if unique_chain(self.cx, chain) {
                        return refuted(format!("no feasible path from {}", entry_name(self.cx, chain[0])));
                    }
                    from_entry_unsat = Some(chain[0]);
                }
            }
        }
        // Any context: the flagged function with unconstrained arguments, memory and globals.
        match self.run(self.target.0, false, &reaching) {
            Outcome::Unsat { missed: None } => refuted(format!(
                "no feasible path in {} for any arguments, memory and globals",
                self.cx.module.func_name(self.target.0)
            )),
            Outcome::Unsat { missed: Some(m) } => SmtVerdict::unknown(format!("{m} not encoded")),
            Outcome::Unknown(reason) => SmtVerdict::unknown(reason),
            Outcome::Sat { model, unsupported, approximations } => {
                let why = match from_entry_unsat {
                    Some(e) => format!(
                        "infeasible from {} along the shortest call chain, feasible for some arguments of {}; \
                         other callers not encoded",
                        entry_name(self.cx, e),
                        self.cx.module.func_name(self.target.0)
                    ),
                    None if chain.is_none() => "no entry point reaches the function; feasible for some arguments".into(),
                    None => format!(
                        "call chain from the entry point longer than depth {}; feasible for some arguments of {}",
                        self.opts.depth,
                        self.cx.module.func_name(self.target.0)
                    ),
                };
                let mut v = sat_verdict(model, &unsupported, &approximations, Some(why));
                v.verdict = Verdict::Unknown;
                v
            }
        }
    }

    /// Encodes the walk from `start` and asks whether the target is reached (with its property).
    fn run(&self, start: u32, entry: bool, reaching: &BTreeSet<u32>) -> Outcome {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Outcome::Unknown("module budget exhausted".into());
        }
        let bounds = Bounds { unroll: self.opts.unroll, depth: self.opts.depth, max_steps: MAX_STEPS };
        let mut ex = Exec::new(self.cx, bounds, self.target, self.property, reaching.clone());
        if entry {
            ex.fresh_instance();
        }
        let args: Vec<BV> = ex
            .param_widths(start)
            .iter()
            .enumerate()
            .map(|(k, w)| BV::new_const(format!("arg{k}"), *w))
            .collect();
        if !ex.run_entry(start, &args) {
            return Outcome::Unknown(format!("encoding exceeds {MAX_STEPS} instructions"));
        }
        if ex.hits.is_empty() {
            return Outcome::Unsat { missed: ex.notes.missed.clone() };
        }
        let solver = Solver::new();
        let mut params = Params::new();
        let ms = left.min(self.opts.timeout_per_query).as_millis().clamp(1, u128::from(u32::MAX));
        params.set_u32("timeout", u32::try_from(ms).unwrap_or(u32::MAX));
        solver.set_params(&params);
        let conds: Vec<Bool> = ex.hits.iter().map(|h| h.cond.clone()).collect();
        solver.assert(Bool::or(&conds));
        let result = solver.check();
        match result {
            SatResult::Unsat => Outcome::Unsat { missed: ex.notes.missed.clone() },
            SatResult::Unknown => {
                let why = solver.get_reason_unknown().unwrap_or_default();
                if left < self.opts.timeout_per_query {
                    Outcome::Unknown("module budget exhausted (during a query)".into())
                } else if why.contains("timeout") || why.contains("canceled") {
                    Outcome::Unknown(format!("solver timeout ({ms} ms)"))
                } else {
                    Outcome::Unknown(format!("solver gave up: {why}"))
                }
            }
            SatResult::Sat => {
                let model = match solver.get_model() {
                    Some(m) => self.witness(&m, start, entry, &args, &ex),
                    None => BTreeMap::new(),
                };
                Outcome::Sat {
                    model,
                    unsupported: ex.notes.unsupported.clone(),
                    approximations: ex.notes.approximations.clone(),
                }
            }
        }
    }

    fn witness(
        &self,
        m: &z3::Model,
        start: u32,
        entry: bool,
        args: &[BV],
        ex: &Exec<'_, '_>,
    ) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let value = |v: &BV| m.eval(v, true).and_then(|x| x.as_u64());
        if entry {
            out.insert("entry".to_string(), entry_name(self.cx, start));
        } else {
            out.insert("function".to_string(), self.cx.module.func_name(start));
        }
        let eosio_apply = entry
            && self.cx.platform == Platform::Eosio
            && args.len() == 3
            && args.iter().all(|a| a.get_size() == 64)
            && self.cx.module.exported_funcs().any(|(n, i)| n == "apply" && i == start);
        for (k, a) in args.iter().enumerate() {
            let Some(x) = value(a) else { continue };
            if eosio_apply {
                let key = ["receiver", "code", "action"][k];
                out.insert(key.to_string(), named(x));
            } else {
                out.insert(format!("arg{k}"), x.to_string());
            }
        }
        let mut seen = BTreeSet::new();
        for (name, v) in &ex.witnesses {
            if !seen.insert(name.clone()) {
                continue;
            }
            if let Some(x) = value(v) {
                let shown = if self.cx.platform == Platform::Eosio && v.get_size() == 64 {
                    named(x)
                } else {
                    x.to_string()
                };
                out.insert(name.clone(), shown);
            }
        }
        let hit = ex.hits.iter().find(|h| m.eval(&h.cond, true).and_then(|b| b.as_bool()) == Some(true));
        if let Some(h) = hit {
            for (key, v) in ["lhs", "rhs"].iter().zip(&h.operands) {
                if let Some(x) = value(v) {
                    out.insert((*key).to_string(), x.to_string());
                }
            }
        }
        out
    }
}

fn sat_verdict(
    model: BTreeMap<String, String>,
    unsupported: &BTreeSet<String>,
    approximations: &BTreeSet<String>,
    why: Option<String>,
) -> SmtVerdict {
    if !unsupported.is_empty() {
        let list: Vec<&str> = unsupported.iter().map(String::as_str).take(5).collect();
        return SmtVerdict {
            verdict: Verdict::Unknown,
            model,
            reason: Some(format!(
                "feasible only with unsupported instructions left unconstrained ({})",
                list.join(", ")
            )),
            time_ms: 0,
        };
    }
    let mut notes: Vec<String> = why.into_iter().collect();
    notes.extend(approximations.iter().cloned());
    SmtVerdict {
        verdict: Verdict::Confirmed,
        model,
        reason: (!notes.is_empty()).then(|| notes.join("; ")),
        time_ms: 0,
    }
}

fn refuted(reason: String) -> SmtVerdict {
    SmtVerdict { verdict: Verdict::Refuted, model: BTreeMap::new(), reason: Some(reason), time_ms: 0 }
}

/// Functions that can reach `target` through calls (itself included).
fn reaching(cx: &Context<'_>, target: u32) -> BTreeSet<u32> {
    let mut seen = BTreeSet::from([target]);
    let mut queue = VecDeque::from([target]);
    while let Some(f) = queue.pop_front() {
        for (caller, _) in cx.program.calls.callers(f) {
            if seen.insert(caller) {
                queue.push_back(caller);
            }
        }
    }
    seen
}

/// The shortest call chain from an entry point (exported function or start) to `target`, entry
/// first; the lowest entry index wins ties.
fn shortest_chain(cx: &Context<'_>, target: u32) -> Option<Vec<u32>> {
    let roots: BTreeSet<u32> = cx.program.calls.roots.iter().copied().collect();
    let mut parent: BTreeMap<u32, u32> = BTreeMap::new();
    let mut queue = VecDeque::from([target]);
    let mut seen = BTreeSet::from([target]);
    let mut found = None;
    while let Some(f) = queue.pop_front() {
        if roots.contains(&f) && !cx.module.function(f).is_some_and(|x| x.is_import()) {
            found = Some(f);
            break;
        }
        for (caller, _) in cx.program.calls.callers(f) {
            if seen.insert(caller) {
                parent.insert(caller, f);
                queue.push_back(caller);
            }
        }
    }
    let mut chain = vec![found?];
    while let Some(next) = chain.last().and_then(|f| parent.get(f)) {
        chain.push(*next);
    }
    Some(chain)
}

/// Whether `chain` is the only way to its last function: the entry has no callers, every other
/// function is no entry point and has exactly one call site, in the previous function.
fn unique_chain(cx: &Context<'_>, chain: &[u32]) -> bool {
    let roots = &cx.program.calls.roots;
    let Some(&entry) = chain.first() else { return false };
    if !cx.program.calls.callers(entry).is_empty() || roots.iter().filter(|r| chain.contains(r)).count() != 1
    {
        return false;
    }
    chain.windows(2).all(|w| {
        let callers = cx.program.calls.callers(w[1]);
        callers.len() == 1 && callers[0].0 == w[0]
    })
}

fn entry_name(cx: &Context<'_>, f: u32) -> String {
    cx.module
        .exported_funcs()
        .find(|(_, i)| *i == f)
        .map(|(n, _)| n.to_string())
        .unwrap_or_else(|| cx.module.func_name(f))
}

/// A 64-bit EOSIO value as its name and number (`transfer (14829575313431724032)`); zero, which
/// is the empty name, as its number alone.
fn named(x: u64) -> String {
    match wasmaudit_detect::storage::eosio_name(x) {
        n if n.is_empty() => x.to_string(),
        n => format!("{n} ({x})"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn witness_names_show_the_name_and_the_number() {
        assert_eq!(super::named(0xCDCD_3C2D_5700_0000), format!("transfer ({})", 0xCDCD_3C2D_5700_0000u64));
        assert_eq!(super::named(0), "0");
    }
}
