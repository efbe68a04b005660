use wasmaudit_detect::authz::{
    entry_kind, entry_name, host_arg_taint, is_action_dispatcher, taint_along, EntryKind, Walker,
};
use wasmaudit_detect::taint::Taint;
use wasmaudit_detect::{Class, Confidence, Context, Detector, DetectorMeta, Docs, Finding, HostCall, Impact};
use wasmaudit_flow::{BlockId, EdgeKind, ValueDef, ValueId};
use wasmaudit_front::{CmpOp, Op, UnOp};
use wasmaudit_platform::{Effect, Platform};

pub struct UnprotectedKeyManagement;

pub static META: DetectorMeta = DetectorMeta {
    id: "WA313",
    name: "unprotected-key-management",
    class: Class::UnprotectedKeyManagement,
    impact: Impact::Critical,
    confidence: Confidence::Medium,
    summary: "Anyone can make the contract add or delete access keys or change account permissions",
    docs: Docs {
        what_it_does: "Finds every host call that adds or removes an access key (`key-management` \
            effect: NEAR `promise_batch_action_add_key_with_full_access`, \
            `promise_batch_action_add_key_with_function_call`, `promise_batch_action_delete_key`) and follows it up the call \
            graph to the exported entry points, as `unprotected-upgrade` does: it is reported when \
            the public key it adds or deletes is taken from the call's input (followed up through \
            wrappers: the caller chooses the key) and some way there passes no caller check (a guard on the caller's identity or an authorization \
            verdict, a helper that only returns after one, or a comparison of two account strings \
            after reading the predecessor). Ways from entry points the platform runs itself are \
            skipped, and initializers (`new`, `init`) count as protected when an \"already \
            initialized\" branch on a stored value guards them. Key actions on a batch that also \
            creates the account (`promise_batch_action_create_account` on the same promise) \
            provision a new sub-account rather than manage the contract's own keys and are not \
            reported. A key action queued as a near-sdk 5 `PromiseAction` record (`Promise::new(..)\
            .add_full_access_key(key)`) is found where the entry point writes the record's tag \
            and hands the record on (the dispatcher's `br_table` on the tag says which host call \
            each tag becomes) and judged there the same way, the key being the record's contents. \
            Calls inside an SDK's generic promise-action dispatcher (a function that \
            issues four or more kinds of `promise_batch_action_*` calls, near-sdk's \
            `PromiseAction` match) are skipped: which action it performs is decided by data queued \
            elsewhere, and every contract that sends a `Promise` contains one. EOSIO has no key \
            host call: a contract changes permissions by sending the system contract's \
            `updateauth`, `deleteauth`, `linkauth` or `unlinkauth` inline (`send_inline`, \
            `send_deferred`) with its own `eosio.code` authority. There a way from `apply` to the \
            send that passes a function building such an action (it stores the names `eosio` and \
            `updateauth`, ... as constants, or converts them to names at run time, reading the \
            characters of their NUL-terminated string literals itself, as clang leaves \
            `\"updateauth\"_n` outside a constant context) is reported when no `require_auth`/`has_auth` guard \
            protects it and it does not run in a `transfer` notification handler (a paid \
            service), unless, on that way, the action object is filled from stored state and \
            constants only (a keeper restoring the permission a row recorded once its lock time \
            has passed); a value the caller gives counts as stored there when the way goes on only \
            after it was found equal to a value read from storage (the account name a lock row was \
            looked up by, compared with the row's field in the scan or in a `check`).",
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
        known_false_positives: "Key actions queued through near-sdk's `Promise` builder in a \
            layout the queued-record analysis does not recognise (near-sdk 3 and 4, a record filled \
            by a helper) reach the host only through the generic dispatcher and are not checked at \
            all, and a key action \
            whose key comes from storage or a constant is not reported even when anyone can \
            trigger it (false negatives). Key actions for accounts other than the contract's own (adding a \
            key to an existing account the contract controls by design, a linkdrop adding a \
            function-call key restricted to its own claim methods) are reported unless the same \
            batch creates the account. Checks enforced by the platform (function-call access keys \
            that only allow the account itself to call the method) are not visible. On EOSIO an \
            action built by a generic packer from names that are neither constants nor literals \
            (read from the action data or a table) is missed, and an account \
            service that sets up permissions of a new account for an unauthenticated caller is \
            reported.",
    },
    platforms: &[],
};

impl Detector for UnprotectedKeyManagement {
    fn meta(&self) -> &'static DetectorMeta {
        &META
    }

    fn run(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        if cx.platform == Platform::Eosio {
            eosio_permission_actions(cx, out);
            return;
        }
        let calls = cx.host_calls(Effect::KeyManagement);
        if calls.is_empty() {
            return;
        }
        let w = Walker::new(cx);
        queued_key_actions(cx, &w, out);
        for call in calls {
            if provisions_new_account(cx, &call) || is_action_dispatcher(cx, call.func) {
                continue;
            }
            let key =
                call.host.arg("pubkey").map(|a| host_arg_taint(cx, call.func, call.instr, a, 64, false));
            let unchecked = unchecked_way(cx, &w, call.func, call.instr, key);
            let Some(path) = unchecked else { continue };
            out.push(Finding::at(
                cx,
                &META,
                call.func,
                call.instr,
                format!(
                    "`{}` changes the account's access keys and entry point `{}` reaches it with no check \
                     of the caller",
                    cx.host_display_name(call.callee),
                    entry_name(cx, path.entry)
                ),
            ));
        }
    }
}

/// A way from an entry point to the key action at `instr` of `func` that passes no caller
/// check, where the key (`key`: what the action's key argument carries) is taken from the
/// call's input.
fn unchecked_way(
    cx: &Context<'_>,
    w: &Walker<'_, '_>,
    func: u32,
    instr: usize,
    key: Option<Taint>,
) -> Option<wasmaudit_detect::authz::Path> {
    w.paths(func, instr).into_iter().find(|p| {
        let open = !p.identity
            && match entry_kind(cx, p.entry) {
                EntryKind::PlatformInvoked => false,
                EntryKind::InitLike => p.labels & wasmaudit_detect::taint::label(Effect::StorageRead) == 0,
                EntryKind::Normal => true,
            };
        // The key must be the caller's choice: taken from the call's input.
        open && key.is_some_and(|k| taint_along(cx, &p.chain, k, 64).has(Effect::Input))
    })
}

/// Key actions queued as records for an SDK's action dispatcher (near-sdk's
/// `Promise::add_full_access_key` pushes a `PromiseAction` the promise's drop issues): the place
/// that queues the record stands for the host call, and the record's contents for its key.
fn queued_key_actions(cx: &Context<'_>, w: &Walker<'_, '_>, out: &mut Vec<Finding>) {
    let queued = wasmaudit_detect::queued::queued(cx);
    let mut reported = std::collections::BTreeSet::new();
    for q in queued.with(cx, Effect::KeyManagement) {
        if !reported.insert((q.func, q.instr)) {
            continue;
        }
        let key = Some(host_arg_taint(cx, q.func, q.instr, q.arg, 64, false));
        let Some(path) = unchecked_way(cx, w, q.func, q.instr, key) else { continue };
        out.push(Finding::at(
            cx,
            &META,
            q.func,
            q.instr,
            format!(
                "queues `{}` (the SDK's action dispatcher issues it later), changing the account's \
                 access keys, and entry point `{}` reaches it with no check of the caller",
                cx.host_display_name(q.host),
                entry_name(cx, path.entry)
            ),
        ));
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
    let promise = wasmaudit_detect::authz::strip(cx, call.func, promise);
    if matches!(values.def(promise), ValueDef::Unknown) {
        return false;
    }
    f.body.iter().enumerate().any(|(i, ins)| {
        let Op::Call(c) = ins.op else { return false };
        let creates = cx.host_fn(c).is_some_and(|h| h.name == "promise_batch_action_create_account");
        creates
            && values
                .operands(i)
                .first()
                .is_some_and(|a| wasmaudit_detect::authz::strip(cx, call.func, *a) == promise)
    })
}

/// `eosio::updateauth`, `deleteauth`, `linkauth`, `unlinkauth`: the system actions that change
/// an account's permissions (its keys), as EOSIO names.
const PERMISSION_ACTIONS: [(i64, &str); 4] = [
    (-3_075_276_123_059_568_640, "updateauth"),
    (5_378_050_746_259_030_016, "deleteauth"),
    (-8_383_728_422_475_530_240, "linkauth"),
    (-3_106_663_778_418_475_008, "unlinkauth"),
];
/// The name `eosio`, the system contract's account.
const EOSIO_ACCOUNT: i64 = 6_138_663_577_826_885_632;

/// EOSIO has no key host call: a contract changes its account's keys by sending the system
/// contract's `updateauth` (and kin) as an inline or deferred action, which runs with the
/// contract's own authority (`eosio.code`). Reported: a way from an entry point to
/// `send_inline`/`send_deferred` that passes a function building such an action (it stores the
/// constant names `eosio` and `updateauth`, ... in memory) with no caller check on the way.
fn eosio_permission_actions(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let sends: Vec<HostCall> = cx
        .host_calls(Effect::ExternalCall)
        .into_iter()
        .filter(|c| matches!(c.host.name.as_str(), "send_inline" | "send_deferred"))
        .collect();
    if sends.is_empty() {
        return;
    }
    // A `transfer` notification handler runs for a payment: permissions set there are a paid
    // service (an account sold to the payer), not an open door.
    let notification_sites: Vec<(u32, usize)> = wasmaudit_detect::eosio_dispatch::dispatch(cx)
        .transfers
        .iter()
        .filter(|t| t.handles_notifications())
        .map(|t| t.site)
        .collect();
    let w = Walker::new(cx);
    let mut builders = std::collections::BTreeMap::new();
    let mut reported = std::collections::BTreeSet::new();
    for send in sends {
        for path in w.paths(send.func, send.instr) {
            if path.identity
                || entry_kind(cx, path.entry) != EntryKind::Normal
                || path.chain.iter().any(|s| notification_sites.contains(s))
            {
                continue;
            }
            let step = path.chain.iter().find_map(|&(g, i)| {
                let action = *builders.entry(g).or_insert_with(|| permission_action_built(cx, g));
                action.map(|a| (g, i, a))
            });
            let Some((g, i, action)) = step else { continue };
            if from_state_on_this_way(cx, &path.chain, (g, i)) || !reported.insert((g, i)) {
                continue;
            }
            out.push(Finding::at(
                cx,
                &META,
                g,
                i,
                format!(
                    "entry point `{}` sends `eosio::{action}` (through `{}`), changing account \
                     permissions with the contract's own authority, with no `require_auth` check of \
                     the caller before it",
                    entry_name(cx, path.entry),
                    cx.host_display_name(send.callee)
                ),
            ));
        }
    }
}

/// The permission action function `func` builds: it stores the constant names `eosio` and one
/// of [`PERMISSION_ACTIONS`] into memory, or converts them to names at run time from their
/// string literals (`name("updateauth")` where the compiler did not fold the conversion loop:
/// the function reads the characters of the NUL-terminated text `updateauth` in a data segment
/// itself, byte by byte, from the literal's address or a loop's pointer that starts there).
fn permission_action_built(cx: &Context<'_>, func: u32) -> Option<&'static str> {
    let (Some(f), Some(values), Some(ev)) =
        (cx.module.function(func), cx.program.values(func), cx.evaluator(func))
    else {
        return None;
    };
    let mut stored = std::collections::BTreeSet::new();
    // Constant addresses the function reads single bytes from (directly or as the start of a
    // pointer a loop advances).
    let mut scanned = std::collections::BTreeSet::new();
    for (i, ins) in f.body.iter().enumerate() {
        match ins.op {
            Op::Store { .. } => {
                if let Some(c) = values.operands(i).get(1).and_then(|v| ev.constant(*v)) {
                    stored.insert(c);
                }
            }
            Op::Load { kind, .. } if kind.bytes == 1 => {
                if let Some(&a) = values.operands(i).first() {
                    let mut at = vec![a];
                    if let ValueDef::Phi { operands, .. } = values.def(a) {
                        at.extend(operands.iter().copied());
                    }
                    scanned.extend(at.into_iter().filter_map(|v| ev.constant(v)));
                }
            }
            _ => {}
        }
    }
    let literal = |text: &str| {
        scanned.iter().any(|a| {
            u64::try_from(*a)
                .ok()
                .and_then(|a| cx.module.data_at(a, text.len() + 1))
                .is_some_and(|b| b.strip_suffix(&[0]) == Some(text.as_bytes()))
        })
    };
    if !stored.contains(&EOSIO_ACCOUNT) && !literal("eosio") {
        return None;
    }
    PERMISSION_ACTIONS.iter().find(|(n, a)| stored.contains(n) || literal(a)).map(|(_, a)| *a)
}

/// Whether, on this way, the permission action built at `step` is filled from stored state and
/// constants only (an action that restores what the contract recorded, after a time lock, say,
/// changes nothing the caller picked): what its object carries at the send, followed up the way to the entry point,
/// has sources and none of them is the call's input. An action whose object carries nothing
/// known is left to the send-level check. A value that, where the way passes, can only hold a
/// stored value ([`pinned_values`]: the key the row was looked up by, found equal to the row's
/// field) is not followed up: whatever the caller passed, the action names what the row
/// recorded.
fn from_state_on_this_way(cx: &Context<'_>, chain: &[(u32, usize)], step: (u32, usize)) -> bool {
    let Some(k) = chain.iter().position(|s| *s == step) else { return false };
    let mut t = host_arg_taint(cx, step.0, step.1, 0, 64, true);
    t.join(host_arg_taint(cx, step.0, step.1, 0, 64, false));
    let way = &chain[k..];
    let mut pinned = pinned_values(cx, step.0, step.1);
    for (j, &(f, _)) in way.iter().enumerate() {
        if t.params != 0 {
            t.params &= !pinned_params(cx, f, &pinned);
        }
        if t.params == 0 && t.param_mem == 0 {
            break;
        }
        let Some(&(caller, site)) = way.get(j + 1) else { break };
        // Arguments the caller passes by value that hold a stored value at the call: not the
        // caller's choice either.
        pinned = pinned_values(cx, caller, site);
        if t.params != 0 {
            t.params &= !pinned_args(cx, caller, site, &pinned);
        }
        t = wasmaudit_detect::authz::lift_taint(cx, caller, site, t, 64);
    }
    t.labels != 0 && !t.has(Effect::Input) && t.params == 0 && t.param_mem == 0
}

/// The parameters of `func` among its values `pinned` (bit i: parameter i).
fn pinned_params(cx: &Context<'_>, func: u32, pinned: &std::collections::BTreeSet<ValueId>) -> u64 {
    let Some(values) = cx.program.values(func) else { return 0 };
    pinned.iter().fold(0, |acc, v| match values.def(*v) {
        ValueDef::Param(p) if *p < 64 => acc | 1 << p,
        _ => acc,
    })
}

/// Arguments (bit i: argument i) of the call at `site` of `caller` that are among its values
/// `pinned` ([`pinned_values`] there).
fn pinned_args(
    cx: &Context<'_>,
    caller: u32,
    site: usize,
    pinned: &std::collections::BTreeSet<ValueId>,
) -> u64 {
    let (Some(values), Some(f)) = (cx.program.values(caller), cx.module.function(caller)) else { return 0 };
    if pinned.is_empty() {
        return 0;
    }
    let args = wasmaudit_detect::authz::call_args(f.body.get(site).map(|i| &i.op), values.operands(site));
    args.iter().enumerate().take(64).fold(0, |acc, (i, a)| {
        if pinned.contains(&wasmaudit_detect::authz::strip(cx, caller, *a)) {
            acc | 1 << i
        } else {
            acc
        }
    })
}

/// Values of `func` (conversions stripped) that hold a stored value at `instr`: every way from
/// the function's entry to `instr` takes the equal side of a branch comparing the value with one
/// read from storage (a lookup that scans the rows for the one whose field equals the key, and
/// goes on only once it found it), or passes an assertion of their equality
/// (`check(row.account == account, ..)`). Branches that found them different, or compared them
/// with anything else, pin nothing.
fn pinned_values(cx: &Context<'_>, func: u32, instr: usize) -> std::collections::BTreeSet<ValueId> {
    let mut pinned = std::collections::BTreeSet::new();
    let (Some(cfg), Some(f)) = (cx.program.cfg(func), cx.module.function(func)) else {
        return pinned;
    };
    let Some(target) = cfg.block_of(instr) else { return pinned };
    // Per value, the edges on which it was found equal to a stored value.
    let mut equal_edges: std::collections::BTreeMap<ValueId, Vec<(BlockId, EdgeKind)>> = Default::default();
    for (i, is_branch, c) in wasmaudit_detect::guards::conditions(cx, func) {
        let Some((v, when_true)) = equality_with_state(cx, func, c) else { continue };
        if !is_branch {
            // An assertion that traps unless they are equal, before `instr` on every way.
            if when_true && i != instr && cfg.dominates(i, instr) {
                pinned.insert(v);
            }
        } else if matches!(f.body.get(i).map(|x| &x.op), Some(Op::BrIf(_) | Op::If(_))) {
            let Some(b) = cfg.block_of(i) else { continue };
            equal_edges
                .entry(v)
                .or_default()
                .push((b, if when_true { EdgeKind::True } else { EdgeKind::False }));
        }
    }
    for (v, edges) in equal_edges {
        if pinned.contains(&v) {
            continue;
        }
        // Reachable from the entry without taking any of those edges?
        let mut seen = std::collections::BTreeSet::from([cfg.entry]);
        let mut work = vec![cfg.entry];
        while let Some(b) = work.pop() {
            for (s, kind) in cfg.successors(b) {
                if !edges.contains(&(b, kind)) && seen.insert(s) {
                    work.push(s);
                }
            }
        }
        if !seen.contains(&target) {
            pinned.insert(v);
        }
    }
    pinned
}

/// When condition `c` compares a value with one read from storage for equality: that value
/// (conversions stripped; not itself read from storage) and whether the condition is non-zero
/// when they are equal.
fn equality_with_state(cx: &Context<'_>, func: u32, mut c: ValueId) -> Option<(ValueId, bool)> {
    let (values, f) = (cx.program.values(func)?, cx.module.function(func)?);
    let mut equal_when_true = true;
    for _ in 0..4 {
        let ValueDef::Result { instr, index: 0 } = values.def(c) else { return None };
        match f.body.get(*instr).map(|i| &i.op)? {
            Op::Unary(_, UnOp::Eqz) => {
                equal_when_true = !equal_when_true;
                c = *values.operands(*instr).first()?;
            }
            Op::Compare(_, op @ (CmpOp::Eq | CmpOp::Ne)) => {
                let ops = values.operands(*instr);
                let strip = |v: ValueId| wasmaudit_detect::authz::strip(cx, func, v);
                let (a, b) = (strip(*ops.first()?), strip(*ops.get(1)?));
                let when_true = if *op == CmpOp::Eq { equal_when_true } else { !equal_when_true };
                return match (read_from_storage(cx, func, a), read_from_storage(cx, func, b)) {
                    (false, true) => Some((a, when_true)),
                    (true, false) => Some((b, when_true)),
                    _ => None,
                };
            }
            _ => return None,
        }
    }
    None
}

/// Whether `v` is read from storage: it carries `storage-read`, or it is loaded (through
/// address arithmetic and loaded pointers) from memory that a call reading storage returned (a
/// row a table lookup decoded).
fn read_from_storage(cx: &Context<'_>, func: u32, v: ValueId) -> bool {
    let (Some(values), Some(f), Some(ft)) =
        (cx.program.values(func), cx.module.function(func), cx.dataflow().funcs.get(func as usize))
    else {
        return false;
    };
    let stored = wasmaudit_detect::taint::label(Effect::StorageRead);
    let reads = wasmaudit_detect::packed::source_reads(cx);
    let mut seen = std::collections::BTreeSet::new();
    let mut work = vec![v];
    while let Some(v) = work.pop() {
        if seen.len() > 32 || !seen.insert(v) {
            continue;
        }
        if ft.value(v).labels & stored != 0 {
            return true;
        }
        let ValueDef::Result { instr, .. } = values.def(v) else { continue };
        match f.body.get(*instr).map(|i| &i.op) {
            Some(Op::Load { .. } | Op::Binary(..) | Op::Convert(_)) => {
                work.extend(values.operands(*instr).iter().copied())
            }
            Some(Op::Call(_) | Op::CallIndirect { .. }) => {
                let targets = cx.program.calls.targets_at(func, *instr);
                if !targets.is_empty()
                    && targets.iter().all(|t| reads.0.get(*t as usize).is_some_and(|r| r & stored != 0))
                {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}
