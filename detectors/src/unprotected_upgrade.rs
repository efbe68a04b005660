use wasmaudit_detect::authz::lifecycle_findings;
use wasmaudit_detect::{Class, Confidence, Context, Detector, DetectorMeta, Docs, Finding, Impact};
use wasmaudit_platform::Effect;

pub struct UnprotectedUpgrade;

pub static META: DetectorMeta = DetectorMeta {
    id: "WA101",
    name: "unprotected-upgrade",
    class: Class::UnprotectedUpgrade,
    impact: Impact::Critical,
    confidence: Confidence::Medium,
    summary: "Contract code can be replaced by anyone: no authorization check guards the upgrade host call",
    docs: Docs {
        what_it_does: "Finds every call of a host function that replaces the running contract's code \
            (ink! `set_code_hash`, Soroban `update_current_contract_wasm`, NEAR \
            `promise_batch_action_deploy_contract`, MultiversX `upgradeContract`, ...) whose new code \
            is not fixed in the module (a constant hash, or a hash of data no source or parameter \
            reaches, cannot be chosen by whoever triggers it), and asks, for each \
            exported entry point that reaches it through the call graph (direct calls and `call_indirect` \
            targets), whether a guard protects it: a conditional branch or assertion whose condition \
            depends on the caller's identity or an authorization verdict (taint from `caller-id` or \
            `auth-check` host calls, through memory, registers and helper summaries) and on which the \
            call is control dependent, a trapping authorization call such as `require_auth`, or a call \
            of a helper that only returns after such a guard. The call is reported with the first entry \
            point that reaches it unguarded. An action an SDK queues as a record instead of calling the host (near-sdk 5's `Promise` builder: \
            a tagged `PromiseAction` pushed on the promise and issued when it is dropped) is found by \
            data: the dispatcher's `br_table` on a tag loaded from the record gives each tag's host \
            calls, and the place where an entry point writes that tag into a record and hands the \
            record on (to the dispatcher, to a function copying it, or inside a promise it moves) is \
            checked like the host call. On NEAR, a call inside a generic promise-action \
            dispatcher (near-sdk's `PromiseAction` match: a function reaching four or more \
            `promise_batch_action_*` kinds, directly or through `call_indirect`), or reached only \
            through one, is reported (besides the queued actions above) only through an unguarded entry point \
            whose name says it replaces code (`upgrade`, `migrate`, `redeploy`, or `update`/`set`/`deploy` with \
            `code`/`contract`/`wasm`): every entry point that creates any promise reaches every arm \
            of such a dispatcher, so reachability alone is no evidence; such findings have low \
            confidence.",
        why_bad: "Whoever can replace the code owns the contract: its storage, its balance and every \
            user's assets. The standard's lifecycle requirement (upgrade under control) is met only \
            when upgrades are restricted to an administrator.",
        exploit_scenario: "A token contract exposes `upgrade(code_hash)` for the team's future fixes \
            but forgets the owner check. An attacker uploads code whose `transfer` ignores balances, \
            calls `upgrade` with its hash, then drains every account.",
        recommendation: "Check the immediate caller against a stored administrator (or require the \
            administrator's authorization) at the start of the upgrade path, before the host call; \
            consider a timelock or multisig for upgrades.",
        known_false_positives: "A guard counts when its condition carries the caller's identity or an \
            authorization verdict, whatever it is compared with (a comparison with the wrong stored value \
            passes). Authorization enforced outside the module (governance-only upgrades, a CosmWasm \
            admin-gated `migrate`) is invisible and reported. Through a near-sdk dispatcher, where \
            the queued record is not recognised (near-sdk 3 and 4 layouts, a record built by a \
            helper), the entry point's name decides: an unguarded `upgrade` that never queues a \
            deploy is reported, and an unguarded upgrade under another name is missed.",
    },
    platforms: &[],
};

/// Whether an entry point's name (its words) says it replaces the code: `upgrade`, `redeploy`,
/// `migrate`, or `update`/`set`/`deploy`/`replace` with `code`/`contract`/`wasm`
/// (`deploy_status_message` deploys to another account and does not count).
fn names_upgrade(words: &[String]) -> bool {
    let has = |set: &[&str]| words.iter().any(|w| set.contains(&w.as_str()));
    has(&["upgrade", "redeploy", "migrate"])
        || (has(&["update", "set", "deploy", "replace"]) && has(&["code", "contract", "wasm"]))
}

impl Detector for UnprotectedUpgrade {
    fn meta(&self) -> &'static DetectorMeta {
        &META
    }

    fn run(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        out.extend(
            lifecycle_findings(cx, Effect::CodeUpgrade, &META, "replaces the contract code", names_upgrade)
                .into_iter()
                .filter(|f| !fixed_code(cx, f.function, f.instr)),
        );
    }
}

/// Whether the new code the upgrade call at `instr` of `func` installs is fixed in the module: its
/// code or hash argument is a constant, or a hash of data nothing outside chose (no source, no
/// parameter: `update_current_contract_wasm(sha256(constant bytes))`). Whoever triggers it cannot
/// pick the code, so the path is not an open door to replace it.
fn fixed_code(cx: &Context<'_>, func: u32, instr: usize) -> bool {
    let (Some(values), Some(ev)) = (cx.program.values(func), cx.evaluator(func)) else { return false };
    let Some(wasmaudit_front::Op::Call(callee)) =
        cx.module.function(func).and_then(|f| f.body.get(instr)).map(|i| &i.op)
    else {
        return false;
    };
    let Some(h) = cx.host_fn(*callee) else { return false };
    let Some(&arg) = ["code_hash", "code"]
        .iter()
        .find_map(|r| h.arg(r))
        .and_then(|a| values.operands(instr).get(a as usize))
    else {
        return false;
    };
    if ev.constant(arg).is_some() && h.arg("code_len").is_none() {
        return true;
    }
    let t = cx.dataflow().funcs.get(func as usize).map(|ft| ft.value(arg)).unwrap_or_default();
    t == wasmaudit_detect::taint::Taint::of(wasmaudit_detect::taint::label(Effect::Crypto))
}
