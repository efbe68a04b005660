use wasmaudit_detect::query::unguarded_sink_findings;
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
            (ink! `terminate`, NEAR `promise_batch_action_delete_account`, ewasm `selfDestruct`, ...) \
            and reports it when an exported entry point reaches it on a path where no authorization \
            check dominates it (the same guard query as `unprotected-upgrade`: a trapping auth check, \
            a helper that always performs one, or a caller read followed by a branch or abort).",
        why_bad: "Termination removes the code and storage and sends the remaining balance to a \
            beneficiary. Unrestricted, it lets anyone freeze the service for good and often steal \
            the balance: the lifecycle's freeze/revoke step must be an administrator's decision.",
        exploit_scenario: "An ink! vault has `close(beneficiary)` that calls `terminate(beneficiary)` so \
            the operator can retire it. Without a `caller() == owner` check, an attacker calls \
            `close(attacker)` and receives the vault's whole balance while the contract disappears.",
        recommendation: "Compare the immediate caller with the stored owner (or require the owner's \
            authorization) before terminating, and prefer a freeze flag over destruction where state \
            must survive.",
        known_false_positives: "Guards are recognised structurally (any branch after a caller read); a \
            termination restricted by the platform outside the module, or a contract meant to be \
            disposable by anyone, is reported.",
    },
    platforms: &[],
};

impl Detector for UnprotectedTerminate {
    fn meta(&self) -> &'static DetectorMeta {
        &META
    }

    fn run(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        out.extend(unguarded_sink_findings(cx, Effect::Terminate, &META, "destroys the contract"));
    }
}
