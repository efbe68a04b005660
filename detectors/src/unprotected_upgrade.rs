use wasmaudit_detect::query::unguarded_sink_findings;
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
            `promise_batch_action_deploy_contract`, MultiversX `upgradeContract`, ...) and follows the \
            call graph back to the exported entry points. The call is reported when some entry point \
            reaches it on a path where no authorization check dominates it: neither a host call that \
            traps unless authorized (`require_auth`), nor a function that performs one on every path \
            to its return, nor a read of the caller identity followed by a conditional branch or an \
            abort before the upgrade.",
        why_bad: "Whoever can replace the code owns the contract: its storage, its balance and every \
            user's assets. The standard's lifecycle requirement (upgrade under control) is met only \
            when upgrades are restricted to an administrator.",
        exploit_scenario: "A token contract exposes `upgrade(code_hash)` for the team's future fixes \
            but forgets the owner check. An attacker uploads code whose `transfer` ignores balances, \
            calls `upgrade` with its hash, then drains every account.",
        recommendation: "Check the immediate caller against a stored administrator (or require the \
            administrator's authorization) at the start of the upgrade path, before the host call; \
            consider a timelock or multisig for upgrades.",
        known_false_positives: "The check is only recognised structurally: a caller read followed by any \
            branch counts as a guard even when the comparison is unrelated (a false negative), and an \
            authorization enforced by the platform itself (a governance-only upgrade, a CosmWasm \
            admin-gated `migrate`) is not visible in the module and is reported.",
    },
    platforms: &[],
};

impl Detector for UnprotectedUpgrade {
    fn meta(&self) -> &'static DetectorMeta {
        &META
    }

    fn run(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        out.extend(unguarded_sink_findings(cx, Effect::CodeUpgrade, &META, "replaces the contract code"));
    }
}
