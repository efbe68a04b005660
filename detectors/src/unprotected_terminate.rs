use wasmaudit_detect::authz::lifecycle_findings;
use wasmaudit_detect::{Class, Confidence, Context, Detector, DetectorMeta, Docs, Finding, Impact};
use wasmaudit_platform::Effect;

pub struct UnprotectedTerminate;

pub static META: DetectorMeta = DetectorMeta {
    id: "WA102",
    name: "unprotected-terminate",
    class: Class::UnprotectedTerminate,
    impact: Impact::Critical,
    confidence: Confidence::Medium,
    summary: "Anyone can destroy the contract: no authorization check guards the terminate host call",
    docs: Docs {
        what_it_does: "Finds every call of a host function that destroys the contract or its account \
            (ink! `terminate`, NEAR `promise_batch_action_delete_account`, ewasm `selfDestruct`, ...) and \
            reports it when an exported entry point reaches it with no guard: the same query as \
            `unprotected-upgrade` (a branch or assertion on the caller's identity or an authorization \
            verdict that the call is control dependent on, a trapping `require_auth`-style call, or a \
            helper that only returns after such a guard). A deletion queued as a near-sdk \
            `PromiseAction` record is checked where the entry point queues it (see \
            `unprotected-upgrade`). Otherwise, on NEAR, a call inside a generic \
            promise-action dispatcher, or reached only through one (see `unprotected-upgrade`), is \
            reported only through an unguarded entry point whose name says it destroys the \
            contract (`destroy`, `terminate`, `selfdestruct`, `kill`, or `delete`/`close`/`remove` \
            with `account`/`contract`/`self`), with low confidence.",
        why_bad: "Termination removes the code and storage and sends the remaining balance to a \
            beneficiary. Unrestricted, it lets anyone freeze the service for good and often steal \
            the balance: the lifecycle's freeze/revoke step must be an administrator's decision.",
        exploit_scenario: "An ink! vault has `close(beneficiary)` that calls `terminate(beneficiary)` so \
            the operator can retire it. Without a `caller() == owner` check, an attacker calls \
            `close(attacker)` and receives the vault's whole balance while the contract disappears.",
        recommendation: "Compare the immediate caller with the stored owner (or require the owner's \
            authorization) before terminating, and prefer a freeze flag over destruction where state \
            must survive.",
        known_false_positives: "A guard counts when its condition carries the caller's identity or an \
            authorization verdict, whatever it is compared with (a comparison with the wrong stored value \
            passes). Authorization enforced outside the module (governance-only upgrades, a CosmWasm \
            admin-gated `migrate`) is invisible and reported. Through a near-sdk dispatcher whose \
            queued record is not recognised the entry point's name decides: an unguarded `delete_account` method that never queues the \
            action is reported, and an unguarded deletion under another name is missed.",
    },
    platforms: &[],
};

/// Whether an entry point's name (its words) says it destroys the contract: `destroy`,
/// `terminate`, `selfdestruct`, `kill`, or `delete`/`close`/`remove` with `account`/`contract`/`self`.
fn names_terminate(words: &[String]) -> bool {
    let has = |set: &[&str]| words.iter().any(|w| set.contains(&w.as_str()));
    has(&["destroy", "terminate", "selfdestruct", "kill"])
        || (has(&["delete", "close", "remove"]) && has(&["account", "contract", "self"]))
}

impl Detector for UnprotectedTerminate {
    fn meta(&self) -> &'static DetectorMeta {
        &META
    }

    fn run(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        out.extend(lifecycle_findings(
            cx,
            Effect::Terminate,
            &META,
            "destroys the contract",
            names_terminate,
        ));
    }
}
