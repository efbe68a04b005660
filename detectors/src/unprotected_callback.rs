use std::collections::BTreeSet;
use wasmaudit_detect::authz::{
    arg_taint_along, direct_reach, host_calls_any, near_callbacks, reachable, Walker,
};
use wasmaudit_detect::taint::label;
use wasmaudit_detect::{Class, Confidence, Context, Detector, DetectorMeta, Docs, Finding, HostCall, Impact};
use wasmaudit_front::{CmpOp, Op, Width};
use wasmaudit_platform::{Effect, Platform};

pub struct UnprotectedCallback;

pub static META: DetectorMeta = DetectorMeta {
    id: "WA203",
    name: "unprotected-callback",
    class: Class::UnprotectedCallback,
    impact: Impact::High,
    confidence: Confidence::Medium,
    summary: "A callback meant for the contract itself (NEAR promise callback, CosmWasm reply) \
        changes state without checking who called it",
    docs: Docs {
        what_it_does: "NEAR: a method is a callback when the contract schedules it on itself by \
            name to run after another promise (the constant method name of a `promise_then`, or of \
            a function-call action on a `promise_batch_then` batch, whose account carries \
            `current_account_id`), or when it reads \
            `promise_result`/`promise_results_count` through direct calls. For each callback, the \
            state changes it reaches (storage writes, transfers, cross-contract calls, key \
            actions) are followed up to the callback's export; a callback is reported, at its \
            first such state change, when some way there passes no caller check (a guard on \
            `predecessor_account_id`, as near-sdk's `#[private]` inserts, or a comparison of the \
            predecessor with another account) and data the caller chooses reaches it: the \
            callback's input, or a promise result (a direct call has no promise result and aborts \
            in `promise_result`, but any contract can schedule the callback after its own promise \
            and choose the result), in the value, key, amount or account of the state change. A \
            callback whose effect is fixed by stored state (near-sdk writing back the state it \
            read, a log of the result) is not reported. CosmWasm: the `reply` entry point is reported when \
            it writes storage and neither it nor the functions only it calls ever compares a \
            64-bit value with a constant or switches on one (the reply id), so any submessage's \
            reply is processed as the expected one.",
        why_bad: "A callback is an ordinary public method: anyone can call it directly with \
            arguments of their choice, pretending a cross-contract call succeeded (or failed). A \
            refund callback then refunds twice, a `on_transfer_complete` marks unpaid orders as \
            paid. On CosmWasm, a `reply` that does not tell its submessages apart applies the \
            result of one (an attacker-triggered instantiate) as if it were another.",
        exploit_scenario: "A NEAR escrow calls `ft_transfer` on a token and schedules \
            `on_payout(order_id)` to delete the order once paid. `on_payout` has no `#[private]`: \
            the attacker calls `escrow.on_payout(order_id)` directly for an order it owes money on; \
            the order is marked settled and the goods are released without payment.",
        recommendation: "NEAR: mark callbacks `#[private]` (or assert `predecessor_account_id() == \
            current_account_id()` first) and read the promise result rather than trusting \
            arguments. CosmWasm: match `msg.id` against the ids of the submessages you sent and \
            reject unknown ids; verify the data a reply carries.",
        known_false_positives: "NEAR methods named like a promise target of another contract on \
            an account whose origin cannot be determined are taken as the contract's own \
            callbacks; a callback that deliberately accepts any caller (it only logs, or its \
            effect is harmless) is reported when caller-chosen data reaches its write, and a \
            cross-contract call to an account from the arguments counts even when any public method \
            could make the same call. A callback whose only caller-visible effect is that it ran (a \
            counter incremented per call) is missed. The CosmWasm check is \
            structural: a reply that verifies its data in another way, or compares the id in a \
            function it shares with other entry points, is reported; one that compares an \
            unrelated 64-bit value with a constant is not.",
    },
    platforms: &["near", "cosmwasm"],
};

const SINKS: [Effect; 6] = [
    Effect::StorageWrite,
    Effect::ValueTransfer,
    Effect::ExternalCall,
    Effect::KeyManagement,
    Effect::CodeUpgrade,
    Effect::Terminate,
];

impl Detector for UnprotectedCallback {
    fn meta(&self) -> &'static DetectorMeta {
        &META
    }

    fn run(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        match cx.platform {
            Platform::Near => near(cx, out),
            Platform::Cosmwasm => cosmwasm_reply(cx, out),
            _ => {}
        }
    }
}

fn near(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let callbacks = near_callbacks(cx);
    if callbacks.is_empty() {
        return;
    }
    let w = Walker::new(cx);
    let sinks = host_calls_any(cx, &SINKS);
    for cb in callbacks {
        let reach = reachable(cx, cb.export);
        let unchecked = sinks.iter().filter(|s| reach.contains(&s.func)).find(|s| {
            w.paths(s.func, s.instr)
                .iter()
                .any(|p| p.entry == cb.export && !p.identity && caller_chosen(cx, s, &p.chain))
        });
        let Some(sink) = unchecked else { continue };
        let why = match cb.scheduled_at {
            Some((f, _)) => format!("scheduled by name in `{}`", cx.func_name(f)),
            None => "it reads promise results".to_string(),
        };
        out.push(Finding::at(
            cx,
            &META,
            sink.func,
            sink.instr,
            format!(
                "callback `{}` ({why}) reaches `{}` without checking that the predecessor is the \
                 contract itself: anyone can call it directly",
                cb.name,
                cx.host_display_name(sink.callee)
            ),
        ));
    }
}

/// What a caller of a callback chooses: its arguments (called directly, or scheduled as the
/// callback of the caller's own promise) and, through that promise, the promise results.
const CALLER_CHOSEN: u32 = label(Effect::Input) | label(Effect::CallResult);
/// Bytes behind a pointer argument of a sink that are followed.
const SINK_WINDOW: i64 = 64;

/// Whether data the caller chooses reaches an argument of the state change `sink` (its value,
/// or the memory it points to), followed up `chain` to the callback's export. A callback whose
/// effect is fixed by stored state (near-sdk writing back the state it read, a log of the
/// result) does nothing a caller can choose, whoever calls it.
fn caller_chosen(cx: &Context<'_>, sink: &HostCall, chain: &[(u32, usize)]) -> bool {
    sink.host
        .args
        .values()
        .any(|&a| arg_taint_along(cx, chain, sink.func, sink.instr, a, SINK_WINDOW).has_any(CALLER_CHOSEN))
}

/// CosmWasm `reply`: storage writes with no comparison of a 64-bit value with a constant in the
/// functions only `reply` reaches.
fn cosmwasm_reply(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let entries = cx.entry_points();
    let Some(&(_, reply)) = entries.iter().find(|(n, _)| *n == "reply") else { return };
    let own = direct_reach(cx, reply);
    let shared: BTreeSet<u32> =
        entries.iter().filter(|(_, f)| *f != reply).flat_map(|(_, f)| direct_reach(cx, *f)).collect();
    let only_reply: BTreeSet<u32> = own.difference(&shared).copied().collect();
    if only_reply.iter().any(|f| compares_id(cx, *f)) {
        return;
    }
    let Some(write) = host_calls_any(cx, &[Effect::StorageWrite]).into_iter().find(|c| own.contains(&c.func))
    else {
        return;
    };
    out.push(Finding::at(
        cx,
        &META,
        write.func,
        write.instr,
        format!(
            "entry point `reply` writes storage (`{}`) without ever matching the reply id against \
             the submessages it sent: any submessage's reply is trusted as the expected one",
            cx.host_display_name(write.callee)
        ),
    ));
}

/// Whether `func` compares a 64-bit value with a non-zero constant, or switches with `br_table`
/// on a value: the shape of `match msg.id { ID => ..., _ => Err }`.
fn compares_id(cx: &Context<'_>, func: u32) -> bool {
    let (Some(f), Some(values), Some(ev)) =
        (cx.module.function(func), cx.program.values(func), cx.evaluator(func))
    else {
        return false;
    };
    f.body.iter().enumerate().any(|(i, ins)| match ins.op {
        Op::Compare(Width::I64, CmpOp::Eq | CmpOp::Ne) => {
            let ops = values.operands(i);
            ops.iter().any(|o| ev.constant(*o).is_some_and(|c| c != 0))
                && ops.iter().any(|o| ev.constant(*o).is_none())
        }
        Op::BrTable { .. } => values.operands(i).first().is_some_and(|o| ev.constant(*o).is_none()),
        _ => false,
    })
}
