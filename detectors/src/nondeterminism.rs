use crate::deployment_compliance::wat_name;
use wasmaudit_detect::{Class, Confidence, Context, Detector, DetectorMeta, Docs, Finding, Impact};
use wasmaudit_front::Module;
use wasmaudit_platform::{DeployRules, FloatPolicy};

pub struct Nondeterminism;

pub static META: DetectorMeta = DetectorMeta {
    id: "WA702",
    name: "nondeterminism",
    class: Class::Nondeterminism,
    impact: Impact::Medium,
    confidence: Confidence::High,
    summary: "Floating point where the platform forbids it, or a call of a host import whose \
        result differs between nodes (WASI clock, random, environment)",
    docs: Docs {
        what_it_does: "Reports two kinds of code whose result the chain cannot guarantee to be the \
            same on every node. (1) Floating point on platforms whose VM rejects it for that \
            reason, per the platform model's float policy: ink!/pallet-contracts (wasmi floats off \
            under `Determinism::Enforced`), Soroban (wasmi floats off) and Arbitrum Stylus (no float \
            implementation at activation). Platforms whose VM runs floats deterministically are \
            not reported: NEAR (NaN canonicalization in its singlepass compiler), EOSIO (eos-vm \
            runs floats through softfloat) and CosmWasm (cosmwasm-vm 1.5.0 and later accept floats \
            and canonicalize NaNs, per the platform model's `floats_accepted_since`; that older \
            releases reject float code at upload is a deployment question, reported by \
            `deployment-compliance` as a compatibility note); platforms whose policy is not known \
            are not reported either. One finding per module, at the first float \
            instruction (loads, stores, constants, arithmetic, conversions, reinterpretations; \
            float-typed signatures or locals when no instruction uses floats), with the count. \
            (2) Direct calls of imports that are not host functions of the platform and read the \
            wall clock, a random source or the host environment: WASI `clock_time_get`, \
            `clock_res_get`, `random_get`, `environ_get`, `environ_sizes_get`, `poll_oneoff`; \
            libc/emscripten `time`, `gettimeofday`, `clock_gettime`, `getentropy`, \
            `emscripten_get_now`, `emscripten_random`; wasm-bindgen `Date.now`/`getRandomValues` \
            shims. One finding per calling function, at its first call.",
        why_bad: "Consensus needs every validator to compute the same state. A VM that forbids \
            floats refuses the code (the upload fails, or ink! code stored as `Relaxed` never runs \
            in a transaction); where floats would run, NaN payloads and host-dependent rounding \
            in intrinsics can split nodes. Clock, randomness and environment imports return a \
            different value on each node: if a VM ever linked them the chain would fork, and in \
            practice the upload fails, which hides that the contract's logic depends on them.",
        exploit_scenario: "An ink! exchange computes fees with `f64` (`amount as f64 * 0.003`). It \
            passes unit tests off-chain but the upload is rejected; the team re-uploads with \
            `Determinism::Relaxed` to get it stored, and every swap then fails on-chain while the \
            front end already takes deposits, locking users' funds in the router. On a chain that \
            accepted such code, a price computed through a non-canonical NaN comparison takes \
            different branches on different validators and halts block production.",
        recommendation: "Use integer or fixed-point arithmetic (basis points, `Decimal` types) for \
            amounts and prices; make sure no dependency formats or parses floats in contract code \
            (`cargo build` with `-C target-feature=-...` does not remove them: remove the source). \
            Take time and randomness only from the platform's host functions (block time, VRF or \
            commit-reveal) and build for the platform's target instead of WASI.",
        known_false_positives: "Float code that is never \
            reached (dead formatting code from a dependency) still makes the upload fail, so it is \
            reported. Imports are matched by name, so a platform host function with the same name \
            as a libc time function is excluded only if the platform model lists it.",
    },
    platforms: &[],
};

impl Detector for Nondeterminism {
    fn meta(&self) -> &'static DetectorMeta {
        &META
    }

    fn run(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let Some(model) = cx.model else { return };
        if floats_rejected(cx.module, &model.deploy) {
            if let Some(f) = float_finding(cx, &model.deploy) {
                out.push(f);
            }
        }
        out.extend(nondeterministic_calls(cx));
    }
}

/// Whether the platform's VM refuses float code (or runs it only outside consensus). A VM
/// that accepts floats deterministically (NaN canonicalization, software floats) makes them no
/// nondeterminism, whatever an older release did at upload: that is a deployment question
/// (`deployment-compliance`, from [`DeployRules::floats_accepted_since`]).
fn floats_rejected(module: &Module, rules: &DeployRules) -> bool {
    rules.floats == FloatPolicy::Rejected && !declares_float_capable_vm(module, rules)
}

/// Whether the module exports a marker that it needs a VM recent enough to accept floats.
pub(crate) fn declares_float_capable_vm(module: &Module, rules: &DeployRules) -> bool {
    module
        .exports
        .iter()
        .any(|e| rules.floats_allowed_with_exports.iter().any(|p| matches_pattern(p, &e.name)))
}

/// `pattern` with an optional trailing `*` wildcard.
fn matches_pattern(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
}

/// Where and how much a module uses floating point: the first float instruction, else the first
/// function with a float-typed signature or local, and a description for messages.
pub(crate) fn float_use(cx: &Context<'_>) -> Option<(u32, usize, String)> {
    let module = cx.module;
    let mut first: Option<(u32, usize)> = None;
    let mut count = 0usize;
    let mut functions = 0usize;
    for f in module.functions.iter().filter(|f| !f.is_import()) {
        let mut here = 0usize;
        for (i, ins) in f.body.iter().enumerate() {
            if ins.op.is_float() {
                here += 1;
                first.get_or_insert((f.index, i));
            }
        }
        count += here;
        functions += usize::from(here > 0);
    }
    match first {
        Some((function, instr)) => {
            let text = module.function(function).and_then(|f| f.body.get(instr)).map(|i| wat_name(&i.op));
            let what = format!(
                "{count} float instruction(s) in {functions} function(s), first `{}`",
                text.unwrap_or_default()
            );
            Some((function, instr, what))
        }
        None => {
            let f = float_typed_function(module)?;
            Some((
                f,
                0,
                format!("function `{}` has float-typed parameters, results or locals", cx.func_name(f)),
            ))
        }
    }
}

fn float_finding(cx: &Context<'_>, rules: &DeployRules) -> Option<Finding> {
    let (function, instr, what) = float_use(cx)?;
    let note = if rules.float_note.is_empty() {
        format!("the {} VM rejects floating point", cx.platform)
    } else {
        rules.float_note.clone()
    };
    let message = format!("uses floating point ({what}): {note}");
    Some(Finding::at(cx, &META, function, instr, message))
}

/// The first defined function (with a body) whose signature or locals use `f32`/`f64`.
fn float_typed_function(module: &Module) -> Option<u32> {
    module
        .functions
        .iter()
        .filter(|f| !f.is_import() && !f.body.is_empty())
        .find(|f| {
            let sig = module.func_sig(f.index);
            let in_sig = sig.is_some_and(|s| s.params.iter().chain(&s.results).any(|t| t.is_float()));
            in_sig || f.locals.iter().any(|(_, t)| t.is_float())
        })
        .map(|f| f.index)
}

/// What a nondeterministic import reads, when `(module, name)` is one.
fn nondeterministic_source(module: &str, name: &str) -> Option<&'static str> {
    if module.starts_with("wasi") {
        return match name {
            "clock_time_get" | "clock_res_get" | "poll_oneoff" => Some("the host's clock"),
            "random_get" => Some("the host's random source"),
            "environ_get" | "environ_sizes_get" => Some("the host's environment"),
            _ => None,
        };
    }
    if module == "__wbindgen_placeholder__" || module == "wbg" {
        let n = name.to_ascii_lowercase();
        if n.contains("getrandomvalues") || n.contains("randomfillsync") || n.contains("random") {
            return Some("the host's random source");
        }
        if n.contains("_now_") || n.contains("date") {
            return Some("the host's clock");
        }
        return None;
    }
    match name.trim_start_matches('_') {
        "time" | "gettimeofday" | "clock_gettime" | "emscripten_get_now" | "ftime" | "times" => {
            Some("the host's clock")
        }
        "getentropy" | "emscripten_random" | "arc4random" | "getrandom" => Some("the host's random source"),
        _ => None,
    }
}

fn nondeterministic_calls(cx: &Context<'_>) -> Vec<Finding> {
    let module = cx.module;
    let sources: Vec<(u32, &'static str)> = module
        .functions
        .iter()
        .filter(|f| cx.host_fn(f.index).is_none())
        .filter_map(|f| {
            let (m, n) = f.import.as_ref()?;
            nondeterministic_source(m, n).map(|what| (f.index, what))
        })
        .collect();
    let mut out = Vec::new();
    if sources.is_empty() {
        return out;
    }
    for f in module.functions.iter().filter(|f| !f.is_import()) {
        for &(callee, what) in &sources {
            let Some(instr) = cx.direct_calls(f.index).find(|&(_, c)| c == callee).map(|(i, _)| i) else {
                continue;
            };
            out.push(Finding::at(
                cx,
                &META,
                f.index,
                instr,
                format!(
                    "calls `{}`, which reads {what}: its result differs between nodes, and the {} VM \
                     does not provide it",
                    cx.func_name(callee),
                    cx.platform
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nondeterministic_imports_by_name() {
        assert!(nondeterministic_source("wasi_snapshot_preview1", "clock_time_get").is_some());
        assert!(nondeterministic_source("wasi_unstable", "random_get").is_some());
        assert!(nondeterministic_source("wasi_snapshot_preview1", "fd_write").is_none());
        assert!(nondeterministic_source("env", "_time").is_some());
        assert!(nondeterministic_source("env", "current_time").is_none());
        assert!(nondeterministic_source("__wbindgen_placeholder__", "__wbg_getRandomValues_3aa5").is_some());
    }

    #[test]
    fn export_patterns() {
        assert!(matches_pattern("requires_cosmwasm_2_*", "requires_cosmwasm_2_1"));
        assert!(!matches_pattern("requires_cosmwasm_2_*", "requires_cosmwasm_1_4"));
        assert!(matches_pattern("main", "main"));
    }
}
