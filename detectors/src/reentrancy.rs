use std::collections::{BTreeMap, BTreeSet, VecDeque};
use wasmaudit_detect::methods;
use wasmaudit_detect::storage::{Access, AccessAt, KeyRef, StorageAccess};
use wasmaudit_detect::{Class, Confidence, Context, Detector, DetectorMeta, Docs, Finding, Impact};
use wasmaudit_flow::{BlockId, Cfg, ValueDef, ValueId};
use wasmaudit_front::Op;
use wasmaudit_platform::{Effect, HostFn, Platform};

pub struct Reentrancy;

pub static META: DetectorMeta = DetectorMeta {
    id: "WA411",
    name: "reentrancy",
    class: Class::Reentrancy,
    impact: Impact::High,
    confidence: Confidence::Medium,
    summary: "State read before an external call that can re-enter the contract is written back after it",
    docs: Docs {
        what_it_does: "Finds external calls during which the callee can call back into this contract: \
            pallet-contracts `call`/`delegate_call` whose flags (constant-propagated, `8|1` included) \
            set ALLOW_REENTRY and the `seal0` `call`, which always allows reentry; Stylus \
            `call_contract`/`delegate_call_contract`; MultiversX `executeOnDestContext`, \
            `executeOnSameContext` and the synchronous transfer-and-execute calls; Antelope sync \
            `call` without the read-only flag; FISCO BCOS `call`; ewasm `call`/`callCode`/\
            `callDelegate`; ChainMaker `CallContract`. Around each such call (directly or inside a \
            called function) it compares storage keys: it reports a key (a constant key, the same \
            key a caller passed in, or a Stylus key computed the same way: a slot's bytes reversed, \
            a mapping entry's `keccak` of the caller's address and the slot; an ink! key the SDK \
            SCALE-encodes into its static buffer: the root key, or a `Mapping` entry, the \
            mapping's key followed by the encoded map key, the family of the mapping's entries \
            where the map key cannot be followed) that is read on a path to the call and written on a path from \
            it, with no write of that key committed before the call on every path. Storage writes \
            are reported where they happen after the call. A reentrancy lock — a key read and checked \
            by a guard, then written, before the call, in the function or in every caller — \
            suppresses the finding, and so does a module whose every state-changing entry point \
            reverts when the host reports a reentrant call (Stylus `msg_reentrant`, ink! \
            `reentrance_count`). On NEAR, where calls are asynchronous, it reports the two forms \
            the flaw takes there: a callback method (an export named by a constant method string of \
            `promise_then` or a function-call action) that writes state without reading the promise \
            result, and an entry point that changes state and attaches a constant non-zero deposit \
            to a cross-contract function call while scheduling no callback that could undo the \
            change when the call fails.",
        why_bad: "Checks-effects-interactions is broken: the contract acts on a value it read before \
            handing control to untrusted code, and the callee can call back in and change that \
            value before the contract writes its stale copy back. Balances are paid twice, \
            withdrawals are repeated, and updates made during the call are silently overwritten. \
            On NEAR the callback runs in a later block after arbitrary other transactions, so state \
            changed before the call and not restored on failure, or updated in a callback that \
            assumes success, diverges from what really happened.",
        exploit_scenario: "An ink! vault reads the caller's balance, sends it with `seal_call` \
            (flags `ALLOW_REENTRY`) to the caller's contract, then stores a zero balance. The \
            caller's contract re-enters `withdraw` during the transfer: the balance is still the \
            old value, so it is paid again, as many times as gas allows, before the first \
            invocation writes zero. On NEAR, `withdraw` deducts the balance and calls the token's \
            `ft_transfer` with one yoctoNEAR attached and no callback: when the transfer fails the \
            tokens stay in the contract and the user's balance is gone.",
        recommendation: "Write every state change before the external call (checks-effects-interactions), \
            or hold a reentrancy lock across the call; on pallet-contracts do not set ALLOW_REENTRY \
            unless the callee must call back; keep the Stylus SDK's default reentrancy rejection. \
            On NEAR, attach a `promise_then` callback that reads `promise_result` and restores the \
            state on failure, and make every callback check the result before updating state.",
        known_false_positives: "Keys are compared by value only when constant, passed through \
            unchanged or, on Stylus, computed from parameters, constants and the caller's address by \
            byte moves and `keccak`: other mapping entries read and written under the same \
            runtime-computed key are not seen (missed, not reported). A Stylus digest whose input \
            was lost in part (the caller's address past a branch on a stored value) stands for every \
            entry of that mapping, so a read of `balances[a]` before the call and a write of \
            `balances[b]` after it are reported as one entry; while a read of key K on one branch before the call and a \
            write of K on a branch the same execution never takes after it is reported. A callee \
            that cannot call back (a known token contract, a precompile) is not distinguished from \
            an attacker's contract, and a lock kept in memory or checked in another way than a \
            stored flag guarding the call is not recognised. On NEAR a callback that learns the \
            outcome in another way than `promise_result` is reported; callbacks whose method name is \
            built at run time (near-sdk's high-level `ext` calls copy it to the heap) and deposits \
            that are not constants are not analysed (missed).",
    },
    platforms: &[],
};

impl Detector for Reentrancy {
    fn meta(&self) -> &'static DetectorMeta {
        &META
    }

    fn run(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        if cx.platform == Platform::Near {
            near_callbacks(cx, out);
            near_unreverted_calls(cx, out);
        } else {
            synchronous(cx, out);
        }
    }
}

/// Host functions that report whether the current invocation is a reentrant one.
const REENTRANCY_QUERIES: [&str; 3] = ["msg_reentrant", "reentrance_count", "account_reentrance_count"];

/// MultiversX calls that run the callee synchronously in this transaction.
const MULTIVERSX_SYNC_CALLS: [&str; 13] = [
    "executeOnDestContext",
    "executeOnSameContext",
    "managedExecuteOnDestContext",
    "managedExecuteOnDestContextWithReturn",
    "managedExecuteOnDestContextByCaller",
    "managedExecuteOnSameContext",
    "transferValueExecute",
    "transferESDTExecute",
    "transferESDTNFTExecute",
    "multiTransferESDTNFTExecute",
    "managedTransferValueExecute",
    "managedMultiTransferESDTNFTExecute",
    "managedMultiTransferESDTNFTExecuteByUser",
];

/// pallet-contracts `CallFlags::ALLOW_REENTRY`.
const ALLOW_REENTRY: i64 = 8;
/// Antelope sync-call flag bit 0: read-only call.
const EOSIO_READ_ONLY: i64 = 1;

/// A call during which the callee can call back into this contract.
#[derive(Debug, Clone)]
struct Site {
    func: u32,
    instr: usize,
    host: String,
    why: String,
}

fn constant_arg(cx: &Context<'_>, func: u32, instr: usize, h: &HostFn, role: &str) -> Option<i64> {
    let values = cx.program.values(func)?;
    let v = *values.operands(instr).get(h.arg(role)? as usize)?;
    cx.evaluator(func)?.constant(v)
}

/// Why the host call at `instr` of `func` can re-enter, if it can.
fn reentrant_host(cx: &Context<'_>, func: u32, instr: usize, h: &HostFn) -> Option<String> {
    let name = h.name.as_str();
    match cx.platform {
        Platform::Ink => match name {
            "call" if h.module == "seal0" => {
                Some("the `seal0` version of `call` always allows reentry".into())
            }
            "ext_call" => Some("the legacy `ext_call` always allows reentry".into()),
            "call" | "delegate_call" => match constant_arg(cx, func, instr, h, "flags") {
                Some(f) if f & ALLOW_REENTRY != 0 => Some(format!("its flags {f:#x} set ALLOW_REENTRY")),
                _ => None,
            },
            _ => None,
        },
        Platform::Stylus => matches!(name, "call_contract" | "delegate_call_contract").then(|| {
            "Stylus calls let the callee re-enter unless the contract rejects reentrant calls".into()
        }),
        Platform::Multiversx => MULTIVERSX_SYNC_CALLS
            .contains(&name)
            .then(|| "the callee runs synchronously and can call back".into()),
        Platform::Eosio if name == "call" => match constant_arg(cx, func, instr, h, "flags") {
            Some(f) if f & EOSIO_READ_ONLY != 0 => None,
            _ => Some("a sync call that is not read-only can call back into its caller".into()),
        },
        Platform::FiscoLiquid if name == "call" => {
            Some("the callee runs synchronously and can call back".into())
        }
        Platform::Ewasm if matches!(name, "call" | "callCode" | "callDelegate") => {
            Some("the callee runs synchronously and can call back".into())
        }
        _ => None,
    }
}

fn reentrant_sites(cx: &Context<'_>) -> Vec<Site> {
    let mut out = Vec::new();
    for f in cx.module.functions.iter().filter(|f| !f.is_import()) {
        for (instr, callee) in cx.direct_calls(f.index) {
            let Some(h) = cx.host_fn(callee) else { continue };
            if let Some(why) = reentrant_host(cx, f.index, instr, h) {
                out.push(Site { func: f.index, instr, host: cx.host_display_name(callee), why });
            }
        }
    }
    if matches!(cx.platform, Platform::Chainmaker | Platform::Xuperchain) {
        for site in methods::method_call_sites(cx) {
            if site.effects().contains(&Effect::ExternalCall) {
                let host =
                    site.methods.first().cloned().unwrap_or_else(|| site.host.display_name().to_string());
                out.push(Site {
                    func: site.func,
                    instr: site.instr,
                    host,
                    why: "cross-contract calls run synchronously and can call back".into(),
                });
            }
        }
    }
    out
}

/// Call targets of instruction `instr` of `func` that are defined functions.
fn targets(cx: &Context<'_>, func: u32, instr: usize) -> Vec<u32> {
    cx.program.calls.targets_at(func, instr).iter().copied().filter(|t| cx.host_fn(*t).is_none()).collect()
}

/// Which instructions come before and after one instruction in its function's CFG.
struct Around {
    block: BlockId,
    instr: usize,
    /// Blocks reachable from the instruction's block (through at least one edge).
    forward: Vec<bool>,
    /// Blocks from which the instruction's block is reachable (through at least one edge).
    backward: Vec<bool>,
}

impl Around {
    fn new(cfg: &Cfg, instr: usize) -> Option<Around> {
        let block = cfg.block_of(instr)?;
        let n = cfg.num_blocks();
        let walk = |forward: bool| {
            let mut seen = vec![false; n];
            let start: Vec<BlockId> = if forward {
                cfg.successors(block).map(|(b, _)| b).collect()
            } else {
                cfg.predecessors(block).map(|(b, _)| b).collect()
            };
            let mut queue = VecDeque::from(start);
            while let Some(b) = queue.pop_front() {
                if std::mem::replace(&mut seen[b.index()], true) {
                    continue;
                }
                if forward {
                    queue.extend(cfg.successors(b).map(|(s, _)| s));
                } else {
                    queue.extend(cfg.predecessors(b).map(|(s, _)| s));
                }
            }
            seen
        };
        Some(Around { block, instr, forward: walk(true), backward: walk(false) })
    }

    /// Whether some path runs `other` and then this instruction.
    fn is_before(&self, cfg: &Cfg, other: usize) -> bool {
        match cfg.block_of(other) {
            Some(b) if b == self.block => other < self.instr || self.forward[b.index()],
            Some(b) => self.backward[b.index()],
            None => false,
        }
    }

    /// Whether some path runs this instruction and then `other`.
    fn is_after(&self, cfg: &Cfg, other: usize) -> bool {
        match cfg.block_of(other) {
            Some(b) if b == self.block => other > self.instr || self.forward[b.index()],
            Some(b) => self.forward[b.index()],
            None => false,
        }
    }
}

/// Keys that can name the same storage entry at two places of one function.
fn comparable(k: &KeyRef) -> bool {
    !matches!(k, KeyRef::Unknown)
}

/// What happens to storage around the re-entrant calls inside a function, for its callers.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct InnerAround {
    /// Keys read on a path to a re-entrant call inside it.
    read_before: BTreeSet<KeyRef>,
    /// Keys written on a path from a re-entrant call inside it.
    written_after: BTreeSet<KeyRef>,
}

/// The storage picture around one re-entrant instruction.
struct CallPicture {
    before: BTreeSet<KeyRef>,
    /// Key -> first distinct instruction writing it after the call.
    after: BTreeMap<KeyRef, usize>,
    inner_before: BTreeSet<KeyRef>,
    inner_after: BTreeSet<KeyRef>,
    committed: BTreeSet<KeyRef>,
    locked: bool,
}

struct SyncCalls<'c, 'a> {
    cx: &'c Context<'a>,
    storage: &'c StorageAccess,
    /// Functions that (transitively) make a re-entrant call, with the host call named in messages.
    reaches: BTreeMap<u32, (String, String)>,
    /// Direct re-entrant host calls: (func, instr) -> (host, why).
    direct: BTreeMap<(u32, usize), (String, String)>,
    summaries: BTreeMap<u32, InnerAround>,
    entered_locked: std::cell::RefCell<BTreeMap<u32, bool>>,
}

fn synchronous(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let sites = reentrant_sites(cx);
    if sites.is_empty() || module_rejects_reentry(cx) {
        return;
    }
    let storage = cx.storage();
    let mut s = SyncCalls {
        cx,
        storage,
        reaches: BTreeMap::new(),
        direct: BTreeMap::new(),
        summaries: BTreeMap::new(),
        entered_locked: std::cell::RefCell::new(BTreeMap::new()),
    };
    let mut queue = VecDeque::new();
    for site in &sites {
        s.direct.insert((site.func, site.instr), (site.host.clone(), site.why.clone()));
        if let std::collections::btree_map::Entry::Vacant(e) = s.reaches.entry(site.func) {
            e.insert((site.host.clone(), site.why.clone()));
            queue.push_back(site.func);
        }
    }
    while let Some(f) = queue.pop_front() {
        let info = s.reaches.get(&f).cloned().unwrap_or_default();
        for (caller, _) in cx.program.calls.callers(f) {
            if let std::collections::btree_map::Entry::Vacant(e) = s.reaches.entry(caller) {
                e.insert(info.clone());
                queue.push_back(caller);
            }
        }
    }
    let funcs: Vec<u32> = s.reaches.keys().copied().collect();
    // Summaries bottom-up: repeat until stable (recursion converges on finite key sets).
    for _ in 0..6 {
        let mut changed = false;
        for &f in &funcs {
            let sum = s.summarize(f);
            if s.summaries.get(&f) != Some(&sum) {
                s.summaries.insert(f, sum);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let mut reported = BTreeSet::new();
    for &f in &funcs {
        s.report(f, out, &mut reported);
    }
}

impl SyncCalls<'_, '_> {
    /// Re-entrant instructions of `func`: direct host calls and calls of functions that make one.
    fn reentrant_instrs(&self, func: u32) -> Vec<usize> {
        let Some(f) = self.cx.module.function(func) else { return Vec::new() };
        let mut out = Vec::new();
        for (i, ins) in f.body.iter().enumerate() {
            let is_call = matches!(
                ins.op,
                Op::Call(_) | Op::ReturnCall(_) | Op::CallIndirect { .. } | Op::ReturnCallIndirect { .. }
            );
            if !is_call {
                continue;
            }
            if self.direct.contains_key(&(func, i))
                || targets(self.cx, func, i).iter().any(|t| self.reaches.contains_key(t))
            {
                out.push(i);
            }
        }
        out
    }

    fn picture(&self, func: u32, c: usize) -> Option<CallPicture> {
        let cfg = self.cx.program.cfg(func)?;
        let around = Around::new(cfg, c)?;
        let mut p = CallPicture {
            before: BTreeSet::new(),
            after: BTreeMap::new(),
            inner_before: BTreeSet::new(),
            inner_after: BTreeSet::new(),
            committed: BTreeSet::new(),
            locked: false,
        };
        let mut lock_reads = BTreeSet::new();
        for (i, accesses) in self.storage.instrs(func) {
            if i == c {
                continue;
            }
            for AccessAt { access, key, .. } in accesses {
                if !comparable(key) {
                    continue;
                }
                match access {
                    Access::Read if around.is_before(cfg, i) => {
                        p.before.insert(key.clone());
                        lock_reads.insert(key.clone());
                    }
                    Access::Write => {
                        if around.is_after(cfg, i) {
                            p.after.entry(key.clone()).or_insert(i);
                        }
                        if cfg.dominates(i, c) {
                            p.committed.insert(key.clone());
                        }
                    }
                    _ => {}
                }
            }
        }
        for t in targets(self.cx, func, c) {
            if let Some(sum) = self.summaries.get(&t) {
                for k in &sum.read_before {
                    p.inner_before.insert(self.storage.instantiate_at(self.cx, func, c, k));
                }
                for k in &sum.written_after {
                    p.inner_after.insert(self.storage.instantiate_at(self.cx, func, c, k));
                }
            }
        }
        p.inner_before.retain(comparable);
        p.inner_after.retain(comparable);
        // A lock: a key read and then written before the call, with a stored value deciding a guard.
        let storage_guard = self.cx.guards().labels_protecting(self.cx, func, c)
            & wasmaudit_detect::taint::label(Effect::StorageRead)
            != 0;
        p.locked = storage_guard && lock_reads.iter().any(|k| p.committed.contains(k));
        Some(p)
    }

    fn summarize(&self, func: u32) -> InnerAround {
        let mut sum = InnerAround::default();
        if self.entered_locked(func) {
            return sum;
        }
        for c in self.reentrant_instrs(func) {
            let Some(p) = self.picture(func, c) else { continue };
            if p.locked {
                continue;
            }
            sum.read_before.extend(
                p.before.iter().chain(&p.inner_before).filter(|k| !p.committed.contains(*k)).cloned(),
            );
            sum.written_after.extend(p.after.keys().chain(&p.inner_after).cloned());
        }
        sum
    }

    /// Whether every call of `func` from an entry point happens under a reentrancy lock.
    fn entered_locked(&self, func: u32) -> bool {
        if let Some(v) = self.entered_locked.borrow().get(&func) {
            return *v;
        }
        self.entered_locked.borrow_mut().insert(func, false);
        let callers = self.cx.program.calls.callers(func);
        let root = self.cx.program.calls.roots.binary_search(&func).is_ok();
        let v = !root
            && !callers.is_empty()
            && callers.iter().all(|(caller, site)| {
                self.picture_lock_only(*caller, site.instr) || self.entered_locked(*caller)
            });
        self.entered_locked.borrow_mut().insert(func, v);
        v
    }

    /// Whether instruction `c` of `func` runs under a lock taken in `func`.
    fn picture_lock_only(&self, func: u32, c: usize) -> bool {
        let Some(cfg) = self.cx.program.cfg(func) else { return false };
        let Some(around) = Around::new(cfg, c) else { return false };
        let storage_guard = self.cx.guards().labels_protecting(self.cx, func, c)
            & wasmaudit_detect::taint::label(Effect::StorageRead)
            != 0;
        if !storage_guard {
            return false;
        }
        let mut read = BTreeSet::new();
        let mut committed = BTreeSet::new();
        for (i, accesses) in self.storage.instrs(func) {
            if i == c {
                continue;
            }
            for a in accesses.iter().filter(|a| comparable(&a.key)) {
                match a.access {
                    Access::Read if around.is_before(cfg, i) => {
                        read.insert(a.key.clone());
                    }
                    Access::Write if cfg.dominates(i, c) => {
                        committed.insert(a.key.clone());
                    }
                    _ => {}
                }
            }
        }
        read.iter().any(|k| committed.contains(k))
    }

    fn report(&self, func: u32, out: &mut Vec<Finding>, reported: &mut BTreeSet<(u32, usize)>) {
        if self.entered_locked(func) {
            return;
        }
        for c in self.reentrant_instrs(func) {
            let Some(p) = self.picture(func, c) else { continue };
            if p.locked {
                continue;
            }
            let read: BTreeSet<&KeyRef> = p.before.iter().chain(&p.inner_before).collect();
            let mut stale: Vec<(&KeyRef, usize)> = Vec::new();
            for k in read {
                if p.committed.contains(k) {
                    continue;
                }
                // A write of an entry the read may name (a computed key's family: the same
                // mapping entry built from an input the analysis lost on the way).
                let outer_write = p.after.iter().filter(|(w, _)| k.may_alias(w)).map(|(_, i)| *i).min();
                let inner_write = p.inner_after.iter().any(|w| k.may_alias(w));
                let outer_read = p.before.contains(k);
                // Entirely inside the callee: reported there.
                if outer_write.is_none() && !(inner_write && outer_read) {
                    continue;
                }
                stale.push((k, outer_write.unwrap_or(c)));
            }
            let Some(&(key, at)) = stale.iter().min_by_key(|(_, at)| *at) else { continue };
            if !reported.insert((func, at)) {
                continue;
            }
            let (host, why) = self
                .direct
                .get(&(func, c))
                .cloned()
                .or_else(|| targets(self.cx, func, c).iter().find_map(|t| self.reaches.get(t).cloned()))
                .unwrap_or_default();
            let via = if self.direct.contains_key(&(func, c)) {
                String::new()
            } else {
                format!(" (inside `{}`)", callee_names(self.cx, func, c))
            };
            let more =
                if stale.len() > 1 { format!(" and {} more key(s)", stale.len() - 1) } else { String::new() };
            let place = if at == c { "inside the call" } else { "here" };
            out.push(Finding {
                detector: &META,
                impact: META.impact,
                function: func,
                instr: at,
                offset: self.cx.offset_of(func, at),
                message: format!(
                    "storage {}{more} is read before the external call `{host}`{via}, which can re-enter \
                     the contract ({why}), and written {place} after it: a call back into the contract \
                     during `{host}` acts on the old value, and this write then overwrites whatever the \
                     call back stored",
                    describe(self.cx, key),
                ),
                confidence: META.confidence,
                way: Vec::new(),
            });
        }
    }
}

fn describe(cx: &Context<'_>, k: &KeyRef) -> String {
    match k {
        KeyRef::Known(key) => format!("key {}", key.describe(cx.platform)),
        KeyRef::ParamBytes { ptr, .. } | KeyRef::ParamValue(ptr) => {
            format!("entry whose key is parameter {ptr} of this function")
        }
        KeyRef::Call { .. } | KeyRef::Slice { .. } => {
            "entry whose key this function builds from its parameters".into()
        }
        KeyRef::Computed(bytes) => format!("entry at `{}`", KeyRef::describe_computed(bytes)),
        KeyRef::Unknown => "entry".into(),
    }
}

fn callee_names(cx: &Context<'_>, func: u32, instr: usize) -> String {
    let names: Vec<String> = targets(cx, func, instr).into_iter().take(3).map(|t| cx.func_name(t)).collect();
    names.join("`, `")
}

/// Whether the result `v` of `func` comes from a reentrancy query (directly or through a
/// function that returns one).
fn from_reentrancy_query(cx: &Context<'_>, func: u32, v: ValueId, depth: u32) -> bool {
    if depth > 12 {
        return false;
    }
    let (Some(values), Some(f)) = (cx.program.values(func), cx.module.function(func)) else { return false };
    match values.def(v) {
        ValueDef::Phi { operands, .. } => {
            operands.iter().any(|o| *o != v && from_reentrancy_query(cx, func, *o, depth + 1))
        }
        ValueDef::Result { instr, .. } => match f.body.get(*instr).map(|i| &i.op) {
            Some(Op::Call(c)) => match cx.host_fn(*c) {
                Some(h) => REENTRANCY_QUERIES.contains(&h.name.as_str()),
                None => returns_reentrancy_query(cx, *c, depth + 1),
            },
            Some(Op::Unary(..) | Op::Compare(..) | Op::Convert(_) | Op::Binary(..) | Op::Select) => {
                values.operands(*instr).iter().any(|o| from_reentrancy_query(cx, func, *o, depth + 1))
            }
            _ => false,
        },
        _ => false,
    }
}

fn returns_reentrancy_query(cx: &Context<'_>, func: u32, depth: u32) -> bool {
    let (Some(values), Some(f)) = (cx.program.values(func), cx.module.function(func)) else { return false };
    f.exits().any(|i| values.operands(i).iter().any(|v| from_reentrancy_query(cx, func, *v, depth)))
}

/// Whether every state-changing entry point rejects reentrant invocations: a branch on a
/// reentrancy query decides every storage write of the entry function.
fn module_rejects_reentry(cx: &Context<'_>) -> bool {
    let has_query = cx.module.functions.iter().any(|f| {
        f.is_import() && cx.host_fn(f.index).is_some_and(|h| REENTRANCY_QUERIES.contains(&h.name.as_str()))
    });
    if !has_query {
        return false;
    }
    let storage = cx.storage();
    let writers: Vec<u32> =
        cx.entry_points().into_iter().map(|(_, f)| f).filter(|f| storage.writes(*f)).collect();
    !writers.is_empty() && writers.iter().all(|&e| entry_rejects_reentry(cx, storage, e))
}

fn entry_rejects_reentry(cx: &Context<'_>, storage: &StorageAccess, entry: u32) -> bool {
    let (Some(values), Some(f)) = (cx.program.values(entry), cx.module.function(entry)) else { return false };
    let writes: Vec<usize> = storage
        .instrs(entry)
        .filter(|(_, a)| a.iter().any(|x| x.access == Access::Write))
        .map(|(i, _)| i)
        .collect();
    f.body.iter().enumerate().any(|(p, ins)| {
        matches!(ins.op, Op::If(_) | Op::BrIf(_) | Op::BrTable { .. })
            && values.operands(p).last().is_some_and(|c| from_reentrancy_query(cx, entry, *c, 0))
            && writes.iter().all(|w| cx.guards().decides(cx, entry, p, true, *w))
    })
}

// ---------------------------------------------------------------------------------------------
// NEAR: asynchronous calls.

/// NEAR host functions that name a method to call.
const NEAR_METHOD_CALLS: [&str; 4] = [
    "promise_then",
    "promise_create",
    "promise_batch_action_function_call",
    "promise_batch_action_function_call_weight",
];

/// Host calls of `cx` whose model name is in `names`, as (func, instr, host).
fn near_host_calls(cx: &Context<'_>, names: &[&str]) -> Vec<(u32, usize, &'static HostFn)> {
    let mut out = Vec::new();
    for f in cx.module.functions.iter().filter(|f| !f.is_import()) {
        for (instr, callee) in cx.direct_calls(f.index) {
            if let Some(h) = cx.host_fn(callee).filter(|h| names.contains(&h.name.as_str())) {
                out.push((f.index, instr, h));
            }
        }
    }
    out
}

/// Functions from which some function in `targets` is reachable (including them).
fn reaching(cx: &Context<'_>, targets: &BTreeSet<u32>) -> BTreeSet<u32> {
    let mut seen: BTreeSet<u32> = targets.clone();
    let mut queue: VecDeque<u32> = targets.iter().copied().collect();
    while let Some(f) = queue.pop_front() {
        for (caller, _) in cx.program.calls.callers(f) {
            if seen.insert(caller) {
                queue.push_back(caller);
            }
        }
    }
    seen
}

/// Functions that call a host function whose model name is in `names`.
fn calling_host(cx: &Context<'_>, names: &[&str]) -> BTreeSet<u32> {
    near_host_calls(cx, names).into_iter().map(|(f, _, _)| f).collect()
}

/// Method names given as constant strings to the host calls that schedule methods.
fn scheduled_methods(cx: &Context<'_>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (func, instr, h) in near_host_calls(cx, &NEAR_METHOD_CALLS) {
        let Some(values) = cx.program.values(func) else { continue };
        let ops = values.operands(instr);
        let (Some(ptr), Some(len)) = (
            h.arg("method").and_then(|a| ops.get(a as usize)),
            h.arg("method_len").and_then(|a| ops.get(a as usize)),
        ) else {
            continue;
        };
        let Some(len) = cx.evaluator(func).and_then(|ev| ev.constant(*len)) else { continue };
        if let Some(bytes) = StorageAccess::constant_bytes(cx, func, instr, *ptr, len) {
            if let Ok(name) = String::from_utf8(bytes) {
                out.insert(name);
            }
        }
    }
    out
}

/// The first instruction of `func` that writes storage (directly or through a call).
fn first_write(storage: &StorageAccess, func: u32) -> Option<usize> {
    storage.instrs(func).find(|(_, a)| a.iter().any(|x| x.access == Access::Write)).map(|(i, _)| i)
}

fn near_callbacks(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let named = scheduled_methods(cx);
    if named.is_empty() {
        return;
    }
    let results = reaching(cx, &calling_host(cx, &["promise_result", "promise_results_count"]));
    let storage = cx.storage();
    for (name, func) in cx.entry_points() {
        if !named.contains(name) || results.contains(&func) {
            continue;
        }
        let Some(at) = first_write(storage, func) else { continue };
        out.push(Finding::at(
            cx,
            &META,
            func,
            at,
            format!(
                "callback `{name}` writes contract state without reading the promise result \
                 (`promise_result`): it runs after the cross-contract call whether that call succeeded or \
                 failed, so the state records a success that may not have happened"
            ),
        ));
    }
}

/// The amount attached to a promise call is a known constant other than zero.
fn known_deposit(cx: &Context<'_>, func: u32, instr: usize, h: &HostFn) -> bool {
    let Some(values) = cx.program.values(func) else { return false };
    let Some(&ptr) = h.arg("amount").and_then(|a| values.operands(instr).get(a as usize)) else {
        return false;
    };
    StorageAccess::constant_bytes(cx, func, instr, ptr, 16).is_some_and(|b| b.iter().any(|x| *x != 0))
}

fn near_unreverted_calls(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let calls: Vec<(u32, usize, &HostFn)> = near_host_calls(
        cx,
        &[
            "promise_create",
            "promise_batch_action_function_call",
            "promise_batch_action_function_call_weight",
        ],
    )
    .into_iter()
    .filter(|(f, i, h)| known_deposit(cx, *f, *i, h))
    .collect();
    if calls.is_empty() {
        return;
    }
    let paying: BTreeSet<u32> = calls.iter().map(|(f, _, _)| *f).collect();
    let paying_reach = reaching(cx, &paying);
    let then_reach = reaching(cx, &calling_host(cx, &wasmaudit_detect::scheduled::PROMISE_CHAINING));
    let storage = cx.storage();
    for (name, func) in cx.entry_points() {
        if !paying_reach.contains(&func) || then_reach.contains(&func) || !storage.writes(func) {
            continue;
        }
        // The instruction of the entry function that leads to the paying call.
        let Some(body) = cx.module.function(func).map(|f| &f.body) else { continue };
        let at = (0..body.len()).find(|&i| {
            calls.iter().any(|(f, ci, _)| *f == func && *ci == i)
                || cx.program.calls.targets_at(func, i).iter().any(|t| paying_reach.contains(t))
        });
        let Some(at) = at else { continue };
        out.push(Finding::at(cx, &META, func, at, format!(
                "entry point `{name}` changes contract state and makes a cross-contract call with an attached \
                 deposit but schedules no callback: when the call fails the deposit comes back to the \
                 contract while the state change stays"
            )));
    }
}
