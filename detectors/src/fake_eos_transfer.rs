use wasmaudit_detect::authz::{host_arg_taint, taint_along, Walker};
use wasmaudit_detect::eosio_dispatch::{self, name_string, CodeCond, EOSIO_TOKEN};
use wasmaudit_detect::{Class, Confidence, Context, Detector, DetectorMeta, Docs, Finding, Impact};

pub struct FakeEosTransfer;

pub static META: DetectorMeta = DetectorMeta {
    id: "WA501",
    name: "fake-eos-transfer",
    class: Class::FakeEosTransfer,
    impact: Impact::Critical,
    confidence: Confidence::Medium,
    summary: "EOSIO `apply` hands `transfer` notifications to the deposit handler without checking that \
        `code` is `eosio.token`",
    docs: Docs {
        what_it_does: "Recovers the dispatcher of an EOSIO contract from `apply(receiver, code, action)`, \
            stripped or not: the comparisons of `action` and `code` with constant names, followed \
            through the helpers that receive them, give the path condition of every handler call. A \
            call reached only when `action == N(transfer)` is the transfer handler. When one of the \
            paths to it puts no condition on `code` (at most `code != receiver`), the handler does \
            not compare `code` with an account itself, and it writes storage or sends an action, the \
            handler call is reported. The direct-call variant is reported too: a handler that serves \
            token notifications (some path requires `code` to be a token contract) but is also \
            dispatched when `code == receiver` (a `transfer` action pushed to the contract itself, \
            where no tokens move), when neither the handler nor anything on that way checks `code` \
            or the sender's authority (`require_auth(from)`, as a token's own `transfer` does) \
            before it writes storage or sends an action. A handler whose every credit carries \
            `code` itself in the bytes it writes or sends (a deposit booked under the token \
            contract that notified, as an exchange's `extended_asset(quantity, code)` is, or an \
            action sent back to that contract) books a fake token as that fake token and is not \
            reported.",
        why_bad: "A `transfer` notification says that tokens moved only when it comes from the token \
            contract that holds them. Anyone can deploy a contract with its own `transfer` action, \
            issue a worthless token called EOS and notify the victim; a handler that does not check \
            `code == eosio.token` credits the deposit as real EOS.",
        exploit_scenario: "A dice game credits bets from `transfer` notifications, and its dispatcher \
            is `if (code == self || action == N(transfer))`. The attacker deploys `fakeeostoken` with \
            a copy of `eosio.token`, issues 1,000,000 EOS of it to himself and transfers them to the \
            game. The game's handler runs with `code = fakeeostoken`, records a bet of 1,000,000 EOS, \
            and pays the winnings in real EOS from `eosio.token`.",
        recommendation: "Dispatch `transfer` only when `code == N(eosio.token)` (or the exact token \
            contract the game accepts), e.g. `if (code == \"eosio.token\"_n && action == \
            \"transfer\"_n)`, or use `[[eosio::on_notify(\"eosio.token::transfer\")]]`; also check the \
            symbol of the quantity.",
        known_false_positives: "A contract that accepts deposits of any token on purpose is reported \
            when some credit does not carry `code` (a balance keyed by symbol only, with the token \
            contract kept elsewhere). A check of `code` made through a table lookup (a whitelist of token \
            contracts) is not recognised. Dispatchers the walk cannot follow (a jump table over \
            action names, a call graph deeper than its budget) give no finding.",
    },
    platforms: &["eosio"],
};

impl Detector for FakeEosTransfer {
    fn meta(&self) -> &'static DetectorMeta {
        &META
    }

    fn run(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let dispatch = eosio_dispatch::dispatch(cx);
        let w = Walker::new(cx);
        for t in &dispatch.transfers {
            if t.credits.is_empty() {
                continue;
            }
            if !t.accepts_any_code() {
                if let Some(f) = direct_call(cx, &w, t) {
                    out.push(f);
                }
                continue;
            }
            if booked_by_code(cx, &w, t) {
                continue;
            }
            let (func, instr) = t.site;
            let (handler, checked) = handler_and_tokens(cx, t);
            let also = if checked.is_empty() {
                String::new()
            } else {
                format!(" (another path requires code == {})", checked.join(", "))
            };
            out.push(Finding::at(
                cx,
                &META,
                func,
                instr,
                format!(
                    "`transfer` is dispatched to {handler} for any `code`{also}: a notification from a \
                     contract other than {} (a fake EOS token) is credited as a real deposit",
                    name_string(EOSIO_TOKEN)
                ),
            ));
        }
    }
}

/// The handler's name for messages, and the token contracts some path requires `code` to be.
fn handler_and_tokens(cx: &Context<'_>, t: &eosio_dispatch::TransferDispatch) -> (String, Vec<String>) {
    let handler = t.handler.map(|h| format!("`{}`", cx.func_name(h))).unwrap_or_else(|| "its handler".into());
    let tokens = t
        .conds
        .iter()
        .filter_map(|c| match c {
            CodeCond::Contract(n) => Some(name_string(*n)),
            _ => None,
        })
        .collect();
    (handler, tokens)
}

/// The direct-call fake transfer: a handler that serves `eosio.token` notifications (some path
/// requires `code` to be a token contract) is also dispatched when `code == receiver`, that is
/// for a `transfer` action sent to this contract itself, where no tokens move. Unless the
/// handler checks `code` itself or the sender's authority (`require_auth(from)`, as a token
/// contract's own `transfer` does) before it credits, anyone can push that action with made-up
/// data and be credited. A contract whose `transfer` is only its own action (no notification
/// path) is a token, not a deposit handler, and is left alone.
fn direct_call(
    cx: &Context<'_>,
    w: &Walker<'_, '_>,
    t: &eosio_dispatch::TransferDispatch,
) -> Option<Finding> {
    let notified = t.conds.iter().any(|c| matches!(c, CodeCond::Contract(_)));
    if t.code_checked_in_handler || !notified || !t.conds.contains(&CodeCond::Receiver) {
        return None;
    }
    let unchecked = t
        .credits
        .iter()
        .any(|&(f, i)| w.paths(f, i).iter().any(|p| !p.identity && p.chain.contains(&t.site)));
    if !unchecked {
        return None;
    }
    let (func, instr) = t.site;
    let (handler, tokens) = handler_and_tokens(cx, t);
    Some(Finding::at(
        cx,
        &META,
        func,
        instr,
        format!(
            "`transfer` is dispatched to {handler} for notifications from {} and also when code == \
             receiver, a `transfer` action sent to this contract directly (no tokens move); the \
             handler checks neither `code` nor the sender's authority before it credits, so anyone \
             can push such an action and be credited a deposit never paid",
            tokens.join(", ")
        ),
    ))
}

/// Whether every credit the handler makes carries `code` (`apply`'s second argument, or the
/// contract's `get_code()`, which keeps it) in the bytes it writes or sends: a deposit booked
/// under the token contract that notified (an exchange's `extended_asset(quantity, code)`), or an
/// action sent back to it, credits a fake token as that fake token, not as EOS.
fn booked_by_code(cx: &Context<'_>, w: &Walker<'_, '_>, t: &eosio_dispatch::TransferDispatch) -> bool {
    /// `apply(receiver, code, action)`: the parameter that carries `code`.
    const CODE_PARAM: u64 = 1 << 1;
    t.credits.iter().all(|&(f, i)| {
        let Some(h) = cx.direct_calls(f).find(|(at, _)| *at == i).and_then(|(_, c)| cx.host_fn(c)) else {
            return false;
        };
        let (Some(data), Some(len)) = (
            ["data", "action"].iter().find_map(|r| h.arg(r)),
            ["data_len", "action_len"].iter().find_map(|r| h.arg(r)),
        ) else {
            return false;
        };
        let len = cx
            .program
            .values(f)
            .and_then(|v| v.operands(i).get(len as usize).copied())
            .and_then(|v| cx.evaluator(f).and_then(|ev| ev.constant(v)))
            .filter(|n| (1..=256).contains(n))
            .unwrap_or(64);
        let written = host_arg_taint(cx, f, i, data, len, false);
        let ways: Vec<_> = w.paths(f, i).into_iter().filter(|p| p.chain.contains(&t.site)).collect();
        // Followed up to `apply` (the way's entry): relative to its parameters.
        !ways.is_empty()
            && ways.iter().all(|p| {
                let lifted = taint_along(cx, &p.chain, written, len);
                (lifted.params | lifted.param_mem) & CODE_PARAM != 0
            })
    })
}
