use std::collections::{BTreeMap, BTreeSet};
use wasmaudit_detect::authz::{
    branches_decided, callers_of_effect_via, host_calls_any, live_functions, value_decides,
};
use wasmaudit_detect::taint::label;
use wasmaudit_detect::{Class, Confidence, Context, Detector, DetectorMeta, Docs, Finding, HostCall, Impact};
use wasmaudit_flow::{Base, BlockId, EdgeKind, ValueDef};
use wasmaudit_front::Op;
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
            intrinsic). A verification wrapper that only turns the status into a value for its \
            caller (cosmwasm-std's `Api::secp256k1_verify`: a `br_table` on the status whose valid \
            and invalid cases store `Ok(true)` and `Ok(false)` behind an out-pointer, the status \
            codes from the platform model) passes the verdict on: each caller on a way from an \
            entry point (a trait-object call reaches only the wrapper its vtable names) must read \
            the bytes in which the two cases differ where the value is whole, deciding a branch \
            with them or handing them on (a query answering `verifies: bool`), not only on the \
            side where the tag says the call failed; `verify(..)?` with the `bool` dropped is \
            reported in the wrapper.",
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
            guard reading a slot that held a verdict from another verification earlier counts. A wrapper that turns a status into a value for its caller is \
            recognised only as a `br_table` on a status whose codes the platform model gives \
            (CosmWasm `*_verify`); a caller that reads the verdict only inside a helper it hands \
            the value to is reported (a false positive: the frame slot is reused, so a hand-over \
            cannot be told from a later value in the same slot). A state change that is meant to happen whether or not the \
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
    /// A wrapper turned the status into a value for `caller`, which never reads whether the
    /// signature was valid (only, say, whether the call failed).
    Unread {
        caller: u32,
    },
    /// A guard uses it, but this state change after the verification is not protected by it.
    NotGating {
        func: u32,
        callee: u32,
    },
    Checked,
}

struct Checker<'c, 'a> {
    cx: &'c Context<'a>,
    walker: wasmaudit_detect::authz::Walker<'c, 'a>,
    /// Functions whose call tree makes a state-changing host call.
    changes_state: BTreeSet<u32>,
}

impl Checker<'_, '_> {
    /// Whether calling `target` changes state: a state-changing host call, or a function whose
    /// call tree makes one.
    fn changes_state_at(&self, target: u32) -> bool {
        self.changes_state.contains(&target) || SINKS.iter().any(|e| self.cx.host_has(target, *e))
    }

    /// When the verification at `site` of `func` has modelled status codes and `func` only
    /// translates them: a `br_table` on the status whose valid and invalid cases run code that
    /// neither traps nor changes state and that stores constants behind one pointer parameter.
    /// The parameter and the offsets of the bytes the two cases store differently.
    fn translation(&self, func: u32, site: usize) -> Option<(u32, BTreeSet<i64>, BTreeMap<i64, u8>)> {
        let cx = self.cx;
        let codes =
            cx.direct_calls(func).find(|(at, _)| *at == site).and_then(|(_, c)| cx.host_fn(c))?.verdict()?;
        let (cfg, values, ev) = (cx.program.cfg(func)?, cx.program.values(func)?, cx.evaluator(func)?);
        let body = &cx.module.function(func)?.body;
        let status = *values.results(site).first()?;
        let switch = body.iter().enumerate().skip(site).find(|(i, ins)| {
            matches!(ins.op, Op::BrTable { .. }) && values.operands(*i).last() == Some(&status)
        })?;
        let from = cfg.block_of(switch.0)?;
        let case = |code: i64| {
            let succ: Vec<(BlockId, EdgeKind)> = cfg.successors(from).collect();
            succ.iter()
                .find(|(_, k)| u32::try_from(code).is_ok_and(|c| *k == EdgeKind::Case(c)))
                .or_else(|| succ.iter().find(|(_, k)| *k == EdgeKind::Case(u32::MAX)))
                .map(|(b, _)| *b)
        };
        let (valid, invalid) = (case(codes.valid)?, case(codes.invalid)?);
        let reach = |start: BlockId| -> BTreeSet<BlockId> {
            let mut seen = BTreeSet::new();
            let mut work = vec![start];
            while let Some(b) = work.pop() {
                if seen.len() > 256 || !seen.insert(b) {
                    continue;
                }
                work.extend(cfg.successors(b).map(|(s, _)| s));
            }
            seen
        };
        let (rv, ri) = (reach(valid), reach(invalid));
        let only_v: BTreeSet<BlockId> = rv.difference(&ri).copied().collect();
        let only_i: BTreeSet<BlockId> = ri.difference(&rv).copied().collect();
        if only_v.is_empty() || only_i.is_empty() {
            return None;
        }
        let guards = cx.guards();
        if only_v.iter().chain(only_i.iter()).any(|b| guards.traps(func, *b)) {
            return None;
        }
        let changes = cx.program.calls.call_sites(func).iter().any(|(s, targets)| {
            cfg.block_of(*s).is_some_and(|b| only_v.contains(&b) || only_i.contains(&b))
                && targets.iter().any(|t| self.changes_state_at(*t))
        });
        if changes {
            return None;
        }
        // Bytes each case stores behind the parameter: offset -> byte (None: not a constant).
        let mut param = None;
        let mut cases: [BTreeMap<i64, Option<u8>>; 2] = [BTreeMap::new(), BTreeMap::new()];
        for (addr, (i, v, w)) in ev.stores() {
            let Some(b) = cfg.block_of(*i) else { continue };
            let k = if only_v.contains(&b) {
                0
            } else if only_i.contains(&b) {
                1
            } else {
                continue;
            };
            let Base::Value(base) = addr.base else { return None };
            let ValueDef::Param(p) = values.def(base) else { return None };
            if param.is_some_and(|q| q != *p) {
                return None;
            }
            param = Some(*p);
            let c = ev.constant(*v);
            for j in 0..i64::from(*w) {
                let byte = c.map(|c| ((c as u64) >> (8 * j as u32).min(63)) as u8);
                cases[k].insert(addr.offset + j, byte);
            }
        }
        let differ: BTreeSet<i64> = cases[0]
            .keys()
            .chain(cases[1].keys())
            .filter(|o| match (cases[0].get(o), cases[1].get(o)) {
                (Some(Some(a)), Some(Some(b))) => a != b,
                _ => true,
            })
            .copied()
            .collect();
        // Bytes both cases store alike: the tag of the value both build (`Ok`).
        let agree: BTreeMap<i64, u8> = cases[0]
            .iter()
            .filter_map(|(o, b)| match (b, cases[1].get(o)) {
                (Some(a), Some(Some(b))) if a == b => Some((*o, *a)),
                _ => None,
            })
            .collect();
        (!differ.is_empty()).then_some((param?, differ, agree))
    }

    /// Whether every direct caller of `func` reads, after the call, one of `bytes` behind the
    /// argument it passes as parameter `param` and decides a branch with it. A caller that passes
    /// memory behind its own parameter hands the verdict on: taken as read.
    fn translated_verdict_read(
        &self,
        func: u32,
        site: usize,
        param: u32,
        bytes: &BTreeSet<i64>,
        agree: &BTreeMap<i64, u8>,
    ) -> Verdict {
        let cx = self.cx;
        // The call sites above on the ways from an entry point: a trait-object call whose vtable
        // the way fixes reaches only the wrapper it names.
        let callers: BTreeSet<(u32, usize)> =
            self.walker.paths(func, site).iter().filter_map(|p| p.chain.get(1).copied()).collect();
        if callers.is_empty() {
            return Verdict::Checked;
        }
        for (caller, cs_instr) in callers {
            let (Some(values), Some(ev), Some(cfg), Some(f)) = (
                cx.program.values(caller),
                cx.evaluator(caller),
                cx.program.cfg(caller),
                cx.module.function(caller),
            ) else {
                continue;
            };
            let args = wasmaudit_detect::authz::call_args(
                f.body.get(cs_instr).map(|i| &i.op),
                values.operands(cs_instr),
            );
            let Some(&arg) = args.get(param as usize) else { continue };
            let out = ev.address(arg, 0);
            let uses = wasmaudit_detect::authz::Uses::new(cx, caller);
            if let Base::Value(b) = out.base {
                // Memory behind the caller's own parameter: handed further up, taken as read.
                if !matches!(values.def(b), ValueDef::Result { .. } | ValueDef::GlobalEntry(_)) {
                    continue;
                }
            }
            let covers = |j: usize, kind: &wasmaudit_front::LoadKind, offsets: &[i64]| {
                ev.mem_address(j).is_some_and(|la| {
                    la.base == out.base
                        && offsets.iter().any(|d| {
                            let at = out.offset + d;
                            la.offset <= at && at < la.offset + i64::from(kind.bytes)
                        })
                })
            };
            let (agree_at, bytes_at): (Vec<i64>, Vec<i64>) =
                (agree.keys().copied().collect(), bytes.iter().copied().collect());
            // Where the caller finds the tag is not the one both cases write (an error): the
            // bytes read there are the error's, not the verdict.
            let mut failure: Vec<BlockId> = Vec::new();
            for (j, ins) in f.body.iter().enumerate() {
                let Op::Load { kind, .. } = &ins.op else { continue };
                if !cfg.dominates(cs_instr, j) || !covers(j, kind, &agree_at) {
                    continue;
                }
                let Some(&tag) = values.results(j).first() else { continue };
                failure.extend(failure_edges(cx, caller, tag, agree));
            }
            let read = f.body.iter().enumerate().any(|(j, ins)| {
                let Op::Load { kind, .. } = &ins.op else { return false };
                if !cfg.dominates(cs_instr, j) || !covers(j, kind, &bytes_at) {
                    return false;
                }
                let Some(b) = cfg.block_of(j) else { return false };
                let on_failure = failure.iter().any(|e| cfg.block_dominates(*e, b));
                // Read where the value is whole: decided on, or handed on (returned, serialized
                // into the response as a query's answer).
                !on_failure || !branches_decided(cx, caller, &uses, values.results(j)).is_empty()
            });
            if !read {
                return Verdict::Unread { caller };
            }
        }
        Verdict::Checked
    }

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
                && targets.iter().any(|t| self.changes_state_at(*t))
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
        // A wrapper that only turns the status into a value it writes for its caller
        // (`Ok(true)` / `Ok(false)` / `Err(..)` behind an out-pointer): the caller must read the
        // bytes in which a valid and an invalid signature differ.
        if let Some((param, bytes, agree)) = self.translation(func, site) {
            return self.translated_verdict_read(func, site, param, &bytes, &agree);
        }
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
        let checker = Checker { cx, walker: wasmaudit_detect::authz::Walker::new(cx), changes_state };
        for v in verifies {
            let host = cx.host_display_name(v.callee);
            let message = match checker.check(v.func, v.instr, 0) {
                Verdict::Checked => continue,
                Verdict::Dropped => format!(
                    "the verdict of `{host}` never decides a branch or an assertion: any signature is accepted"
                ),
                Verdict::Unread { caller } => format!(
                    "`{}` turns the verdict of `{host}` into a value for `{}`, which never reads whether \
                     the signature was valid: any well-formed signature is accepted",
                    cx.func_name(v.func),
                    cx.func_name(caller),
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

/// The blocks a comparison of `tag` (a loaded value of `func`) with the constant the cases agree
/// on sends control to when the tag differs from it: the failure side.
fn failure_edges(
    cx: &Context<'_>,
    func: u32,
    tag: wasmaudit_flow::ValueId,
    agree: &BTreeMap<i64, u8>,
) -> Vec<BlockId> {
    let (Some(f), Some(values), Some(ev), Some(cfg)) =
        (cx.module.function(func), cx.program.values(func), cx.evaluator(func), cx.program.cfg(func))
    else {
        return Vec::new();
    };
    let Some(&ok) = agree.values().next() else { return Vec::new() };
    let uses = wasmaudit_detect::authz::Uses::new(cx, func);
    let mut out = Vec::new();
    for &u in uses.of(tag) {
        let Some(Op::Compare(_, op)) = f.body.get(u).map(|i| &i.op) else { continue };
        let ops = values.operands(u);
        let other = ops.iter().find(|o| **o != tag).and_then(|o| ev.constant(*o));
        if other != Some(i64::from(ok)) {
            continue;
        }
        let fail_when_true = match op {
            wasmaudit_front::CmpOp::Ne => true,
            wasmaudit_front::CmpOp::Eq => false,
            _ => continue,
        };
        for r in values.results(u) {
            for &b in uses.of(*r) {
                if !matches!(f.body.get(b).map(|i| &i.op), Some(Op::BrIf(_) | Op::If(_))) {
                    continue;
                }
                let Some(from) = cfg.block_of(b) else { continue };
                let want = if fail_when_true { EdgeKind::True } else { EdgeKind::False };
                out.extend(cfg.successors(from).filter(|(_, k)| *k == want).map(|(s, _)| s));
            }
        }
    }
    out
}
