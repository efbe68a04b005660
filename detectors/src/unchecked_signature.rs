use std::collections::BTreeSet;
use wasmaudit_detect::authz::{callers_of_effect_via, host_calls_any, live_functions, value_decides};
use wasmaudit_detect::taint::label;
use wasmaudit_detect::{Class, Confidence, Context, Detector, DetectorMeta, Docs, Finding, HostCall, Impact};
use wasmaudit_platform::{Effect, Platform};

pub struct UncheckedSignature;

pub static META: DetectorMeta = DetectorMeta {
    id: "WA311",
    name: "unchecked-signature",
    class: Class::UncheckedSignature,
    impact: Impact::High,
    confidence: Confidence::Medium,
    summary: "A signature verification's result is dropped, or does not gate the state change it \
        should protect",
    docs: Docs {
        what_it_does: "Takes every host call that verifies a signature or recovers a signer \
            (`signature-verify` effect: NEAR `ed25519_verify`/`ecrecover`, CosmWasm \
            `secp256k1_verify`/`ed25519_verify`/`*_recover_pubkey`, ink! `sr25519_verify`/\
            `ecdsa_recover`, EOSIO `recover_key`, MultiversX `verify*`, Soroban \
            `recover_key_ecdsa_secp256k1`); host calls that trap on a bad signature (EOSIO \
            `assert_recover_key`, Soroban `verify_sig_*`) need no check and are skipped. The \
            verdict (the call's result, or the key it writes to memory or a NEAR register) is \
            followed by taint: it must decide a guard (a branch that traps or skips, an \
            assertion) after the call, in the calling function or, when that function returns \
            or stores the verdict, in its callers. Reported: a verdict that decides nothing \
            (dropped), and a verdict that decides a guard while a state change after the \
            verification in the same function (a storage write, transfer, external call, upgrade, \
            termination or key action, directly or through a call) is not protected by any guard \
            carrying the verdict, nor by a check of the caller (`require_auth`, an asserted \
            `has_auth`, a caller comparison: the signature is then defense in depth). A dropped \
            verdict is reported only where a state change can follow the verification in the \
            function that drops it (through a call not handed the verdict): a verification whose \
            outcome is only printed or recorded accepts no action (test fixtures of the \
            intrinsic).",
        why_bad: "A signature check whose outcome is not enforced accepts every signature. \
            Meta-transactions, permits, oracle reports and multisig approvals then execute for \
            anyone, which breaks the key-management requirement that only the key holder can \
            authorize an action.",
        exploit_scenario: "A NEAR relayer contract checks `ed25519_verify(sig, msg, owner_pk)` \
            before executing a signed transfer, but only logs the result: `log(valid); \
            transfer(to, amount)`. An attacker submits a transfer to itself with a random \
            signature; the log says false and the transfer goes through.",
        recommendation: "Abort unless the verification succeeded (`assert!(verified)`, \
            `require(ok)`, `ensure!`) before any state change, compare a recovered key with the \
            expected signer, and prefer the platform's trapping variants (`assert_recover_key`, \
            Soroban `verify_sig_ed25519`).",
        known_false_positives: "Taint does not track which write to a slot comes last: a \
            guard reading a slot that held a verdict from another verification earlier counts. A verdict turned into a `Result` through \
            memory (CosmWasm's `Api::secp256k1_verify` wrapper returning `Ok(false)`) is checked \
            inside the wrapper and the caller's use of the `Result` is not followed, so an ignored \
            `Ok(false)` is missed. A state change that is meant to happen whether or not the \
            signature is valid (recording a failed attempt) is reported.",
    },
    platforms: &[],
};

const SINKS: [Effect; 6] = [
    Effect::StorageWrite,
    Effect::ValueTransfer,
    Effect::ExternalCall,
    Effect::CodeUpgrade,
    Effect::Terminate,
    Effect::KeyManagement,
];
/// Levels of callers a returned verdict is followed up.
const MAX_LEVELS: u32 = 4;

fn traps_on_failure(cx: &Context<'_>, c: &HostCall) -> bool {
    c.host.has(Effect::Abort)
        || (cx.platform == Platform::Soroban && c.host.display_name().starts_with("verify_"))
}

enum Verdict {
    /// Some context decides nothing with the verdict.
    Dropped,
    /// A guard uses it, but this state change after the verification is not protected by it.
    NotGating {
        func: u32,
        callee: u32,
    },
    Checked,
}

struct Checker<'c, 'a> {
    cx: &'c Context<'a>,
    /// Functions whose call tree makes a state-changing host call.
    changes_state: BTreeSet<u32>,
}

impl Checker<'_, '_> {
    /// Whether a call that changes state can run after instruction `site` of `func`, other than
    /// one handed the verdict itself (which records or returns the outcome, as a fixture of the
    /// verification intrinsic does).
    fn changes_after(&self, func: u32, site: usize) -> bool {
        let cx = self.cx;
        let (Some(cfg), Some(values)) = (cx.program.cfg(func), cx.program.values(func)) else { return true };
        let Some(from) = cfg.block_of(site) else { return true };
        let taint = cx.dataflow().funcs.get(func as usize);
        let sv = label(Effect::SignatureVerify);
        cx.program.calls.call_sites(func).iter().any(|(s, targets)| {
            *s != site
                && targets
                    .iter()
                    .any(|t| self.changes_state.contains(t) || SINKS.iter().any(|e| cx.host_has(*t, *e)))
                && cfg.block_of(*s).is_some_and(|b| if b == from { *s > site } else { cfg.reaches(from, b) })
                && !values.operands(*s).iter().any(|a| taint.is_some_and(|t| t.value(*a).labels & sv != 0))
        })
    }

    /// The verdict produced at `site` of `func` (the verification itself, or a call of a function
    /// that passes the verdict on).
    fn check(&self, func: u32, site: usize, level: u32) -> Verdict {
        let cx = self.cx;
        let sv = label(Effect::SignatureVerify);
        let Some(cfg) = cx.program.cfg(func) else { return Verdict::Checked };
        let guards = cx.guards();
        let used =
            guards.points(func).iter().any(|p| p.taint.labels & sv != 0 && cfg.dominates(site, p.instr));
        let passed_on = cx.dataflow().summaries.get(func as usize).is_some_and(|s| {
            (s.ret.labels | s.ret_mem.labels | s.writes.iter().fold(0, |a, w| a | w.labels)) & sv != 0
        });
        if used {
            // State changes after the verification must be protected by a verdict guard.
            let mut changes = false;
            for (s, targets) in cx.program.calls.call_sites(func) {
                if *s == site || !cfg.dominates(site, *s) {
                    continue;
                }
                let Some(&callee) = targets.iter().find(|t| self.changes_state.contains(t)) else { continue };
                changes = true;
                // A state change already behind a check of the caller (`require_auth`, an
                // asserted `has_auth`) does not rest on the signature: it is defense in depth.
                if guards.labels_protecting(cx, func, *s) & (sv | wasmaudit_detect::taint::IDENTITY) == 0 {
                    return Verdict::NotGating { func, callee };
                }
            }
            if changes || !passed_on || level >= MAX_LEVELS {
                return Verdict::Checked;
            }
        } else if !passed_on || level >= MAX_LEVELS {
            let decided = cx
                .program
                .values(func)
                .is_some_and(|v| v.results(site).iter().any(|r| value_decides(cx, func, *r)));
            return if decided || !self.changes_after(func, site) {
                Verdict::Checked
            } else {
                Verdict::Dropped
            };
        }
        // The function hands the verdict to its callers: every caller must use it. Trait-object
        // calls (`call_indirect` with several possible targets) are not followed: which caller
        // really calls is unknown, so the verdict is taken as used.
        let all_callers = cx.program.calls.callers(func);
        let callers: Vec<_> = all_callers
            .iter()
            .filter(|(c, cs)| !cs.indirect || cx.program.calls.targets_at(*c, cs.instr).len() == 1)
            .copied()
            .collect();
        if callers.is_empty() {
            let unknown_callers = !all_callers.is_empty();
            return if used || unknown_callers || !self.changes_after(func, site) {
                Verdict::Checked
            } else {
                Verdict::Dropped
            };
        }
        for (caller, cs) in callers {
            match self.check(caller, cs.instr, level + 1) {
                Verdict::Checked => {}
                other => return other,
            }
        }
        Verdict::Checked
    }
}

impl Detector for UncheckedSignature {
    fn meta(&self) -> &'static DetectorMeta {
        &META
    }

    fn run(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let live = live_functions(cx);
        let verifies: Vec<HostCall> = host_calls_any(cx, &[Effect::SignatureVerify])
            .into_iter()
            .filter(|c| live.contains(&c.func) && !traps_on_failure(cx, c))
            .collect();
        if verifies.is_empty() {
            return;
        }
        let mut changes_state = BTreeSet::new();
        for e in SINKS {
            changes_state.extend(callers_of_effect_via(cx, e, 8, false));
        }
        let checker = Checker { cx, changes_state };
        for v in verifies {
            let host = cx.host_display_name(v.callee);
            let message = match checker.check(v.func, v.instr, 0) {
                Verdict::Checked => continue,
                Verdict::Dropped => format!(
                    "the verdict of `{host}` never decides a branch or an assertion: any signature is accepted"
                ),
                Verdict::NotGating { func, callee } => format!(
                    "the verdict of `{host}` is tested, but the call of `{}` in `{}` after it runs whether \
                     or not the signature is valid",
                    callee_name(cx, callee),
                    cx.func_name(func),
                ),
            };
            out.push(Finding::at(cx, &META, v.func, v.instr, message));
        }
    }
}

fn callee_name(cx: &Context<'_>, f: u32) -> String {
    if cx.host_fn(f).is_some() {
        cx.host_display_name(f)
    } else {
        cx.func_name(f)
    }
}
