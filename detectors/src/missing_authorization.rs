use std::collections::{BTreeMap, BTreeSet};
use wasmaudit_detect::authz::{
    entry_kind, entry_name, exports_are_methods, host_arg_taint, is_action_dispatcher, is_admin_method,
    is_root_state_key, key_along, passes_dispatcher, promise_account, taint_along, taint_along_before,
    EntryKind, Path, Walker,
};
use wasmaudit_detect::eosio_dispatch::{self, Dispatch};
use wasmaudit_detect::packed::{resolve, row_labels};
use wasmaudit_detect::storage::Key;
use wasmaudit_detect::taint::{label, Taint};
use wasmaudit_detect::{
    Class, Confidence, Context, Detector, DetectorMeta, Docs, Finding, FindingSet, HostCall, Impact,
};
use wasmaudit_platform::{Effect, Platform};

pub struct MissingAuthorization;

pub static META: DetectorMeta = DetectorMeta {
    id: "WA201",
    name: "missing-authorization",
    class: Class::MissingAuthorization,
    impact: Impact::High,
    confidence: Confidence::Medium,
    summary: "A privileged state change (owner/config storage, a value transfer to a caller-chosen \
        account, an administrative method) is reachable with no check of the caller",
    docs: Docs {
        what_it_does: "Follows every storage-write, value-transfer and privileged host call up the \
            call graph to the exported entry points (direct and resolved `call_indirect` calls) and \
            asks, for each way up, whether a caller check protects some step: a guard whose \
            condition carries the caller's identity or an authorization verdict (EOSIO \
            `require_auth`/`has_auth`, Soroban `require_auth`, NEAR `predecessor_account_id`, ink! \
            `caller`, FISCO `getCaller`, Stylus `msg_sender`, MultiversX `getCaller`, compared and \
            branched on or asserted, directly or in a helper that only returns after its check); \
            a trapping caller check that every way on from the step to a normal end of the \
            execution passes protects it too, since a failed check reverts what came before it \
            (Soroban's `require_auth` after the write it authorizes). \
            On CosmWasm, ChainMaker and XuperChain the caller arrives as data (CosmWasm's \
            `info.sender` is a field of the JSON `MessageInfo` argument), which taint does not \
            follow through the JSON decoder; there a branch decided by a comparison of two run-time \
            byte strings (`memcmp`/`bcmp`/`String::eq` with no literal operand), or a call of a \
            function that makes one followed by a deciding branch, counts as the caller check. \
            Not every state change is privileged; one is reported when it is: (1) a storage write \
            whose key is a constant (followed up through wrappers such as `Item::save`, \
            `store_owner`) that the contract writes elsewhere only after a caller check, so the \
            contract itself treats the slot as owner/config state; keys an SDK writes its whole \
            state under (near-sdk `STATE`, the all-zero ink! root key) and keys computed at run \
            time (map entries) never qualify; (1b) a storage write of an authority key, a constant \
            key whose stored account a caller check compares against (a condition carrying both \
            the caller's identity and the value read from the key, or Soroban `require_auth` on \
            an address read from it: the admin), however the other writes of it are guarded; \
            (2) a value transfer (NEAR transfer action, ink! \
            `transfer`, MultiversX `transferValue*`, FISCO `transferAsset`, Stylus `call_contract` \
            with value) whose recipient is \
            taken from the call's input rather than being the caller (the arguments read as the \
            transfer's call sees them, not what the callee leaves behind them), unless the amount \
            is computed from the value attached to the call (a payment router forwarding \
            `msg_value` minus a fee moves the caller's own money); (3) a `privileged` host \
            call (EOSIO `set_privileged`, `set_resource_limits`, ...); (4) on platforms whose \
            exports are method names (NEAR, MultiversX, Soroban, ChainMaker, XuperChain), any \
            storage write or transfer of a method named as administrative (`set_owner`, \
            `transferOwnership`, `update_config`, `add_minter`, `pause`, `upgrade`). On EOSIO every \
            table write an action makes without `require_auth`/`has_auth` is a candidate, except \
            in notification handlers: a `transfer` notification, and any call `apply` makes only \
            when `code` is a fixed account other than the receiver (`eosio::onerror`, another \
            contract's action that named this one as a recipient), in a contract that dispatches \
            its own actions under `code == receiver`; these run inside the notifier's authorized \
            action. Of the candidates only \
            one that stores the caller's data is reported: the row written carries the action data \
            (followed through the packing of the row into its buffer), or a removal erases a row \
            the caller chose (looked up by a key from the action data); a write that only creates \
            a row (`db_store_i64`, `db_idx*_store`: the chain rejects an existing key) is reported \
            only in a table the contract writes elsewhere after an authorization check; a removal behind a \
            guard that compares block time with stored state (a bid or a lock past its stored \
            expiry) is cleanup anyone may do. A write the destructor makes after an action \
            method `execute_action` called through the pointer to member `apply` named on this \
            way, when that method writes nothing computed from data into the contract object, \
            writes back what the constructor read: not reported. Actions whose writes are \
            fixed by stored state and the clock (keepers, period rollovers, the multi-index \
            bookkeeping) may be called by anyone. Entry points \
            the platform runs once at deployment (ink!/Liquid `deploy`, CosmWasm `instantiate` \
            and `migrate`, MultiversX `init`/`upgrade`, ChainMaker `init_contract`/`upgrade`, \
            Soroban `__constructor`, the start function) are skipped; methods named like \
            initializers (`new`, `init`, `initialize`) must be protected by a caller check or by an \
            \"already initialized\" branch on a stored value.",
        why_bad: "Whoever can write the owner, the configuration or the minting state, or move the \
            contract's funds, controls the contract. Access control is the first line of the \
            standard's application-security requirement: a privileged change must be made only by \
            the account entitled to it.",
        exploit_scenario: "A NEAR vault stores its owner under the key `owner`; `withdraw` checks \
            `predecessor_account_id() == owner` before sending funds, and `set_owner(new_owner)` \
            writes the key without any check. An attacker calls `set_owner(attacker)`, then \
            `withdraw`, and receives the vault's balance. On CosmWasm the same happens when \
            `execute_update_config` saves `CONFIG` without comparing `info.sender` with \
            `config.owner` while `execute_withdraw` does compare.",
        recommendation: "Start every privileged path with a check of the immediate caller: compare \
            the caller (NEAR `predecessor_account_id`, ink! `caller`, CosmWasm `info.sender`, \
            FISCO `getCaller`) with the stored owner and abort on a mismatch, or require the \
            owner's authorization (`require_auth`). Put the check in one helper (`only_owner`) \
            called by every administrative entry point, and make initializers fail once the \
            state exists.",
        known_false_positives: "Privilege is inferred: a constant-key slot that one path writes \
            after a caller check for an unrelated reason (a user-level method that happens to \
            check the caller) makes every unchecked write of that slot a finding, e.g. a public \
            `burn` that decreases a total supply which an owner-only `mint` also writes; likewise \
            a constant key whose stored account some check compares with the caller for another \
            reason (a single pending-claimant slot anyone may fill) is taken for an authority key, \
            and its unchecked writes are reported, while authority keys that are fields of a \
            whole-state struct (near-sdk, ink!) or that the storage analysis does not resolve to a \
            constant (Stylus and MultiversX owners so far) are not found; value \
            transfers to an input-chosen account that are bounded by the caller's own balance \
            (`withdraw_to(receiver, amount)`) are reported, and a transfer whose amount mixes the \
            attached value with the contract's own funds (`msg_value + balance`) is taken for a \
            forwarded payment and missed; method names are matched by words. \
            Checks made by the platform outside the module (CosmWasm admin-gated `migrate`, \
            NEAR function-call access keys restricted to the contract itself) are not visible. \
            On EOSIO, handlers of the chain's native actions (`newaccount`, `setabi`, `setcode`, \
            `updateauth`, `deleteauth`, `linkauth`, `unlinkauth`, `canceldelay`) are treated as \
            authorized by the chain, which holds only where the contract runs as the system \
            account; an action method called through `execute_action`'s pointer to member \
            protects what follows the call (the destructor writing back singletons) on the way \
            of the action whose table index `apply` passes; a method that checks no one and \
            changes a singleton only with constants, or through a helper the taint summaries do \
            not follow, leaves the destructor's write-back unreported. \
            On EOSIO, an update whose only caller-chosen part is the row's key (touch a row by id) \
            is not reported (a false negative where touching the row is itself the harm), nor is a \
            removal on a way where some guard reads block time and some guard reads stored state, \
            even when the two are unrelated (a false negative); test or \
            bookkeeping rows that carry action data are reported even in a contract that keeps no \
            owner state; action data that reaches the row only through a copy the packing analysis \
            does not follow is missed; an unauthorized action that only adds rows to a table no \
            authorized action writes (a whitelist filled by anyone) is missed. \
            On CosmWasm, ChainMaker and XuperChain any comparison of two run-time strings counts \
            as a caller check, which hides real findings (false negatives); a call through a \
            table counts as a comparison only when every function it may reach compares (the \
            formatter machinery behind error messages does not). There, a constant key written \
            after a caller check in one message and without one in another is reported even when \
            the second only books the caller's own funds (cw20 `burn` lowering the total supply \
            in `token_info`): a false positive; whole-state SDKs \
            (near-sdk, ink!) keep the owner in the root state, so there only transfers and \
            administrative method names are found.",
    },
    platforms: &[],
};

/// One way from a storage write up to an entry point.
struct WriteWay {
    sink: HostCall,
    report_at: (u32, usize),
    /// Where `report_at` is on `chain`.
    report_level: usize,
    key: Option<Key>,
    entry: u32,
    kind: EntryKind,
    checked: bool,
    init_once: bool,
    /// The function the entry point called on the way (the handler), for messages.
    handler: u32,
    /// EOSIO: the way runs through the handler of a `transfer` notification from another
    /// contract, which the token contract authorized.
    via_notification: bool,
    /// EOSIO: the way runs through a call made only for native actions.
    native: bool,
    /// The way, from the write up to the call in the entry point (EOSIO's data check, and the
    /// way a finding shows).
    chain: Vec<(u32, usize)>,
    /// Labels of the guards that protect the way's steps.
    guard_labels: u32,
}

impl WriteWay {
    fn unchecked(&self) -> bool {
        !self.checked
            && match self.kind {
                EntryKind::PlatformInvoked => false,
                EntryKind::InitLike => !self.init_once,
                EntryKind::Normal => true,
            }
    }
}

fn handler_of(path: &Path) -> u32 {
    match path.chain.len() {
        0 => path.entry,
        1 => path.chain[0].0,
        n => path.chain[n - 2].0,
    }
}

impl Detector for MissingAuthorization {
    fn meta(&self) -> &'static DetectorMeta {
        &META
    }

    fn run(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let w = Walker::new(cx);
        let dispatch = eosio_dispatch::dispatch(cx);
        let mut found = FindingSet::new(&META);
        storage_writes(cx, &w, &dispatch, &mut found);
        value_transfers(cx, &w, &mut found);
        privileged_calls(cx, &w, &dispatch, &mut found);
        out.extend(found.into_findings());
    }
}

/// EOSIO: whether a way up runs through a call made only for native actions (`newaccount`,
/// `setabi`, ...), which the chain authorized before `apply` ran.
fn natively_authorized(dispatch: &Dispatch, chain: &[(u32, usize)]) -> bool {
    chain.iter().skip(1).any(|s| dispatch.runs_only_for_native_actions(*s))
}

/// EOSIO: whether a way up runs only for notifications: the outermost call on it that the
/// dispatch walk reached (the call `apply` makes for the action) runs only when `code` is a
/// fixed account ([`Dispatch::runs_only_for_notifications`]). Deeper calls are not asked: a
/// helper the walk saw under one dispatch only may serve others.
fn notification_only(dispatch: &Dispatch, chain: &[(u32, usize)]) -> bool {
    chain
        .iter()
        .rev()
        .find(|s| dispatch.call_codes.contains_key(*s))
        .is_some_and(|s| dispatch.runs_only_for_notifications(*s))
}

fn storage_writes(cx: &Context<'_>, w: &Walker<'_, '_>, dispatch: &Dispatch, found: &mut FindingSet) {
    let notification_sites: Vec<(u32, usize)> =
        dispatch.transfers.iter().filter(|t| t.handles_notifications()).map(|t| t.site).collect();
    let eosio = cx.platform == Platform::Eosio;
    let lookups = if eosio { input_keyed_lookups(cx) } else { BTreeSet::new() };
    let mut ways: Vec<WriteWay> = Vec::new();
    for sink in cx.host_calls(Effect::StorageWrite) {
        for path in w.paths(sink.func, sink.instr) {
            let (key, level) = key_along(cx, &path.chain);
            let report_level = if level < path.chain.len() { level } else { 0 };
            let report_at = path.chain.get(report_level).copied().unwrap_or((sink.func, sink.instr));
            ways.push(WriteWay {
                sink,
                report_at,
                report_level,
                key: key.known().cloned().filter(|k| !is_root_state_key(k)),
                entry: path.entry,
                kind: entry_kind(cx, path.entry),
                checked: path.identity,
                init_once: path.labels & label(Effect::StorageRead) != 0,
                handler: handler_of(&path),
                via_notification: path.chain.iter().any(|s| notification_sites.contains(s))
                    || notification_only(dispatch, &path.chain),
                native: natively_authorized(dispatch, &path.chain),
                chain: path.chain.clone(),
                guard_labels: path.labels,
            });
        }
    }
    // Slots the contract itself writes only after checking the caller, somewhere.
    let mut privileged: BTreeMap<Key, (u32, u32)> = BTreeMap::new();
    for way in ways.iter().filter(|w| w.checked && w.kind == EntryKind::Normal) {
        if let Some(k) = &way.key {
            privileged.entry(k.clone()).or_insert((way.entry, way.handler));
        }
    }
    // Slots whose stored account a caller check compares with, whoever writes them (worked out
    // only once an unchecked write of a known key needs it).
    let authority = std::cell::OnceCell::new();
    let mut eosio_functions = BTreeSet::new();
    // What the packed row of a write carries does not depend on the way: computed once per write.
    let mut packed_input: BTreeMap<(u32, usize), std::cell::OnceCell<bool>> = BTreeMap::new();
    let mut ways_sorted: Vec<&WriteWay> = ways.iter().filter(|w| w.unchecked()).collect();
    ways_sorted.sort_by_key(|w| (w.sink.func, w.sink.instr));
    for way in ways_sorted {
        let host = cx.host_display_name(way.sink.callee);
        let entry = entry_name(cx, way.entry);
        if cx.platform == Platform::Eosio {
            // Every EOSIO action that changes tables must require the acting account's
            // authorization; notification handlers run inside the notifier's authorized action.
            if way.via_notification || way.native {
                continue;
            }
            // An action anyone may call is not a missing check when what it writes is fixed by
            // stored state and constants (period rollovers, keeper housekeeping, the multi-index
            // destructor's bookkeeping): only a write of caller-supplied data needs the caller's
            // authorization.
            // One finding per writing function: a multi-index write also updates its indices.
            if eosio_functions.contains(&way.sink.func) {
                continue;
            }
            // Creating a row cannot change one someone else owns (the chain rejects an existing
            // key): it is privileged only in a table the contract writes elsewhere after a check.
            if way.sink.host.create_only() && !way.key.as_ref().is_some_and(|k| privileged.contains_key(k)) {
                continue;
            }
            // The destructor's write-back of the singletons the constructor read, on the way of
            // an action whose method stores nothing derived from data into the contract object:
            // it writes back what was read.
            if writes_back_unchanged(cx, w, &way.chain) {
                continue;
            }
            let packed = packed_input.entry((way.sink.func, way.sink.instr)).or_default();
            if !written_value_is_input(cx, &way.sink, &way.chain, &lookups, packed) {
                continue;
            }
            // Removing a row the caller chose behind a check of block time against stored state
            // (a proposal past its expiry, a bet after its round closed) is cleanup anyone may do.
            let expiry = label(Effect::BlockInfo) | label(Effect::StorageRead);
            if is_removal(way.sink.host) && way.guard_labels & expiry == expiry {
                continue;
            }
            eosio_functions.insert(way.sink.func);
            let at = (way.sink.func, way.sink.instr);
            let table = match &way.key {
                Some(Key::Value(v)) => format!(" table `{}`", eosio_dispatch::name_string(*v as u64)),
                _ => String::new(),
            };
            found.report_way(cx, at, &way.chain, || {
                format!(
                    "`{host}` writes{table} and entry point `{entry}` reaches it in an action with no \
                     `require_auth`/`has_auth` check before it"
                )
            });
        } else if let Some((key, (checked_entry, checked_in))) =
            way.key.as_ref().and_then(|k| privileged.get_key_value(k))
        {
            let at = way.report_at;
            let evidence = if *checked_entry == way.entry {
                format!("`{}` (through `{}`)", entry_name(cx, *checked_entry), cx.func_name(*checked_in))
            } else {
                format!("`{}`", entry_name(cx, *checked_entry))
            };
            found.report_way(cx, at, way.reported_chain(), || {
                format!(
                    "writes storage key {key} (through `{host}`), which entry point {evidence} writes only \
                     after checking the caller; entry point `{entry}` reaches this write with no check of \
                     the caller"
                )
            });
        } else if let Some((key, (check_func, _))) =
            way.key.as_ref().filter(|_| way.kind == EntryKind::Normal).and_then(|k| {
                authority.get_or_init(|| wasmaudit_detect::authz::authority_keys(cx)).0.get_key_value(k)
            })
        {
            let at = way.report_at;
            found.report_way(cx, at, way.reported_chain(), || {
                format!(
                    "writes storage key {key} (through `{host}`), whose stored account `{}` compares the \
                     caller with (an owner or administrator); entry point `{entry}` reaches this write with \
                     no check of the caller",
                    cx.func_name(*check_func)
                )
            });
        } else if exports_are_methods(cx.platform) && is_admin_method(entry) && way.kind == EntryKind::Normal
        {
            let at = (way.sink.func, way.sink.instr);
            found.report_way(cx, at, &way.chain, || {
                format!(
                    "administrative method `{entry}` writes storage (`{host}`) with no check of the caller"
                )
            });
        }
    }
}

impl WriteWay {
    /// The part of the way shown with a finding reported at `report_at`: from there up.
    fn reported_chain(&self) -> &[(u32, usize)] {
        self.chain.get(self.report_level..).unwrap_or_default()
    }
}

/// EOSIO: whether a step of the way `chain` (from the write up to the call in the entry point)
/// follows an action method called through a pointer to member that this way names
/// ([`Walker::way_methods`]: `execute_action` then runs the destructor) and that writes
/// nothing computed from data (its parameters, the action's input, stored values) through any
/// of its pointer parameters, the contract object among them: what the destructor writes back
/// is then what the constructor read. Writes of constants are not seen, and the data check
/// would not report them either.
fn writes_back_unchanged(cx: &Context<'_>, w: &Walker<'_, '_>, chain: &[(u32, usize)]) -> bool {
    let summaries = &cx.dataflow().summaries;
    w.way_methods(chain).iter().any(|methods| {
        !methods.is_empty()
            && methods
                .iter()
                .all(|m| summaries.get(*m as usize).is_some_and(|s| s.writes.iter().all(|t| t.is_empty())))
    })
}

/// A write that removes a row (it names the row by an iterator and stores no data).
fn is_removal(h: &wasmaudit_platform::HostFn) -> bool {
    h.arg("iterator").is_some() && !["data", "value", "secondary"].iter().any(|r| h.arg(r).is_some())
}

/// Whether a storage write stores the caller's data: the data buffer (or secondary key) of the
/// write carries the call's input, followed through the packing that fills it and up the
/// callers, counting what the functions on the way packed and not the key a row was looked up
/// by ([`row_labels`]). A removal stores nothing; it counts when the caller chose the row
/// removed: a function on the way, or one it calls, looks a row up by a key from the input
/// (`lookups`). A write whose roles are unknown is assumed to store caller data.
fn written_value_is_input(
    cx: &Context<'_>,
    sink: &HostCall,
    chain: &[(u32, usize)],
    lookups: &BTreeSet<u32>,
    packed_input: &std::cell::OnceCell<bool>,
) -> bool {
    let h = sink.host;
    let Some(data) = ["data", "value", "secondary"].iter().find_map(|r| h.arg(r)) else {
        if h.arg("iterator").is_some() {
            return chain.iter().any(|&(f, _)| {
                lookups.contains(&f) || cx.direct_calls(f).any(|(_, c)| lookups.contains(&c))
            });
        }
        return h.arg("key").is_none();
    };
    let by_path = taint_along(cx, chain, host_arg_taint(cx, sink.func, sink.instr, data, 64, false), 64);
    by_path.has(Effect::Input)
        || *packed_input
            .get_or_init(|| row_labels(cx, sink.func, sink.instr, data) & label(Effect::Input) != 0)
}

/// Functions that look a table row up (a storage read by id, scope or secondary key) with a key
/// that carries the call's input.
fn input_keyed_lookups(cx: &Context<'_>) -> BTreeSet<u32> {
    let mut out = BTreeSet::new();
    for call in cx.host_calls(Effect::StorageRead) {
        let keyed = ["id", "scope", "secondary", "key"].iter().filter_map(|r| call.host.arg(r)).any(|a| {
            let t = host_arg_taint(cx, call.func, call.instr, a, 8, true);
            resolve(cx, call.func, t, &mut BTreeSet::new(), 0) & label(Effect::Input) != 0
        });
        if keyed {
            out.insert(call.func);
        }
    }
    out
}

/// What the recipient of a value-transfer host call carries, relative to its function.
fn recipient(cx: &Context<'_>, call: &HostCall) -> Option<Taint> {
    let h = call.host;
    if let Some(p) = h.arg("promise") {
        // NEAR: the promise's account is an argument of the call that created the batch.
        let values = cx.program.values(call.func)?;
        return promise_account(cx, call.func, values.operands(call.instr).get(p as usize).copied());
    }
    ["account", "to", "destination", "beneficiary", "callee"]
        .iter()
        .find_map(|role| h.arg(role))
        .map(|a| host_arg_taint(cx, call.func, call.instr, a, 32, false))
}

fn value_transfers(cx: &Context<'_>, w: &Walker<'_, '_>, found: &mut FindingSet) {
    let mut dispatchers = BTreeMap::new();
    for call in cx.host_calls(Effect::ValueTransfer) {
        let to = recipient(cx, &call);
        // The amount, by value and in the bytes it points to (encodings differ per platform).
        let amount = call.host.arg("amount").map(|a| {
            let mut t = host_arg_taint(cx, call.func, call.instr, a, 32, true);
            t.join(host_arg_taint(cx, call.func, call.instr, a, 32, false));
            t
        });
        for path in w.paths(call.func, call.instr) {
            let kind = entry_kind(cx, path.entry);
            if path.identity || kind == EntryKind::PlatformInvoked {
                continue;
            }
            // Through a generic promise-action dispatcher, reaching the transfer arm says
            // nothing about whether this entry point queues a transfer.
            if is_action_dispatcher(cx, call.func) || passes_dispatcher(cx, &path.chain, &mut dispatchers) {
                continue;
            }
            let entry = entry_name(cx, path.entry);
            let host = cx.host_display_name(call.callee);
            let t = to.map(|t| taint_along_before(cx, &path.chain, t, 64)).unwrap_or_default();
            let message = if t.has(Effect::CallerId) {
                continue;
            } else if t.has(Effect::Input) {
                // Forwarding the value attached to this very call (a payment router passing on
                // `msg_value` minus a fee) moves the caller's own money, not the contract's.
                if amount.is_some_and(|a| taint_along_before(cx, &path.chain, a, 64).has(Effect::CallValue)) {
                    continue;
                }
                format!(
                    "`{host}` sends the contract's funds to an account taken from the call's input, and \
                     entry point `{entry}` reaches it with no check of the caller"
                )
            } else if exports_are_methods(cx.platform) && is_admin_method(entry) {
                format!(
                    "administrative method `{entry}` transfers value (`{host}`) with no check of the caller"
                )
            } else {
                continue;
            };
            let at = (call.func, call.instr);
            found.report_way(cx, at, &path.chain, || message);
            break;
        }
    }
}

fn privileged_calls(cx: &Context<'_>, w: &Walker<'_, '_>, dispatch: &Dispatch, found: &mut FindingSet) {
    for call in cx.host_calls(Effect::Privileged) {
        let unchecked = w.paths(call.func, call.instr).into_iter().find(|p| {
            !p.identity
                && entry_kind(cx, p.entry) != EntryKind::PlatformInvoked
                && !natively_authorized(dispatch, &p.chain)
        });
        if let Some(path) = unchecked {
            let at = (call.func, call.instr);
            found.report_way(cx, at, &path.chain, || format!(
                    "privileged host call `{}` is reachable from entry point `{}` with no check of the caller",
                    cx.host_display_name(call.callee),
                    entry_name(cx, path.entry)
                ));
        }
    }
}
