use crate::authz::{
    entry_kind, entry_name, host_arg_taint, is_action_dispatcher, taint_along, EntryKind, Walker,
};
use wasmaudit_detect::{Class, Confidence, Context, Detector, DetectorMeta, Docs, Finding, HostCall, Impact};
use wasmaudit_flow::ValueDef;
use wasmaudit_front::Op;
use wasmaudit_platform::Effect;

pub struct UnprotectedKeyManagement;

pub static META: DetectorMeta = DetectorMeta {
    id: "WA313",
    name: "unprotected-key-management",
    class: Class::UnprotectedKeyManagement,
    impact: Impact::Critical,
    confidence: Confidence::Medium,
    summary: "Anyone can add or delete access keys of the contract's account",
    docs: Docs {
        what_it_does: "Finds every host call that adds or removes an access key (`key-management` \
            effect: NEAR `promise_batch_action_add_key_with_full_access`, \
            `promise_batch_action_add_key_with_function_call`, `promise_batch_action_delete_key`; \
            other platforms have no such host call in their models) and follows it up the call \
            graph to the exported entry points, as `unprotected-upgrade` does: it is reported when \
            the public key it adds or deletes is taken from the call's input (followed up through \
            wrappers: the caller chooses the key) and some way there passes no caller check (a guard on the caller's identity or an authorization \
            verdict, a helper that only returns after one, or a comparison of two account strings \
            after reading the predecessor). Ways from entry points the platform runs itself are \
            skipped, and initializers (`new`, `init`) count as protected when an \"already \
            initialized\" branch on a stored value guards them. Key actions on a batch that also \
            creates the account (`promise_batch_action_create_account` on the same promise) \
            provision a new sub-account rather than manage the contract's own keys and are not \
            reported. Calls inside an SDK's generic promise-action dispatcher (a function that \
            issues four or more kinds of `promise_batch_action_*` calls, near-sdk's \
            `PromiseAction` match) are skipped: which action it performs is decided by data queued \
            elsewhere, and every contract that sends a `Promise` contains one.",
        why_bad: "A full-access key is the account: whoever adds one can deploy code, transfer the \
            whole balance and delete the account. Deleting the owners' keys locks them out. Even a \
            function-call key lets its holder spend the allowance on gas. Key management is a core \
            requirement of the standard's key-management part.",
        exploit_scenario: "A NEAR multisig wallet exposes `add_request_and_confirm` for members and \
            a helper `add_full_access_key(public_key)` used by confirmed requests, but the helper \
            is also exported without a check. The attacker calls it with its own public key, then \
            signs a transaction as the wallet account and drains it.",
        recommendation: "Restrict key actions to the account itself or its owner: assert \
            `predecessor_account_id() == current_account_id()` (or the stored owner) before \
            scheduling them, and route them through the multisig or governance flow.",
        known_false_positives: "Key actions queued through near-sdk's `Promise` builder reach the \
            host only through the generic dispatcher and are not checked at all, and a key action \
            whose key comes from storage or a constant is not reported even when anyone can \
            trigger it (false negatives). Key actions for accounts other than the contract's own (adding a \
            key to an existing account the contract controls by design, a linkdrop adding a \
            function-call key restricted to its own claim methods) are reported unless the same \
            batch creates the account. Checks enforced by the platform (function-call access keys \
            that only allow the account itself to call the method) are not visible.",
    },
    platforms: &[],
};

impl Detector for UnprotectedKeyManagement {
    fn meta(&self) -> &'static DetectorMeta {
        &META
    }

    fn run(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let calls = cx.host_calls(Effect::KeyManagement);
        if calls.is_empty() {
            return;
        }
        let w = Walker::new(cx);
        for call in calls {
            if provisions_new_account(cx, &call) || is_action_dispatcher(cx, call.func) {
                continue;
            }
            let key =
                call.host.arg("pubkey").map(|a| host_arg_taint(cx, call.func, call.instr, a, 64, false));
            let unchecked = w.paths(call.func, call.instr).into_iter().find(|p| {
                let open = !p.identity
                    && match entry_kind(cx, p.entry) {
                        EntryKind::PlatformInvoked => false,
                        EntryKind::InitLike => {
                            p.labels & wasmaudit_detect::taint::label(Effect::StorageRead) == 0
                        }
                        EntryKind::Normal => true,
                    };
                // The key must be the caller's choice: taken from the call's input.
                open && key.is_some_and(|k| taint_along(cx, &p.chain, k, 64).has(Effect::Input))
            });
            let Some(path) = unchecked else { continue };
            out.push(Finding {
                detector: &META,
                function: call.func,
                instr: call.instr,
                offset: cx.offset_of(call.func, call.instr),
                message: format!(
                    "`{}` changes the account's access keys and entry point `{}` reaches it with no check \
                     of the caller",
                    cx.host_display_name(call.callee),
                    entry_name(cx, path.entry)
                ),
            });
        }
    }
}

/// Whether the key action's promise batch (a value of the same function) also gets a
/// `create_account` action: the key is for a new account being created.
fn provisions_new_account(cx: &Context<'_>, call: &HostCall) -> bool {
    let (Some(values), Some(f)) = (cx.program.values(call.func), cx.module.function(call.func)) else {
        return false;
    };
    let Some(p) = call.host.arg("promise") else { return false };
    let Some(&promise) = values.operands(call.instr).get(p as usize) else { return false };
    let promise = crate::authz::strip(cx, call.func, promise);
    if matches!(values.def(promise), ValueDef::Unknown) {
        return false;
    }
    f.body.iter().enumerate().any(|(i, ins)| {
        let Op::Call(c) = ins.op else { return false };
        let creates = cx.host_fn(c).is_some_and(|h| h.name == "promise_batch_action_create_account");
        creates
            && values.operands(i).first().is_some_and(|a| crate::authz::strip(cx, call.func, *a) == promise)
    })
}
