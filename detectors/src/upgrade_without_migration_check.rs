use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use wasmaudit_detect::authz::Walker;
use wasmaudit_detect::storage::{Access, Key, KeyRef};
use wasmaudit_detect::views::persisting_write_sites;
use wasmaudit_detect::{Class, Confidence, Context, Detector, DetectorMeta, Docs, Finding, Impact};
use wasmaudit_front::Op;
use wasmaudit_platform::Effect;

pub struct UpgradeWithoutMigrationCheck;

pub static META: DetectorMeta = DetectorMeta {
    id: "WA103",
    name: "upgrade-without-migration-check",
    class: Class::UpgradeWithoutMigrationCheck,
    impact: Impact::Medium,
    confidence: Confidence::Medium,
    summary: "An upgrade or migrate path writes contract state without checking the stored version first",
    docs: Docs {
        what_it_does: "Takes the upgrade paths of a contract: exported migrate entry points (CosmWasm \
            `migrate`, NEAR `migrate`/`migrate_*`, any platform's `migrate` export) and the call chains \
            from an entry point to a code-replacement host call (ink! `set_code_hash`, Soroban \
            `update_current_contract_wasm`, NEAR deploy-contract actions, MultiversX \
            `upgradeContract`), with the storage writes on them — in a migrate entry point and \
            everything it calls, and on a code-replacement chain the writes before the call that \
            leads to the replacement or after it, at every level of the chain. A write is checked \
            when, before it (at its level or at a level above on the chain), the contract reads a \
            version key and a stored value decides a guard — a key whose name says version \
            (`version`, cw2's `contract_info`, `migration`) read on every path to the write, \
            followed by a guard on stored data; or a guard whose condition is a constant test of \
            a stored value (`assert!(stored.version == 1)`) under a version-named or unnamed key; or \
            a helper that returns only after such a check. In a migrate entry point of a contract \
            that keeps no version (no version-named key anywhere), a write of a key the migration \
            read on every path before it is checked: the new code decodes the old state in the \
            layout it migrates from (serde/borsh decoding aborts on any other), the only check such a \
            contract can make; so is a call of the migrate entry point whose persisting writes \
            (ways not rolled back by a trap) are all under keys built from stored data: entries \
            of collections whose prefix was decoded from the state it read, which near-sdk \
            collections write back from their caches when that state is dropped. On a code-replacement chain the old code is running, so reading its \
            own state checks nothing; there a host call storing a constant under a key that does not \
            hold the version (a marker) is not a migration. Each unchecked path is reported at its \
            first unchecked write. A call through a trait object's vtable reaches only the \
            functions its table index names on the ways up to the entry points (a `dyn Storage` \
            read in generic code such as cw-storage-plus `Item::load` reaches the storage \
            implementation's `get`, not every function of its signature).",
        why_bad: "Migration code assumes the layout and values of one particular old version. Run on \
            a different version — a second migrate, a downgrade, a migration of another contract's \
            code, a replayed upgrade — it reinterprets or overwrites state written by another \
            layout, silently corrupting balances and configuration, or resets fields (owner, \
            paused, counters) to their initial values. The lifecycle requirement of controlled \
            upgrade and iteration asks that a migration check what it migrates from.",
        exploit_scenario: "A CosmWasm vault's `migrate` unconditionally saves a fresh `Config` with \
            the admin from the message. Governance later migrates the contract to an older code id \
            by mistake (or an admin key holder does so on purpose): `migrate` runs again on state \
            it has already migrated, resets the fee recipient and the accumulated-fee counter, and \
            the fees collected since the last upgrade are lost.",
        recommendation: "At the start of every migration read the stored contract name and version \
            (cw2 `get_contract_version`, or a `version` field), refuse unexpected names and \
            anything that is not strictly older than the new version, migrate from exactly the \
            versions the code knows, and store the new version last.",
        known_false_positives: "The version check is recognised by key name or by a constant test of a \
            stored value: a version kept inside a larger state object under an unrelated name, or \
            compared through a parser the analysis cannot follow, is missed and the migration is \
            reported. Migrations that are correct for every earlier version (writing only fields \
            they add) are reported too, and a platform that refuses repeated migrations itself is \
            not modelled. A migration of a version-less contract that reads and rewrites its state \
            is accepted even when the old layout happens to decode as the expected one. CosmWasm \
            2.2's `MigrateInfo` (the old version the chain passes to `migrate`) is not recognised as \
            a version source. A code-replacement call inside a generic action dispatcher (near-sdk's \
            promise builder, which every promise goes through) is not followed, so upgrades built \
            with it are only checked through their `migrate` method; neither is a chain that reaches the \
            code replacement only through a `call_indirect` with several possible targets.",
    },
    platforms: &[],
};

impl Detector for UpgradeWithoutMigrationCheck {
    fn meta(&self) -> &'static DetectorMeta {
        &META
    }

    fn run(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let a = Analysis::new(cx, Migrating::OldCode);
        // In a migrate entry point the new code runs on the old state; when the contract keeps no
        // version, decoding the state it rewrites is the only check it can make.
        // (Storage facts are only asked for when there is a migration to check: computing them
        // is costly on large contracts.)
        let migrates: Vec<(&str, u32)> =
            cx.entry_points().into_iter().filter(|(name, _)| is_migrate_export(name)).collect();
        let mut reported = BTreeSet::new();
        if !migrates.is_empty() {
            let m =
                Analysis::new(cx, if keeps_version(cx) { Migrating::OldCode } else { Migrating::NewCode });
            for (name, func) in migrates {
                if let Some(w) = m.first_unchecked_write(func) {
                    m.push(out, &mut reported, func, w, &format!("migrate entry point `{name}`"));
                }
            }
        }
        for call in cx.host_calls(Effect::CodeUpgrade) {
            if is_action_dispatcher(cx, call.func) {
                continue;
            }
            let mut chain = vec![(call.func, call.instr)];
            a.upgrade_chains(&mut chain, call.host.display_name(), out, &mut reported);
        }
    }
}

/// A function that turns a list of actions into host calls (near-sdk's promise builder): it
/// calls three or more different action host functions, itself or through one-call wrappers,
/// so which one a path runs depends on data the analysis does not follow, and every promise
/// would look like an upgrade path. `func` (the function making the code-replacement call) is
/// checked, and so are its callers, for when it is such a wrapper.
fn is_action_dispatcher(cx: &Context<'_>, func: u32) -> bool {
    let actions = [
        Effect::ExternalCall,
        Effect::ValueTransfer,
        Effect::CodeUpgrade,
        Effect::KeyManagement,
        Effect::Terminate,
    ];
    let direct_hosts = |f: u32| -> BTreeSet<u32> {
        cx.direct_calls(f)
            .filter(|(_, c)| cx.host_fn(*c).is_some_and(|h| actions.iter().any(|e| h.has(*e))))
            .map(|(_, c)| c)
            .collect()
    };
    let dispatches = |f: u32| -> bool {
        let mut hosts = direct_hosts(f);
        for (_, c) in cx.direct_calls(f) {
            if cx.host_fn(c).is_none() {
                hosts.extend(direct_hosts(c));
            }
        }
        hosts.len() >= 3
    };
    dispatches(func) || cx.program.calls.callers(func).iter().any(|(g, _)| dispatches(*g))
}

fn is_migrate_export(name: &str) -> bool {
    name.to_ascii_lowercase().starts_with("migrate")
}

/// Whether a key's name says it holds the contract's version.
fn version_named(cx: &Context<'_>, key: &Key) -> bool {
    key.name(cx.platform).is_some_and(|n| {
        let n = n.to_ascii_lowercase();
        n.contains("version") || n == "contract_info" || n.contains("migrat")
    })
}

/// Whether the contract keeps a version: some storage access anywhere in the module has a
/// version-named key.
fn keeps_version(cx: &Context<'_>) -> bool {
    let storage = cx.storage();
    cx.module.functions.iter().filter(|f| !f.is_import()).any(|f| {
        storage
            .instrs(f.index)
            .any(|(_, accesses)| accesses.iter().any(|a| a.key.known().is_some_and(|k| version_named(cx, k))))
    })
}

/// Which code runs the writes being checked, and so what reading the old state proves.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Migrating {
    /// The code that wrote the state (a code-replacement chain runs in the old code until it
    /// returns), or a contract that keeps a version to check: a read of the state proves nothing.
    OldCode,
    /// A migrate entry point of a contract that keeps no version: the new code decodes the state
    /// it rewrites in the layout it migrates from (serde/borsh decoding aborts on another
    /// layout), so a read of the same key before the write is the check.
    NewCode,
}

const MAX_CHAIN: usize = 16;

struct Analysis<'c, 'a> {
    cx: &'c Context<'a>,
    migrating: Migrating,
    exit_checked: RefCell<BTreeMap<u32, bool>>,
    inner_checked: RefCell<BTreeMap<u32, bool>>,
    /// Per entry point, its calls through which writes persist, and whether they only write back
    /// stored collection entries ([`persisting_write_sites`]).
    stored_entries: RefCell<BTreeMap<u32, BTreeMap<usize, bool>>>,
}

impl<'c, 'a> Analysis<'c, 'a> {
    fn new(cx: &'c Context<'a>, migrating: Migrating) -> Analysis<'c, 'a> {
        Analysis {
            cx,
            migrating,
            exit_checked: RefCell::new(BTreeMap::new()),
            inner_checked: RefCell::new(BTreeMap::new()),
            stored_entries: RefCell::new(BTreeMap::new()),
        }
    }
}

impl Analysis<'_, '_> {
    /// The write at `w` of `func` stores the state it read: every key it writes is known and
    /// read on every path before it (at this level; a read in a caller dominates the call).
    fn rewrites_decoded_state(&self, func: u32, w: usize) -> bool {
        let cx = self.cx;
        let storage = cx.storage();
        let Some(cfg) = cx.program.cfg(func) else { return false };
        let written: Vec<&Key> = storage
            .at(func, w)
            .iter()
            .filter(|a| a.access == Access::Write)
            .filter_map(|a| a.key.known())
            .collect();
        let all_known =
            storage.at(func, w).iter().filter(|a| a.access == Access::Write).all(|a| a.key.known().is_some());
        all_known
            && !written.is_empty()
            && written.iter().all(|k| {
                storage.instrs(func).any(|(r, accesses)| {
                    r != w
                        && cfg.dominates(r, w)
                        && accesses.iter().any(|a| a.access == Access::Read && a.key.known() == Some(*k))
                })
            })
    }

    /// No storage write the call at `w` of entry point `func` leads to persists but under a key
    /// built from stored data ([`persisting_write_sites`]): an entry of a collection whose prefix
    /// the migration decoded from the state it read (near-sdk collections write back their caches
    /// when the decoded state is dropped), or a write a trap rolls back (a decoder dropping what
    /// it decoded before it fails). Only for entry points (the ways are taken from there).
    fn writes_back_stored_entries(&self, func: u32, w: usize) -> bool {
        let cx = self.cx;
        if cx.program.calls.roots.binary_search(&func).is_err() {
            return false;
        }
        let mut memo = self.stored_entries.borrow_mut();
        let sites = memo.entry(func).or_insert_with(|| persisting_write_sites(cx, func));
        sites.get(&w).copied().unwrap_or(true)
    }

    /// The write at `w` of `func` is a host call storing a constant under a key that does not
    /// hold the version: a marker the old code sets, nothing old is read or reinterpreted.
    fn writes_constant_marker(&self, func: u32, w: usize) -> bool {
        let cx = self.cx;
        let (Some(values), Some(ev), Some(f)) =
            (cx.program.values(func), cx.evaluator(func), cx.module.function(func))
        else {
            return false;
        };
        let Some(Op::Call(c)) = f.body.get(w).map(|i| &i.op) else { return false };
        let Some(h) = cx.host_fn(*c).filter(|h| h.has(Effect::StorageWrite)) else { return false };
        let Some(value) = h.arg("value").and_then(|a| values.operands(w).get(a as usize)) else {
            return false;
        };
        let accesses = cx.storage().at(func, w);
        ev.constant(*value).is_some()
            && !accesses.is_empty()
            && accesses.iter().all(|a| a.key.known().is_some_and(|k| !version_named(cx, k)))
    }

    /// From an unchecked write at `w` of `func` down to the call where its key is fixed: a write a
    /// callee makes with a key of its own is reported inside that callee, unless the callee is a
    /// leaf wrapper around the host call.
    fn descend(&self, mut func: u32, mut w: usize) -> (u32, usize) {
        let cx = self.cx;
        for _ in 0..16 {
            let resolved =
                cx.storage().at(func, w).iter().any(|a| a.access == Access::Write && a.resolved_here);
            if resolved {
                break;
            }
            let next = self
                .targets(func, w)
                .iter()
                .filter(|t| cx.host_fn(**t).is_none())
                .find_map(|t| self.first_unchecked_write(*t).map(|x| (*t, x)));
            // A leaf storage wrapper (its write is the host call itself) is not worth entering.
            let is_host_call =
                |t: u32, x: usize| cx.program.calls.targets_at(t, x).iter().all(|c| cx.host_fn(*c).is_some());
            match next {
                Some((t, x)) if !is_host_call(t, x) => {
                    func = t;
                    w = x;
                }
                _ => break,
            }
        }
        (func, w)
    }

    fn push(
        &self,
        out: &mut Vec<Finding>,
        reported: &mut BTreeSet<(u32, usize)>,
        func: u32,
        w: usize,
        what: &str,
    ) {
        let (func, w) = self.descend(func, w);
        if !reported.insert((func, w)) {
            return;
        }
        let cx = self.cx;
        let key = cx
            .storage()
            .at(func, w)
            .iter()
            .filter(|a| a.access == Access::Write)
            .find_map(|a| a.key.known().map(|k| format!("storage key {}", k.describe(cx.platform))))
            .unwrap_or_else(|| "contract storage".to_string());
        out.push(Finding::at(
            cx,
            &META,
            func,
            w,
            format!(
                "{what} writes {key} here without first reading and checking the stored contract \
                 version: run against state of another version it overwrites or misreads it"
            ),
        ));
    }

    /// Walks from the code-replacement call up to every entry point, checking the writes at
    /// each level of each chain.
    fn upgrade_chains(
        &self,
        chain: &mut Vec<(u32, usize)>,
        host: &str,
        out: &mut Vec<Finding>,
        reported: &mut BTreeSet<(u32, usize)>,
    ) {
        let Some(&(func, _)) = chain.last() else { return };
        let is_root = self.cx.program.calls.roots.binary_search(&func).is_ok();
        if is_root || chain.len() >= MAX_CHAIN {
            self.check_chain(chain, host, out, reported);
            return;
        }
        let callers = self.cx.program.calls.callers(func);
        let mut extended = false;
        for (g, s) in callers {
            // An ambiguous `call_indirect` (several functions of the type in the table, as
            // through a `dyn` host-interface vtable) does not say the upgrade is reached.
            let ambiguous = s.indirect && self.cx.program.calls.targets_at(g, s.instr).len() > 1;
            if ambiguous || chain.iter().any(|(f, _)| *f == g) {
                continue;
            }
            extended = true;
            chain.push((g, s.instr));
            self.upgrade_chains(chain, host, out, reported);
            chain.pop();
        }
        if !extended {
            self.check_chain(chain, host, out, reported);
        }
    }

    /// `chain[0]` is the code-replacement call, the last element the call in the entry point.
    fn check_chain(
        &self,
        chain: &[(u32, usize)],
        host: &str,
        out: &mut Vec<Finding>,
        reported: &mut BTreeSet<(u32, usize)>,
    ) {
        let cx = self.cx;
        for (level, &(func, site)) in chain.iter().enumerate() {
            // A check at this level before the site, or at a level above, covers what follows.
            let above = &chain[level + 1..];
            if above.iter().any(|(g, s)| self.version_checked(*g, *s)) {
                return;
            }
            let Some(cfg) = cx.program.cfg(func) else { continue };
            let site_block = cfg.block_of(site);
            for (w, accesses) in cx.storage().instrs(func) {
                if w == site || !accesses.iter().any(|a| a.access == Access::Write) {
                    continue;
                }
                let on_path = cfg.dominates(w, site) || site_block.is_some_and(|b| reaches(cfg, b, site, w));
                if !on_path || self.write_checked(func, w) || self.writes_constant_marker(func, w) {
                    continue;
                }
                let entry = chain
                    .last()
                    .and_then(|(e, _)| cx.entry_points().into_iter().find(|(_, f)| f == e).map(|(n, _)| n))
                    .unwrap_or("an entry point");
                let what = format!("the upgrade path from `{entry}` to `{host}`");
                self.push(out, reported, func, w, &what);
                return;
            }
        }
    }

    /// The first write of `func` (body order) that no version check covers.
    fn first_unchecked_write(&self, func: u32) -> Option<usize> {
        self.cx
            .storage()
            .instrs(func)
            .filter(|(_, a)| a.iter().any(|x| x.access == Access::Write))
            .map(|(w, _)| w)
            .find(|w| !self.write_checked(func, *w))
    }

    /// The write at `w` of `func` is covered: by a check before it, or, for a call, by checks
    /// inside every callee before each of its writes.
    fn write_checked(&self, func: u32, w: usize) -> bool {
        if self.version_checked(func, w) {
            return true;
        }
        if self.migrating == Migrating::NewCode
            && (self.rewrites_decoded_state(func, w) || self.writes_back_stored_entries(func, w))
        {
            return true;
        }
        let is_call = self.cx.module.function(func).and_then(|f| f.body.get(w)).is_some_and(|i| {
            matches!(
                i.op,
                Op::Call(_) | Op::CallIndirect { .. } | Op::ReturnCall(_) | Op::ReturnCallIndirect { .. }
            )
        });
        let targets: Vec<u32> =
            self.targets(func, w).iter().copied().filter(|t| self.cx.host_fn(*t).is_none()).collect();
        is_call && !targets.is_empty() && targets.iter().all(|t| self.inner_checked(*t))
    }

    /// The functions the call at `w` of `func` can reach; an indirect call's narrowed by the
    /// ways up to it ([`Walker::indirect_targets`]: a `dyn Storage` read in generic code reaches
    /// the one storage implementation, not every function of its signature, some of which write).
    fn targets(&self, func: u32, w: usize) -> std::rc::Rc<Vec<u32>> {
        Walker::new(self.cx).indirect_targets(func, w)
    }

    fn inner_checked(&self, func: u32) -> bool {
        if let Some(v) = self.inner_checked.borrow().get(&func) {
            return *v;
        }
        self.inner_checked.borrow_mut().insert(func, false);
        let v = self.first_unchecked_write(func).is_none();
        self.inner_checked.borrow_mut().insert(func, v);
        v
    }

    /// A version check in `func` covers instruction `s`.
    fn version_checked(&self, func: u32, s: usize) -> bool {
        let cx = self.cx;
        let storage = cx.storage();
        let Some(cfg) = cx.program.cfg(func) else { return false };
        // (a) a version-named key read on every path to `s`, then a branch or assertion that decides
        // whether `s` runs.
        let version_reads: Vec<usize> = storage
            .instrs(func)
            .filter(|(v, accesses)| {
                *v != s
                    && cfg.dominates(*v, s)
                    && accesses.iter().any(|a| {
                        a.access == Access::Read && a.key.known().is_some_and(|k| version_named(cx, k))
                    })
            })
            .map(|(v, _)| v)
            .collect();
        if !version_reads.is_empty() && self.decided_after(func, &version_reads, s) {
            return true;
        }
        // (b) a guard whose condition is a constant test of a stored version.
        for (instr, is_branch, cond) in wasmaudit_detect::guards::conditions(cx, func) {
            if !cx.guards().decides(cx, func, instr, is_branch, s) {
                continue;
            }
            let Some(keys) = storage.value_keys(cx, func, cond) else { continue };
            let named = keys.iter().any(|k: &KeyRef| k.known().is_some_and(|k| version_named(cx, k)));
            // An unnamed key counts when stored content is compared, not a read's status code.
            let unnamed =
                keys.iter().any(|k: &KeyRef| k.known().is_some_and(|k| k.name(cx.platform).is_none()))
                    && tests_loaded_value(cx, func, cond, 0);
            if named || unnamed {
                return true;
            }
        }
        // (c) a helper that returns only after such a check, called on every path to `s`.
        cx.program.calls.call_sites(func).iter().any(|(c, targets)| {
            *c != s
                && cfg.dominates(*c, s)
                && !targets.is_empty()
                && targets.iter().all(|t| cx.host_fn(*t).is_none() && self.exit_checked(*t))
        })
    }

    /// Whether a branch or assertion after one of the reads `after` decides whether `s` runs.
    fn decided_after(&self, func: u32, after: &[usize], s: usize) -> bool {
        let cx = self.cx;
        let (Some(cfg), Some(f)) = (cx.program.cfg(func), cx.module.function(func)) else { return false };
        f.body.iter().enumerate().any(|(p, ins)| {
            let kind = match ins.op {
                Op::If(_) | Op::BrIf(_) | Op::BrTable { .. } => Some(true),
                Op::Call(c) => cx
                    .host_fn(c)
                    .filter(|h| h.has(Effect::Abort) && h.arg("condition").is_some())
                    .map(|_| false),
                _ => None,
            };
            kind.is_some_and(|is_branch| {
                after.iter().any(|r| cfg.dominates(*r, p)) && cx.guards().decides(cx, func, p, is_branch, s)
            })
        })
    }

    /// Every normal return of `func` is covered by a version check.
    fn exit_checked(&self, func: u32) -> bool {
        if let Some(v) = self.exit_checked.borrow().get(&func) {
            return *v;
        }
        self.exit_checked.borrow_mut().insert(func, false);
        let exits: Vec<usize> =
            self.cx.module.function(func).map(|f| f.exits().collect()).unwrap_or_default();
        let v = !exits.is_empty() && exits.iter().all(|e| self.version_checked(func, *e));
        self.exit_checked.borrow_mut().insert(func, v);
        v
    }
}

/// Whether `v` of `func` is computed from a value loaded from memory (stored content), not only
/// from host-call status codes.
fn tests_loaded_value(cx: &Context<'_>, func: u32, v: wasmaudit_flow::ValueId, depth: u32) -> bool {
    use wasmaudit_flow::ValueDef;
    if depth > 16 {
        return false;
    }
    let (Some(values), Some(f)) = (cx.program.values(func), cx.module.function(func)) else { return false };
    match values.def(v) {
        ValueDef::Phi { operands, .. } => {
            operands.iter().any(|o| *o != v && tests_loaded_value(cx, func, *o, depth + 1))
        }
        ValueDef::Result { instr, .. } => match f.body.get(*instr).map(|i| &i.op) {
            Some(Op::Load { .. }) => true,
            Some(Op::Unary(..) | Op::Compare(..) | Op::Convert(_) | Op::Binary(..) | Op::Select) => {
                values.operands(*instr).iter().any(|o| tests_loaded_value(cx, func, *o, depth + 1))
            }
            Some(Op::Call(c)) if cx.host_fn(*c).is_none() => {
                let Some(callee) = cx.module.function(*c) else { return false };
                let Some(cv) = cx.program.values(*c) else { return false };
                callee
                    .exits()
                    .any(|i| cv.operands(i).iter().any(|r| tests_loaded_value(cx, *c, *r, depth + 1)))
            }
            _ => false,
        },
        _ => false,
    }
}

/// Whether instruction `to` runs after instruction `from` (in block `fb`) on some path.
fn reaches(cfg: &wasmaudit_flow::Cfg, fb: wasmaudit_flow::BlockId, from: usize, to: usize) -> bool {
    let Some(tb) = cfg.block_of(to) else { return false };
    if tb == fb && to > from {
        return true;
    }
    cfg.successors(fb).any(|(s, _)| cfg.reaches(s, tb))
}
