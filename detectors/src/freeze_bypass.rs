use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use wasmaudit_detect::storage::{Access, Key, KeyRef};
use wasmaudit_detect::{Class, Confidence, Context, Detector, DetectorMeta, Docs, Finding, Impact};
use wasmaudit_front::Op;

pub struct FreezeBypass;

pub static META: DetectorMeta = DetectorMeta {
    id: "WA104",
    name: "freeze-bypass",
    class: Class::FreezeBypass,
    impact: Impact::High,
    confidence: Confidence::Medium,
    summary: "A stored pause/freeze flag guards some writes of a piece of state but not another path that writes it",
    docs: Docs {
        what_it_does: "Finds flag checks: a branch or assertion whose condition is computed only from a \
            value read from storage under a constant key and from constants (`if paused { panic }`, \
            `assert(frozen == 0)`), that traps or skips the code it guards; a helper that returns only \
            after such a check (`when_not_paused()`) counts as the check at its call. Keys with a \
            name (key bytes, EOSIO table names, Soroban symbols) must name a pause-like flag \
            (paused, frozen, halted, stopped, locked, emergency, suspended, disabled, enabled, kill \
            switch), unless the check fails with a message that says so (`check(!cfg.paused, \
            \"pool is paused\")` on a `config` row: the assert's message, an aborting call's \
            message shortly after the branch, or a constant string on a way that can only trap; \
            paused, frozen, halted, suspended, emergency, circuit breaker). Then, for every storage key S written under a constant key, it follows the call \
            graph from the entry points to each write of S: when some path to a write of S passes \
            the check of flag K and another path to a write of S does not, the unchecked path is \
            reported where it leaves the checked ones (the write itself, or the call on that path \
            that no checked path shares). Paths through constructors, callbacks the platform runs only \
            when the contract's own call returns (MultiversX `callBack`, CosmWasm `reply`: the \
            call that scheduled them made the check) and functions that write the flag themselves \
            (pause/unpause, initializers) do not count on either side. MultiversX stored values \
            live in managed buffers: a key is the buffer the SDK builds (`pause_module:paused`, \
            `transfers(_)` for a mapper with an argument that is not constant), and a flag read \
            through the buffer (its length, its bytes copied into memory, the `bool` a decoder \
            chooses from them) is a flag value.",
        why_bad: "An emergency pause is only as strong as its weakest entry point. If `transfer` \
            honours the freeze but `transfer_from`, a batch method or a legacy entry point writes the \
            same balances without checking it, an attacker who triggered the incident (or the \
            owner of a frozen account) keeps moving funds while the operators believe the contract \
            is frozen — the standard's lifecycle requirement of a controllable freeze is not met.",
        exploit_scenario: "A token is paused after a key compromise. `transfer` starts with \
            `if paused { revert }`, but `transfer_from` was added later and writes the same balance \
            entries without the check. The attacker, holding allowances from the compromised \
            account, drains it through `transfer_from` while the contract is paused.",
        recommendation: "Check the flag in one place every state-changing path goes through (a \
            modifier-style helper called at the start of each public entry point, or the dispatcher \
            itself), and add a test per entry point that it fails while paused.",
        known_false_positives: "Only constant storage keys are compared, so a flag packed inside a \
            larger state object (NEAR `STATE`, an ink! root struct) or a mapping entry is not seen. \
            An entry point that is meant to keep working while paused (an emergency withdrawal, an \
            administrator's repair function that does not write the flag) is reported; so is a flag \
            whose name matches but that means something else. Unnamed keys (numeric ink! keys) are \
            taken as flags whenever a constant test of their stored value guards a write.",
    },
    platforms: &[],
};

impl Detector for FreezeBypass {
    fn meta(&self) -> &'static DetectorMeta {
        &META
    }

    fn run(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let guards = flag_guards(cx);
        if guards.values().all(Vec::is_empty) {
            return;
        }
        let mut a = Analysis {
            cx,
            guards,
            exit_checked: BTreeMap::new(),
            entered_some: RefCell::new(BTreeMap::new()),
            entered_all: RefCell::new(BTreeMap::new()),
        };
        a.compute_exit_checked();
        a.report(out);
    }
}

/// Words a pause/freeze flag's name contains.
const FLAG_WORDS: [&str; 13] = [
    "paus", "freez", "frozen", "halt", "stop", "lock", "emergenc", "suspend", "disabl", "enabl", "kill",
    "circuit", "shutdown",
];

/// Whether a key can be a pause/freeze flag: unnamed keys can, named ones must say so.
fn flag_like(cx: &Context<'_>, key: &Key) -> bool {
    let Some(name) = key.name(cx.platform) else { return true };
    let lower = name.to_ascii_lowercase();
    let lock_is_block = lower.contains("lock") && (lower.contains("block") || lower.contains("clock"));
    let other_word = FLAG_WORDS.iter().any(|w| *w != "lock" && lower.contains(w));
    other_word || (lower.contains("lock") && !lock_is_block)
}

/// Words a failure message uses for a paused or frozen contract (narrower than [`FLAG_WORDS`]:
/// "locked", "disabled" or "stopped" in a message also describe time locks and closed sales).
const PAUSED_WORDS: [&str; 7] = ["paus", "freez", "frozen", "halt", "suspend", "emergenc", "circuit"];

/// Longest failure message read, in bytes.
const MAX_MESSAGE: usize = 96;
/// Instructions after a branch searched for the failure message.
const MESSAGE_WINDOW: usize = 48;

/// Whether the check at `instr` of `func` fails with a message saying the contract is paused:
/// the `message` argument of an asserting host call (the check itself, or one shortly after the
/// branch: `if (paused) eosio_assert(false, "paused")`), or a constant string used on a way
/// after the branch that can only trap (a panic message).
fn failure_says_paused(cx: &Context<'_>, func: u32, instr: usize, is_branch: bool) -> bool {
    let (Some(f), Some(values), Some(ev)) =
        (cx.module.function(func), cx.program.values(func), cx.evaluator(func))
    else {
        return false;
    };
    let says = |addr: i64| {
        let Some(bytes) = u64::try_from(addr).ok().and_then(|a| cx.module.data_from(a, MAX_MESSAGE)) else {
            return false;
        };
        let text: Vec<u8> =
            bytes.iter().copied().take_while(|b| b.is_ascii_graphic() || *b == b' ').collect();
        let lower = String::from_utf8_lossy(&text).to_ascii_lowercase();
        text.len() >= 4 && PAUSED_WORDS.iter().any(|w| lower.contains(w))
    };
    // The message an aborting host call at `j` fails with.
    let abort_message = |j: usize| {
        let Some(Op::Call(c)) = f.body.get(j).map(|i| &i.op) else { return false };
        let h = cx.host_fn(*c).filter(|h| h.has(wasmaudit_platform::Effect::Abort));
        let arg = h.and_then(|h| h.arg("message")).and_then(|a| values.operands(j).get(a as usize));
        arg.and_then(|m| ev.constant(*m)).is_some_and(says)
    };
    if !is_branch {
        return abort_message(instr);
    }
    (instr + 1..f.body.len().min(instr + 1 + MESSAGE_WINDOW)).any(|j| match f.body[j].op {
        Op::I32Const(c) => cx.doomed(func, j) && says(i64::from(c)),
        _ => abort_message(j),
    })
}

/// A check of stored flags in one function.
#[derive(Debug, Clone)]
struct FlagGuard {
    instr: usize,
    is_branch: bool,
    /// Keys the condition is computed from (in terms of the function's parameters).
    keys: BTreeSet<KeyRef>,
}

/// Flag checks per function: branches and assertions on values computed only from stored values.
fn flag_guards(cx: &Context<'_>) -> BTreeMap<u32, Vec<FlagGuard>> {
    let storage = cx.storage();
    // Stored values held in host buffers (MultiversX managed buffers) carry no taint label: the
    // storage walk alone tells whether a condition tests one.
    let buffers = wasmaudit_detect::hostval::module_buffers(cx);
    let mut out: BTreeMap<u32, Vec<FlagGuard>> = BTreeMap::new();
    for f in cx.module.functions.iter().filter(|f| !f.is_import()) {
        let taint = cx.dataflow().funcs.get(f.index as usize);
        for (instr, is_branch, cond) in wasmaudit_detect::guards::conditions(cx, f.index) {
            // Only a condition something stored flows into can test a flag: one whose taint has
            // no storage label and nothing from the caller's arguments is skipped unwalked.
            let t = taint.map(|t| t.value(cond)).unwrap_or_default();
            let stored = wasmaudit_detect::taint::label(wasmaudit_platform::Effect::StorageRead);
            if !buffers
                && t.labels & stored == 0
                && t.params == 0
                && t.param_mem == 0
                && t.param_reg == 0
                && t.entry_reg == 0
            {
                continue;
            }
            let Some(keys) = storage.value_keys(cx, f.index, cond) else { continue };
            // A check whose failure message says the contract is paused tests a flag whatever
            // the key is called (a `paused` field of a `config` row).
            let says_paused = std::cell::OnceCell::new();
            let keys: BTreeSet<KeyRef> = keys
                .into_iter()
                .filter(|k| match k {
                    KeyRef::Known(key) => {
                        flag_like(cx, key)
                            || *says_paused.get_or_init(|| failure_says_paused(cx, f.index, instr, is_branch))
                    }
                    KeyRef::Unknown => false,
                    _ => true,
                })
                .collect();
            if !keys.is_empty() {
                out.entry(f.index).or_default().push(FlagGuard { instr, is_branch, keys });
            }
        }
    }
    out
}

/// Whether every path from the function entry to `s` goes through one of the branches `gs` on
/// the flag, and one of them traps or leaves the path to `s` on one side: the nested form
/// `if exists(flag) { if load(flag) { panic } }`, where no single branch dominates the rest.
fn checks_on_every_path(cx: &Context<'_>, func: u32, gs: &[&FlagGuard], s: usize) -> bool {
    let Some(cfg) = cx.program.cfg(func) else { return false };
    let Some(sb) = cfg.block_of(s) else { return false };
    let branches: Vec<(wasmaudit_flow::BlockId, usize)> = gs
        .iter()
        .filter(|g| g.is_branch)
        .filter_map(|g| cfg.block_of(g.instr).map(|b| (b, g.instr)))
        .collect();
    let deciding = branches.iter().any(|(b, _)| {
        cfg.successors(*b).any(|(succ, _)| cx.guards().traps(func, succ) || !cfg.reaches(succ, sb))
    });
    if !deciding {
        return false;
    }
    let mut seen = vec![false; cfg.num_blocks()];
    let mut queue = std::collections::VecDeque::from([cfg.entry]);
    while let Some(b) = queue.pop_front() {
        if std::mem::replace(&mut seen[b.index()], true) {
            continue;
        }
        let guard = branches.iter().find(|(gb, _)| *gb == b).map(|(_, i)| *i);
        if b == sb && guard.is_none_or(|g| s <= g) {
            return false;
        }
        if guard.is_none() {
            queue.extend(cfg.successors(b).map(|(x, _)| x));
        }
    }
    true
}

struct Analysis<'c, 'a> {
    cx: &'c Context<'a>,
    guards: BTreeMap<u32, Vec<FlagGuard>>,
    /// Per function: flag keys every normal return of it has checked (in its parameters' terms).
    exit_checked: BTreeMap<u32, BTreeSet<KeyRef>>,
    entered_some: RefCell<BTreeMap<(u32, Key), bool>>,
    entered_all: RefCell<BTreeMap<(u32, Key), bool>>,
}

/// A storage write whose key is fixed at this instruction.
#[derive(Debug, Clone)]
struct WriteSite {
    func: u32,
    instr: usize,
}

impl Analysis<'_, '_> {
    fn exits(&self, func: u32) -> Vec<usize> {
        self.cx.module.function(func).map(|f| f.exits().collect()).unwrap_or_default()
    }

    /// Flag keys (as `KeyRef`s of `func`) checked before instruction `s` of `func`.
    fn checked_before(&self, func: u32, s: usize) -> BTreeSet<KeyRef> {
        let cx = self.cx;
        let mut out = BTreeSet::new();
        let mut by_key: BTreeMap<&KeyRef, Vec<&FlagGuard>> = BTreeMap::new();
        for g in self.guards.get(&func).into_iter().flatten() {
            for k in &g.keys {
                by_key.entry(k).or_default().push(g);
            }
        }
        for (k, gs) in by_key {
            if gs.iter().any(|g| cx.guards().decides(cx, func, g.instr, g.is_branch, s))
                || checks_on_every_path(cx, func, &gs, s)
            {
                out.insert(k.clone());
            }
        }
        if self.exit_checked.is_empty() {
            return out;
        }
        let Some(cfg) = cx.program.cfg(func) else { return out };
        for (c, targets) in cx.program.calls.call_sites(func) {
            if *c == s || !cfg.dominates(*c, s) {
                continue;
            }
            for t in targets {
                for k in self.exit_checked.get(t).into_iter().flatten() {
                    out.insert(cx.storage().instantiate_at(cx, func, *c, k));
                }
            }
        }
        out
    }

    fn compute_exit_checked(&mut self) {
        let funcs: Vec<u32> =
            self.cx.module.functions.iter().filter(|f| !f.is_import()).map(|f| f.index).collect();
        for _ in 0..6 {
            let mut changed = false;
            for &f in &funcs {
                let calls_checked = self
                    .cx
                    .program
                    .calls
                    .call_sites(f)
                    .iter()
                    .any(|(_, ts)| ts.iter().any(|t| self.exit_checked.contains_key(t)));
                if !self.guards.contains_key(&f) && !calls_checked {
                    continue;
                }
                let exits = self.exits(f);
                if exits.is_empty() {
                    continue;
                }
                let mut common: Option<BTreeSet<KeyRef>> = None;
                for e in exits {
                    let keys = self.checked_before(f, e);
                    common = Some(match common {
                        None => keys,
                        Some(c) => c.intersection(&keys).cloned().collect(),
                    });
                }
                let keys = common.unwrap_or_default();
                if keys.is_empty() {
                    continue;
                }
                if self.exit_checked.get(&f) != Some(&keys) {
                    self.exit_checked.insert(f, keys);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// Whether flag `k` is checked before instruction `s` of `func` by a function that does not
    /// itself write the flag.
    fn protected(&self, func: u32, s: usize, k: &Key) -> bool {
        !self.writes_flag(func, k) && self.checked_before(func, s).iter().any(|x| x.known() == Some(k))
    }

    fn writes_flag(&self, func: u32, k: &Key) -> bool {
        self.cx.storage().written_keys(func).contains(k)
    }

    fn is_root(&self, func: u32) -> bool {
        self.cx.program.calls.roots.binary_search(&func).is_ok()
    }

    /// Exports that construct or only read the contract, or continue a call the contract made
    /// (a callback: the call was made, and the flag checked, by the code that made it): their
    /// paths count on neither side.
    fn exempt_root(&self, func: u32) -> bool {
        let views = self.cx.model.map(|m| m.view_exports.as_slice()).unwrap_or(&[]);
        self.cx.entry_points().iter().filter(|(_, f)| *f == func).any(|(name, _)| {
            let n = name.to_ascii_lowercase();
            matches!(
                n.as_str(),
                "deploy" | "init" | "new" | "instantiate" | "constructor" | "initialize" | "migrate"
            ) || n.starts_with("init_")
                || n.starts_with("new_")
                || views.iter().any(|v| v == name)
                || wasmaudit_detect::authz::is_continuation(self.cx.platform, name)
        })
    }

    /// Some path from an entry point into `func` checks `k`.
    fn entered_some(&self, func: u32, k: &Key) -> bool {
        if let Some(v) = self.entered_some.borrow().get(&(func, k.clone())) {
            return *v;
        }
        self.entered_some.borrow_mut().insert((func, k.clone()), false);
        let v = !self.exempt_root(func)
            && self
                .cx
                .program
                .calls
                .callers(func)
                .iter()
                .any(|(g, site)| self.protected(*g, site.instr, k) || self.entered_some(*g, k));
        self.entered_some.borrow_mut().insert((func, k.clone()), v);
        v
    }

    /// Every path from an entry point into `func` checks `k` (or starts at an exempt export).
    fn entered_all(&self, func: u32, k: &Key) -> bool {
        if let Some(v) = self.entered_all.borrow().get(&(func, k.clone())) {
            return *v;
        }
        // A cycle adds no unchecked entry of its own.
        self.entered_all.borrow_mut().insert((func, k.clone()), true);
        let callers = self.cx.program.calls.callers(func);
        let v = if self.is_root(func) {
            self.exempt_root(func)
        } else {
            callers.iter().all(|(g, site)| self.protected(*g, site.instr, k) || self.entered_all(*g, k))
        };
        self.entered_all.borrow_mut().insert((func, k.clone()), v);
        v
    }

    fn some_path(&self, func: u32, s: usize, k: &Key) -> bool {
        self.protected(func, s, k) || self.entered_some(func, k)
    }

    fn all_paths(&self, func: u32, s: usize, k: &Key) -> bool {
        self.protected(func, s, k) || self.entered_all(func, k)
    }

    /// Where an unchecked path to the write at `s` of `func` leaves the checked ones: the
    /// nearest site on it that no checked path goes through, with the entry point it starts at.
    fn divergence(&self, func: u32, s: usize, k: &Key, depth: usize) -> Option<(u32, usize)> {
        if !self.some_path(func, s, k) {
            return Some((func, s));
        }
        if depth > 32 || self.protected(func, s, k) {
            return None;
        }
        for (g, site) in self.cx.program.calls.callers(func) {
            if !self.all_paths(g, site.instr, &k.clone()) {
                if let Some(d) = self.divergence(g, site.instr, k, depth + 1) {
                    return Some(d);
                }
            }
        }
        None
    }

    /// An entry point from which `func` is reached on a path that does not check `k`.
    fn unchecked_entry(&self, func: u32, k: &Key, seen: &mut BTreeSet<u32>) -> Option<u32> {
        if self.is_root(func) && !self.exempt_root(func) {
            return Some(func);
        }
        if !seen.insert(func) {
            return None;
        }
        for (g, site) in self.cx.program.calls.callers(func) {
            if !self.protected(g, site.instr, k) {
                if let Some(e) = self.unchecked_entry(g, k, seen) {
                    return Some(e);
                }
            }
        }
        None
    }

    fn write_sites(&self) -> BTreeMap<Key, Vec<WriteSite>> {
        let storage = self.cx.storage();
        let mut out: BTreeMap<Key, Vec<WriteSite>> = BTreeMap::new();
        for f in self.cx.module.functions.iter().filter(|f| !f.is_import()) {
            for (instr, accesses) in storage.instrs(f.index) {
                for a in accesses.iter().filter(|a| a.access == Access::Write && a.resolved_here) {
                    if let Some(key) = a.key.known() {
                        out.entry(key.clone()).or_default().push(WriteSite { func: f.index, instr });
                    }
                }
            }
        }
        out
    }

    fn flag_keys(&self) -> BTreeSet<Key> {
        let mut out = BTreeSet::new();
        for (f, gs) in &self.guards {
            for g in gs {
                for k in &g.keys {
                    match k {
                        KeyRef::Known(key) => {
                            out.insert(key.clone());
                        }
                        // A helper that checks the flag it is given: the keys its callers pass.
                        _ => {
                            for (caller, site) in self.cx.program.calls.callers(*f) {
                                if let Some(key) =
                                    self.cx.storage().instantiate_at(self.cx, caller, site.instr, k).known()
                                {
                                    if flag_like(self.cx, key) {
                                        out.insert(key.clone());
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        out
    }

    fn report(&self, out: &mut Vec<Finding>) {
        let cx = self.cx;
        let sites = self.write_sites();
        let mut reported = BTreeSet::new();
        for k in self.flag_keys() {
            for (state, writes) in &sites {
                if *state == k {
                    continue;
                }
                let honoured = writes.iter().find(|w| self.some_path(w.func, w.instr, &k));
                let Some(honoured) = honoured else { continue };
                for w in writes {
                    if self.all_paths(w.func, w.instr, &k) {
                        continue;
                    }
                    let Some((func, instr)) = self.divergence(w.func, w.instr, &k, 0) else { continue };
                    if self.writes_flag(func, &k) || !reported.insert((func, instr)) {
                        continue;
                    }
                    let entry = self
                        .unchecked_entry(func, &k, &mut BTreeSet::new())
                        .and_then(|e| cx.entry_points().into_iter().find(|(_, f)| *f == e).map(|(n, _)| n))
                        .unwrap_or("an entry point");
                    let checked_in = self.checking_function(honoured, &k);
                    out.push(Finding::at(
                        cx,
                        &META,
                        func,
                        instr,
                        format!(
                            "`{entry}` writes storage key {} here without checking the stored flag {}, which \
                             guards other writes of the same key (checked in `{checked_in}`): while the \
                             contract is paused or frozen this path still changes that state",
                            state.describe(cx.platform),
                            k.describe(cx.platform),
                        ),
                    ));
                }
            }
        }
    }

    /// The function whose check of `k` protects a path to the write `w`.
    fn checking_function(&self, w: &WriteSite, k: &Key) -> String {
        let mut func = w.func;
        let mut instr = w.instr;
        for _ in 0..32 {
            if self.protected(func, instr, k) {
                return self.cx.func_name(func);
            }
            let Some((g, site)) = self
                .cx
                .program
                .calls
                .callers(func)
                .into_iter()
                .find(|(g, site)| self.some_path(*g, site.instr, k))
            else {
                break;
            };
            func = g;
            instr = site.instr;
        }
        self.cx.func_name(func)
    }
}
