use wasmaudit_detect::eosio_dispatch;
use wasmaudit_detect::{Class, Confidence, Context, Detector, DetectorMeta, Docs, Finding, Impact};

pub struct FakeNotification;

pub static META: DetectorMeta = DetectorMeta {
    id: "WA502",
    name: "fake-notification",
    class: Class::FakeNotification,
    impact: Impact::High,
    confidence: Confidence::Medium,
    summary: "An EOSIO `transfer` notification handler credits a deposit without checking that the \
        contract itself is the recipient (`to == _self`)",
    docs: Docs {
        what_it_does: "Recovers the `transfer` dispatch of `apply` (see fake-eos-transfer) and follows \
            the handler for the paths where `code` is not the contract itself, i.e. notifications. \
            The action data is tracked field by field from `read_action_data` through the \
            `datastream` copies, so the `to` field (bytes 8..16 of `transfer(from, to, quantity, \
            memo)`) is known wherever it is loaded or passed. When the handler writes storage or \
            sends an action and never compares `to` with the receiver (`apply`'s first argument, \
            `_self`, `get_self()` or `current_receiver()`) or with a fixed account, the first such \
            write is reported.",
        why_bad: "`eosio.token` notifies both parties of a transfer (`require_recipient(from)` and \
            `require_recipient(to)`), and any account can forward a notification to another one. A \
            handler that runs for every notification it receives without checking that it is the \
            recipient treats transfers between two other accounts as deposits to itself.",
        exploit_scenario: "The attacker controls two accounts, A and B; B's contract forwards every \
            notification it receives to the game with `require_recipient(game)`. A transfers 100 EOS \
            to B: the game's `transfer` handler runs with `from = A`, `to = B`, records a 100 EOS bet \
            for A and pays out winnings, while the 100 EOS never left the attacker's hands.",
        recommendation: "Return early (or assert) unless `to == get_self()` at the start of the \
            handler, and ignore transfers sent by the contract itself (`from == get_self()`): \
            `if (from == get_self() || to != get_self()) return;`.",
        known_false_positives: "A check of `to` against the receiver done through a value the walk \
            cannot follow (a receiver copied through an unknown pointer, a table of accepted \
            recipients) is not seen and the handler is reported. Handlers whose action data is \
            unpacked by a loop rather than `memcpy`/loads (hand-written deserialisers) lose track of \
            the `to` field and are reported.",
    },
    platforms: &["eosio"],
};

impl Detector for FakeNotification {
    fn meta(&self) -> &'static DetectorMeta {
        &META
    }

    fn run(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let dispatch = eosio_dispatch::dispatch(cx);
        for t in &dispatch.transfers {
            if !t.handles_notifications() || t.to_checked {
                continue;
            }
            let Some(&(func, instr)) = t.credits.first() else { continue };
            let sink = cx
                .program
                .calls
                .targets_at(func, instr)
                .first()
                .map(|c| format!("`{}`", cx.host_display_name(*c)))
                .unwrap_or_else(|| "a storage write".into());
            let handler =
                t.handler.map(|h| format!("`{}`", cx.func_name(h))).unwrap_or_else(|| "the handler".into());
            out.push(Finding::at(
                cx,
                &META,
                func,
                instr,
                format!(
                    "the `transfer` handler {handler} ({}) reaches {sink} without comparing `to` with the \
                     contract's own account: a notification of a transfer between two other accounts \
                     is treated as a deposit",
                    t.code_description()
                ),
            ));
        }
    }
}
