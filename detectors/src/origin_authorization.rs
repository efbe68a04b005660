use wasmaudit_detect::authz::{entry_kind, entry_name, host_calls_any, EntryKind, Walker};
use wasmaudit_detect::{
    Class, Confidence, Context, Detector, DetectorMeta, Docs, Finding, FindingSet, Impact,
};
use wasmaudit_platform::Effect;

pub struct OriginAuthorization;

pub static META: DetectorMeta = DetectorMeta {
    id: "WA202",
    name: "origin-authorization",
    class: Class::OriginAuthorization,
    impact: Impact::High,
    confidence: Confidence::Medium,
    summary: "A state change is authorized by the transaction origin (signer) instead of the \
        immediate caller",
    docs: Docs {
        what_it_does: "Finds guards whose condition carries the identity of the transaction's \
            origin or signer (NEAR `signer_account_id`/`signer_account_pk`, Stylus `tx_origin`, \
            ink! `caller_is_origin`, FISCO `getTxOrigin`, MultiversX \
            `managedGetOriginalCallerAddr`): a branch that traps or skips, an assertion, or a \
            helper that only returns after such a check. For every state-changing host call \
            (storage write, value transfer, code upgrade, termination, key management, privileged \
            call) it follows the ways up to the exported entry points; when on some way an origin \
            guard protects a step and no guard carrying the immediate caller's identity or an \
            authorization verdict does, the origin guard is reported (once, with one of the state \
            changes it stands in for).",
        why_bad: "The origin is whoever signed the transaction, not who is calling. Any contract \
            the owner interacts with can call this one inside the owner's transaction and pass the \
            check: a phishing contract that the owner is lured into calling (or a token callback \
            the owner triggers) invokes the privileged method, and `signer == owner` holds.",
        exploit_scenario: "A NEAR treasury lets `withdraw(to, amount)` through when \
            `signer_account_id() == owner`. The attacker deploys a game whose `play` method makes a \
            cross-contract call to `treasury.withdraw(attacker, all)`. When the owner plays, the \
            signer of the whole transaction is the owner, the check passes, and the treasury is \
            emptied to the attacker.",
        recommendation: "Authorize with the immediate caller (`predecessor_account_id`, \
            `msg_sender`, `caller`, `getCaller`) compared with the stored owner, or with the \
            platform's authorization primitive. Use the origin only to reject contract callers \
            in addition to, never instead of, the caller check.",
        known_false_positives: "A check meant only to refuse calls from contracts (\"EOA only\", ink! \
            `caller_is_origin` used as an anti-reentrancy measure) is reported when no caller \
            check accompanies it, although the state change itself may be meant to be public. \
            Guards are recognised from taint: a comparison whose inputs mix the origin with \
            unrelated data counts as an origin guard.",
    },
    platforms: &[],
};

const SINKS: [Effect; 6] = [
    Effect::StorageWrite,
    Effect::ValueTransfer,
    Effect::CodeUpgrade,
    Effect::Terminate,
    Effect::KeyManagement,
    Effect::Privileged,
];

impl Detector for OriginAuthorization {
    fn meta(&self) -> &'static DetectorMeta {
        &META
    }

    fn run(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let w = Walker::new(cx);
        let mut found = FindingSet::new(&META);
        for sink in host_calls_any(cx, &SINKS) {
            for path in w.paths(sink.func, sink.instr) {
                if path.identity || path.origin_guards.is_empty() {
                    continue;
                }
                if entry_kind(cx, path.entry) == EntryKind::PlatformInvoked {
                    continue;
                }
                for &(func, instr) in &path.origin_guards {
                    found.report(cx, (func, instr), || {
                        format!(
                            "this check of the transaction origin is the only authorization of `{}` \
                             (entry point `{}`): the immediate caller is never checked, so a contract \
                             the origin calls can pass it",
                            cx.host_display_name(sink.callee),
                            entry_name(cx, path.entry)
                        )
                    });
                }
            }
        }
        out.extend(found.into_findings());
    }
}
