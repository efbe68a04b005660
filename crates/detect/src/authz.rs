//! Shared by the authorization, callback, call-result and key-handling detectors: the ways up
//! from an instruction to the exported entry points with what protects each step, what kind of
//! entry point an export is, storage keys followed up a call chain, and data-flow helpers
//! (forward uses of a value, taint of a callee's argument seen from a caller).
//!
//! # Caller checks
//!
//! A call site (or the sink itself) is *checked* when a guard carrying the caller's identity or
//! an authorization verdict ([`IDENTITY`]) protects it ([`crate::guards`]). On
//! platforms where the caller's identity reaches the contract as data rather than through a host
//! call (CosmWasm's `info.sender` inside the JSON `MessageInfo` argument, ChainMaker's
//! `GetSenderAddress` through the `sys_call` dispatcher, XuperChain's initiator in the call
//! arguments) taint does not follow the identity, so a second, structural kind of check counts
//! there: a *byte-string comparison guard*, a branch decided by the result of a comparison
//! function (one whose result depends on the memory behind two of its pointer parameters, as
//! `memcmp`/`bcmp` and `String::eq` do) called with two non-constant pointers, or a call of a
//! function containing such a comparison followed by a deciding branch. Comparisons with
//! constant strings (JSON field names, message tags) are not checks. Any comparison of two
//! run-time strings counts, so a check of a denomination or a recipient hides a missing sender
//! check (a false negative, never a false positive).

use crate::storage::{Key, KeyRef, Len, StorageAccess};
use crate::taint::{label, Taint, IDENTITY};
use crate::Context;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use wasmaudit_flow::{ValueDef, ValueId};
use wasmaudit_front::{ConvOp, Op};
use wasmaudit_platform::{Effect, Platform};

/// Levels of callers followed up from a sink.
const MAX_DEPTH: usize = 24;
/// Call sites on one way up, however it was found (a budget past which longer ways are
/// dropped; no real contract comes near it).
const MAX_WAY_SITES: usize = 256;
/// Ways up kept per function (the first ones in caller order).
const MAX_PATHS: usize = 64;
/// Steps from a comparison's result to the branch it decides.
const MAX_COMPARE_STEPS: usize = 6;
/// Depth of functions searched for a byte-string comparison behind a call.
const MAX_CHECKER_DEPTH: u32 = 2;
/// Depth of the call tree searched for a read of the caller's identity.
const MAX_READER_DEPTH: usize = 5;

/// What protects one instruction inside its own function.
#[derive(Debug, Clone, Default)]
pub struct Protection {
    /// Labels of the guards protecting it.
    pub labels: u32,
    /// A caller check protects it (identity labels or a byte-string comparison guard).
    pub identity: bool,
    /// Guards protecting it whose condition carries the transaction origin: instruction indices.
    pub origin_guards: Vec<usize>,
}

/// Whether every way from instruction `from` of `func` that ends the execution well (a normal
/// return, or a call that may finish it: EOSIO's `eosio_exit`) runs instruction `via` first.
/// Ways that trap do not count: they revert anyway.
fn every_way_passes(cx: &Context<'_>, func: u32, cfg: &wasmaudit_flow::Cfg, from: usize, via: usize) -> bool {
    let (Some(a), Some(p)) = (cfg.block_of(from), cfg.block_of(via)) else { return false };
    let sites = cx.program.calls.call_sites(func);
    // A call in `range` that may end the execution well.
    let finishes = |range: std::ops::Range<usize>| {
        sites.iter().any(|(i, targets)| range.contains(i) && targets.iter().any(|t| cx.may_finish(*t)))
    };
    if a == p {
        // Straight-line code: `via` later in the block runs whenever `from` did.
        return via > from && !finishes(from + 1..via);
    }
    let block_end = cfg.graph.node_weight(a).map_or(from + 1, |blk| blk.end);
    if !cfg.reaches(a, p) || finishes(from + 1..block_end) {
        return false;
    }
    let mut seen = vec![false; cfg.num_blocks()];
    let mut work: Vec<wasmaudit_flow::BlockId> = cfg.successors(a).map(|(s, _)| s).collect();
    while let Some(b) = work.pop() {
        if b == p || std::mem::replace(&mut seen[b.index()], true) {
            continue;
        }
        if b == cfg.exit {
            return false;
        }
        if cfg.graph.node_weight(b).is_some_and(|blk| finishes(blk.start..blk.end)) {
            return false;
        }
        work.extend(cfg.successors(b).map(|(s, _)| s));
    }
    true
}

/// One way from an instruction up to an exported entry point.
#[derive(Debug, Clone)]
pub struct Path {
    pub entry: u32,
    /// `(function, instruction)` from the instruction itself up to the call in the entry point.
    pub chain: Vec<(u32, usize)>,
    /// Labels of every guard protecting a step.
    pub labels: u32,
    /// Some step is protected by a caller check.
    pub identity: bool,
    /// Origin guards protecting a step: `(function, instruction)`.
    pub origin_guards: Vec<(u32, usize)>,
}

#[derive(Debug, Clone)]
struct UpPath {
    entry: u32,
    sites: Steps,
    labels: u32,
    identity: bool,
    origin_guards: Steps,
}

/// A list of `(function, instruction)` steps that shares its tail with the ways of the callers
/// it was built from: a function's ways up extend its callers' ways by one call site, so storing
/// them as vectors would copy every caller's way into every callee (quadratic in the depth of
/// the call graph, gigabytes on a deep layered one).
#[derive(Debug, Clone, Default)]
struct Steps(Option<Rc<StepNode>>);

#[derive(Debug)]
struct StepNode {
    head: (u32, usize),
    tail: Steps,
    len: usize,
}

impl Steps {
    fn push_front(&self, head: (u32, usize)) -> Steps {
        Steps(Some(Rc::new(StepNode { head, tail: self.clone(), len: self.len() + 1 })))
    }

    fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |n| n.len)
    }

    fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    fn iter(&self) -> impl Iterator<Item = (u32, usize)> + '_ {
        let mut cur = self.0.as_deref();
        std::iter::from_fn(move || {
            let n = cur?;
            cur = n.tail.0.as_deref();
            Some(n.head)
        })
    }

    fn to_vec(&self) -> Vec<(u32, usize)> {
        let mut v = Vec::with_capacity(self.len());
        v.extend(self.iter());
        v
    }
}

/// The functions a call can reach (shared by the memo and its askers).
type Targets = Rc<Vec<u32>>;

/// An indirect call `(function, instruction)` and the call sites above it on one way up.
type IndirectSite = (u32, usize, Vec<(u32, usize)>);

/// What [`Walker`] remembers per module: every detector that walks up the call graph shares it
/// (through [`Context::memo`]), so the ways up, guards and checkers of a function are found once.
#[derive(Default)]
struct WalkerMemo {
    up: RefCell<BTreeMap<u32, Rc<Vec<UpPath>>>>,
    compare_branches: RefCell<BTreeMap<u32, Rc<Vec<usize>>>>,
    checkers: RefCell<BTreeMap<(u32, u32), bool>>,
    /// Per function, its call sites with a target that [`Walker::is_checker`] accepts, and those
    /// with a target that reads the caller: a dispatcher with tens of thousands of call sites
    /// is asked once per site, so the sites are filtered once, not on every question.
    checker_sites: RefCell<BTreeMap<u32, Rc<Vec<usize>>>>,
    reader_sites: RefCell<BTreeMap<u32, Rc<Vec<usize>>>>,
    caller_readers: std::cell::OnceCell<BTreeSet<u32>>,
    /// Table index of an indirect call `(function, instruction)` seen through a way up
    /// (the call sites above it), where the way determines it.
    indirect_index: RefCell<BTreeMap<IndirectSite, Option<i64>>>,
    /// Per table, its slots when nothing can change them at run time.
    fixed_tables: std::cell::OnceCell<Vec<Option<Vec<Option<u32>>>>>,
    /// `(callee, instruction, caller, call site)` → whether the way fails through the return.
    doomed_returns: RefCell<BTreeMap<(u32, usize, u32, usize), bool>>,
    /// Targets of an indirect call `(function, instruction)` narrowed by its ways up.
    indirect_targets: RefCell<BTreeMap<(u32, usize), Targets>>,
}

/// Walks up the call graph from instructions to entry points, memoized per function.
pub struct Walker<'c, 'a> {
    pub cx: &'c Context<'a>,
    memo: Rc<WalkerMemo>,
    identity_as_data: bool,
}

impl<'c, 'a> Walker<'c, 'a> {
    pub fn new(cx: &'c Context<'a>) -> Walker<'c, 'a> {
        Walker {
            cx,
            memo: cx.memo(|_| WalkerMemo::default()),
            identity_as_data: identity_as_data(cx.platform),
        }
    }

    /// What protects instruction `instr` of `func` within `func`.
    pub fn protection(&self, func: u32, instr: usize) -> Protection {
        let cx = self.cx;
        let guards = cx.guards();
        let mut labels = guards.labels_protecting(cx, func, instr);
        // A caller check that traps on failure and that every way on from `instr` to a normal
        // return passes: when it fails, the transaction reverts what `instr` did (Soroban's
        // `require_auth` after the write it authorizes).
        if let Some(cfg) = cx.program.cfg(func) {
            for p in guards.points(func) {
                if !p.is_branch
                    && p.taint.has_any(IDENTITY)
                    && every_way_passes(cx, func, cfg, instr, p.instr)
                {
                    labels |= p.taint.labels;
                }
            }
        }
        let identity = labels & IDENTITY != 0 || self.compared(func, instr);
        let origin_guards = guards
            .points(func)
            .iter()
            .filter(|p| {
                self.is_origin_check(func, p) && guards.decides(cx, func, p.instr, p.is_branch, instr)
            })
            .map(|p| p.instr)
            .collect();
        Protection { labels, identity, origin_guards }
    }

    /// Whether guard `p` of `func` decides on the transaction origin as an identity: its condition
    /// carries the origin and compares it with another run-time value (a byte-string comparison,
    /// or an equality of two non-constant words one of which carries the origin, as 20-byte
    /// addresses are compared word by word), or is an origin verdict of the host itself (ink!
    /// `caller_is_origin`). A check that only validates the origin's format (comparisons of its
    /// length or characters with constants) is not one.
    fn is_origin_check(&self, func: u32, p: &crate::guards::GuardPoint) -> bool {
        let t = p.taint;
        if !t.has(Effect::OriginId) {
            return false;
        }
        if !p.is_branch {
            // A helper that only returns after its own origin check.
            return self
                .cx
                .program
                .calls
                .targets_at(func, p.instr)
                .iter()
                .any(|g| self.has_origin_check(*g, 2));
        }
        // Values that also carry the input are decoder state sharing a frame slot with the
        // origin (memory is tracked per slot, not per point in time), not an identity.
        (self.cx.platform == Platform::Ink && t.labels == label(Effect::OriginId))
            || (self.branches_after_compare(func).contains(&p.instr) && !t.has(Effect::Input))
            || compares_runtime_values(self.cx, func, p.instr, Effect::OriginId)
            || self.tests_origin_verdict(func, p.instr)
    }

    /// Whether the branch at `instr` of `func` tests the verdict of a helper that compares the
    /// origin and reports the outcome in its result (`only_owner() -> Result` with `?`): a call
    /// before the branch of a function whose origin check chooses between two returns.
    fn tests_origin_verdict(&self, func: u32, instr: usize) -> bool {
        let cx = self.cx;
        let Some(cfg) = cx.program.cfg(func) else { return false };
        let origin = label(Effect::OriginId);
        cx.program.calls.call_sites(func).iter().any(|(site, targets)| {
            *site < instr
                && cfg.dominates(*site, instr)
                && targets.iter().any(|g| {
                    cx.guards().verdict_labels.get(*g as usize).is_some_and(|l| l & origin != 0)
                        && self.has_origin_check(*g, 2)
                })
        })
    }

    /// Whether `func` (or a helper it calls, `depth` levels down) has an origin check.
    fn has_origin_check(&self, func: u32, depth: u32) -> bool {
        self.cx.guards().points(func).iter().any(|p| {
            if p.is_branch {
                self.is_origin_check(func, p)
            } else {
                depth > 0
                    && p.taint.has(Effect::OriginId)
                    && self
                        .cx
                        .program
                        .calls
                        .targets_at(func, p.instr)
                        .iter()
                        .any(|g| *g != func && self.has_origin_check(*g, depth - 1))
            }
        })
    }

    /// Every way (up to a bound) from instruction `instr` of `func` to an entry point, with what
    /// protects each step. An entry point that other functions also call ends the way there.
    pub fn paths(&self, func: u32, instr: usize) -> Vec<Path> {
        // A step every way on from which traps is rolled back: no way.
        if self.cx.doomed(func, instr) {
            return Vec::new();
        }
        let first = self.protection(func, instr);
        let mut visiting = Vec::new();
        let ups = self.up(func, &mut visiting);
        ups.iter()
            .filter(|u| !self.doomed_way(func, instr, &u.sites))
            .map(|u| {
                let mut chain = vec![(func, instr)];
                chain.extend(u.sites.iter());
                let mut origin_guards: Vec<(u32, usize)> =
                    first.origin_guards.iter().map(|g| (func, *g)).collect();
                origin_guards.extend(u.origin_guards.iter());
                let mut labels = first.labels | u.labels;
                let mut identity = first.identity || u.identity;
                // A step after an indirect call whose target this way names: that target's guards.
                if !identity {
                    let guards = self.cx.guards();
                    for t in self.way_methods(&chain).into_iter().flatten() {
                        labels |= guards.exit_labels.get(t as usize).copied().unwrap_or(0);
                    }
                    identity = labels & IDENTITY != 0;
                }
                Path { entry: u.entry, chain, labels, identity, origin_guards }
            })
            .collect()
    }

    /// Whether the way from `instr` of `func` up through `sites` passes a step that fails
    /// through its caller: the function returns an error tag there that the caller can only trap
    /// on ([`crate::doom::doomed_through_return`]).
    fn doomed_way(&self, func: u32, instr: usize, sites: &Steps) -> bool {
        let mut below = (func, instr);
        for (caller, site) in sites.iter() {
            let key = (below.0, below.1, caller, site);
            let known = self.memo.doomed_returns.borrow().get(&key).copied();
            let doomed = known.unwrap_or_else(|| {
                let d = crate::doom::doomed_through_return(self.cx, below.0, below.1, caller, site);
                self.memo.doomed_returns.borrow_mut().insert(key, d);
                d
            });
            if doomed {
                return true;
            }
            below = (caller, site);
        }
        false
    }

    fn up(&self, func: u32, visiting: &mut Vec<u32>) -> Rc<Vec<UpPath>> {
        if let Some(done) = self.memo.up.borrow().get(&func) {
            return done.clone();
        }
        let cx = self.cx;
        if self.is_root(func) {
            let root = Rc::new(vec![UpPath {
                entry: func,
                sites: Steps::default(),
                labels: 0,
                identity: false,
                origin_guards: Steps::default(),
            }]);
            self.memo.up.borrow_mut().insert(func, root.clone());
            return root;
        }
        // Past the engine's memory budget: give up (the engine discards this file's result).
        if visiting.contains(&func) || visiting.len() >= MAX_DEPTH || cx.should_stop() {
            return Rc::new(Vec::new());
        }
        visiting.push(func);
        let mut out: Vec<UpPath> = Vec::new();
        'callers: for (caller, site) in cx.program.calls.callers(func) {
            if cx.doomed(caller, site.instr) {
                continue;
            }
            let p = self.protection(caller, site.instr);
            for u in self.up(caller, visiting).iter() {
                if out.len() >= MAX_PATHS {
                    break 'callers;
                }
                // A budget on the length of a way: the ways remembered from earlier questions
                // may be longer than MAX_DEPTH (that bounds only the callers followed now), and
                // on a deep layered call graph without a bound every question would copy out
                // ways as long as the graph is deep.
                if u.sites.len() >= MAX_WAY_SITES {
                    continue;
                }
                if site.indirect && self.indirect_excludes(caller, site.instr, func, &u.sites) {
                    continue;
                }
                let sites = u.sites.push_front((caller, site.instr));
                let origin_guards = p
                    .origin_guards
                    .iter()
                    .rev()
                    .fold(u.origin_guards.clone(), |l, g| l.push_front((caller, *g)));
                out.push(UpPath {
                    entry: u.entry,
                    sites,
                    labels: p.labels | u.labels,
                    identity: p.identity || u.identity,
                    origin_guards,
                });
            }
        }
        visiting.pop();
        let out = Rc::new(out);
        self.memo.up.borrow_mut().insert(func, out.clone());
        out
    }

    /// Whether the indirect call at `instr` of `func` cannot call `target` when `func` is reached
    /// through the call sites `above` (nearest first): the table index is a constant once the
    /// parameters it depends on (directly or through memory they point to) are followed up these
    /// call sites, and that slot of a table nothing changes at run time does not hold `target`.
    /// One shared helper called with different constant member-function pointers (eosio-cpp's
    /// `execute_action`) then reaches only the method each call site names. Anything unknown
    /// keeps the way.
    fn indirect_excludes(&self, func: u32, instr: usize, target: u32, above: &Steps) -> bool {
        if above.is_empty() {
            return false;
        }
        match self.way_slot(func, instr, &above.to_vec()) {
            // An empty or out-of-range slot traps: the call reaches nothing.
            Some(slot) => slot != Some(target),
            None => false,
        }
    }

    /// The table slot the indirect call at `instr` of `func` calls on the way up through `above`
    /// (the call sites above `func`, innermost first), when the table cannot change at run time
    /// and the index is a constant once followed up that way: `Some(None)` for an empty or
    /// out-of-range slot; `None` when the way does not decide it.
    fn way_slot(&self, func: u32, instr: usize, above: &[(u32, usize)]) -> Option<Option<u32>> {
        let cx = self.cx;
        let Some(Op::CallIndirect { table, .. } | Op::ReturnCallIndirect { table, .. }) =
            cx.module.function(func).and_then(|f| f.body.get(instr)).map(|i| &i.op)
        else {
            return None;
        };
        let slots = self.memo.fixed_tables.get_or_init(|| fixed_tables(cx)).get(*table as usize)?.as_ref()?;
        let key = (func, instr, above.to_vec());
        let known = self.memo.indirect_index.borrow().get(&key).copied();
        let index = if let Some(i) = known {
            i
        } else {
            let mut way = vec![(func, instr)];
            way.extend_from_slice(above);
            let e = WayEval { cx, way: &way, steps: std::cell::Cell::new(0) };
            let index =
                cx.program.values(func).and_then(|v| v.operands(instr).last().copied()).and_then(|v| match e
                    .eval(0, v, 0)
                {
                    Some(WayVal::Const(c)) => Some(c),
                    _ => None,
                });
            self.memo.indirect_index.borrow_mut().insert(key, index);
            index
        }?;
        Some(slots.get(index as u32 as usize).copied().flatten())
    }

    /// Per step of the way `chain` (from an instruction up to the call in the entry point; the
    /// entry point's own step excluded), the functions the indirect calls that dominate the step
    /// in its function call on this way, where the way names one through the call's table index
    /// ([`Walker::way_slot`]). An EOSIO `execute_action` calls the method `apply` handed it as a
    /// pointer to member; the call graph alone gives every function of the method's signature in
    /// the table (other members, library code), while on one way it is the action's own method,
    /// whose guards (`require_auth`) protect the destructor's table writes after it, and whose
    /// effects are all the destructor can write back.
    pub fn way_methods(&self, chain: &[(u32, usize)]) -> Vec<Vec<u32>> {
        let cx = self.cx;
        (0..chain.len().saturating_sub(1))
            .map(|k| {
                let (func, instr) = chain[k];
                let Some(cfg) = cx.program.cfg(func) else { return Vec::new() };
                cx.program
                    .calls
                    .call_sites(func)
                    .iter()
                    .filter(|(site, targets)| {
                        *site != instr && targets.len() >= 2 && cfg.dominates(*site, instr)
                    })
                    .filter_map(|(site, targets)| match self.way_slot(func, *site, &chain[k + 1..]) {
                        Some(Some(t)) if targets.contains(&t) => Some(t),
                        _ => None,
                    })
                    .collect()
            })
            .collect()
    }

    /// The functions the indirect call at `instr` of `func` can reach: the call graph's targets,
    /// narrowed to the slots its table index names when, on every way up to an entry point, the
    /// index is a constant once followed up that way (as [`Walker::paths`] finds the ways: an
    /// indirect edge whose own constant index selects another function is not a way). A trait
    /// object's method called from generic code through a vtable the entry point's frame hands
    /// down (CosmWasm's `&mut dyn Storage` inside `DepsMut`, reached from `Item::load` through
    /// the SDK's `Fn` shims) is then the one implementation, not every function of its
    /// signature. Anything unknown (a way the walk did not finish, an index that is not
    /// constant on some way) keeps the call graph's targets. A direct call's target is itself.
    pub fn indirect_targets(&self, func: u32, instr: usize) -> Targets {
        let cx = self.cx;
        if let Some(done) = self.memo.indirect_targets.borrow().get(&(func, instr)) {
            return done.clone();
        }
        let targets = cx.program.calls.targets_at(func, instr).to_vec();
        let narrowed = self.narrow_indirect(func, instr, &targets).unwrap_or(targets);
        let out = Rc::new(narrowed);
        self.memo.indirect_targets.borrow_mut().insert((func, instr), out.clone());
        out
    }

    fn narrow_indirect(&self, func: u32, instr: usize, targets: &[u32]) -> Option<Vec<u32>> {
        let cx = self.cx;
        let (Op::CallIndirect { table, .. } | Op::ReturnCallIndirect { table, .. }) =
            cx.module.function(func)?.body.get(instr)?.op
        else {
            return None;
        };
        if targets.len() < 2 {
            return None;
        }
        let slots = self.memo.fixed_tables.get_or_init(|| fixed_tables(cx)).get(table as usize)?.clone()?;
        let index = *cx.program.values(func)?.operands(instr).last()?;
        let ups = self.up(func, &mut Vec::new());
        // No way up, or as many as the walk keeps (some may be missing): nothing to narrow by.
        if ups.is_empty() || ups.len() >= MAX_PATHS {
            return None;
        }
        let mut picked = BTreeSet::new();
        for u in ups.iter() {
            let mut way = vec![(func, instr)];
            way.extend(u.sites.iter());
            let e = WayEval { cx, way: &way, steps: std::cell::Cell::new(0) };
            let Some(WayVal::Const(i)) = e.eval(0, index, 0) else { return None };
            picked.insert(slots.get(i as u32 as usize).copied().flatten()?);
        }
        let kept: Vec<u32> = targets.iter().copied().filter(|t| picked.contains(t)).collect();
        (!kept.is_empty()).then_some(kept)
    }

    /// Whether the platform can call `func` directly. EOSIO calls only `apply` (old toolchains
    /// also export internal functions such as `token::add_balance`, which nothing can invoke).
    fn is_root(&self, func: u32) -> bool {
        let cx = self.cx;
        if cx.platform == Platform::Eosio {
            return cx.module.start == Some(func) || entry_names(cx, func).contains(&"apply");
        }
        cx.program.calls.roots.binary_search(&func).is_ok()
    }

    /// Whether a byte-string comparison guard protects `instr` of `func`: a branch decided by a
    /// comparison of two run-time byte strings, or a call of a function that makes one followed
    /// by a deciding branch. Where identity is not data, the caller must also have been read:
    /// by a call that dominates the comparison (or is made inside the checking function).
    fn compared(&self, func: u32, instr: usize) -> bool {
        let cx = self.cx;
        let guards = cx.guards();
        let Some(cfg) = cx.program.cfg(func) else { return false };
        let readers = self.reader_sites(func);
        let caller_read_before =
            |at: usize| self.identity_as_data || readers.iter().any(|c| *c != at && cfg.dominates(*c, at));
        for b in self.branches_after_compare(func).iter() {
            if guards.decides(cx, func, *b, true, instr) && caller_read_before(*b) {
                return true;
            }
        }
        // `assert_owner(&info.sender)?`: a call of a checking function, then a deciding branch.
        for site in self.checker_sites(func).iter() {
            if *site == instr || !cfg.dominates(*site, instr) {
                continue;
            }
            let targets = cx.program.calls.targets_at(func, *site);
            let checks = targets.iter().any(|t| {
                self.is_checker(*t, MAX_CHECKER_DEPTH) && (self.reads_caller(*t) || caller_read_before(*site))
            });
            if !checks {
                continue;
            }
            let decided = branches(cx, func)
                .into_iter()
                .any(|b| cfg.dominates(*site, b) && guards.decides(cx, func, b, true, instr));
            // A checker that traps on a mismatch needs no branch after it.
            let traps = targets.iter().any(|t| self.traps_unless_equal(*t));
            if decided || traps {
                return true;
            }
        }
        false
    }

    /// Whether `func` can only return after a byte-string comparison branch of its own passed
    /// (the other side traps).
    pub fn traps_unless_equal(&self, func: u32) -> bool {
        let cx = self.cx;
        let Some(exit_instr) = cx.module.function(func).map(|f| f.body.len().saturating_sub(1)) else {
            return false;
        };
        self.branches_after_compare(func).iter().any(|b| cx.guards().decides(cx, func, *b, true, exit_instr))
    }

    /// Whether `func` reads the immediate caller's identity (a `caller-id` host call in its call
    /// tree, a few levels deep).
    pub fn reads_caller(&self, func: u32) -> bool {
        self.memo
            .caller_readers
            .get_or_init(|| callers_of_effect(self.cx, Effect::CallerId, MAX_READER_DEPTH))
            .contains(&func)
    }

    /// Whether `func` (or a function it calls, `depth` levels down) compares two run-time byte
    /// strings and branches on the result.
    pub fn is_checker(&self, func: u32, depth: u32) -> bool {
        // Remembered per depth: an answer found with more depth left may be yes where this
        // depth says no, and reusing it would make answers depend on the order of questions.
        if let Some(&c) = self.memo.checkers.borrow().get(&(func, depth)) {
            return c;
        }
        if self.cx.module.function(func).is_none_or(|f| f.is_import()) {
            return false;
        }
        let mut yes = !self.branches_after_compare(func).is_empty();
        if !yes && depth > 0 {
            yes = self
                .cx
                .program
                .calls
                .call_sites(func)
                .iter()
                .flat_map(|(_, t)| t.iter())
                .any(|t| *t != func && self.is_checker(*t, depth - 1));
        }
        self.memo.checkers.borrow_mut().insert((func, depth), yes);
        yes
    }

    /// Call sites of `func` with a target that is a checker ([`Walker::is_checker`]).
    fn checker_sites(&self, func: u32) -> Rc<Vec<usize>> {
        self.sites_where(&self.memo.checker_sites, func, |t| self.is_checker(t, MAX_CHECKER_DEPTH))
    }

    /// Call sites of `func` with a target that reads the caller ([`Walker::reads_caller`]).
    fn reader_sites(&self, func: u32) -> Rc<Vec<usize>> {
        self.sites_where(&self.memo.reader_sites, func, |t| self.reads_caller(t))
    }

    /// Call sites of `func` with a target for which `pred` holds, filtered once per function and
    /// kept in `cache`.
    fn sites_where(
        &self,
        cache: &RefCell<BTreeMap<u32, Rc<Vec<usize>>>>,
        func: u32,
        pred: impl Fn(u32) -> bool,
    ) -> Rc<Vec<usize>> {
        if let Some(s) = cache.borrow().get(&func) {
            return s.clone();
        }
        let out: Vec<usize> = self
            .cx
            .program
            .calls
            .call_sites(func)
            .iter()
            .filter(|(_, t)| t.iter().any(|t| pred(*t)))
            .map(|(s, _)| *s)
            .collect();
        let out = Rc::new(out);
        cache.borrow_mut().insert(func, out.clone());
        out
    }

    /// Branch instructions of `func` decided by a comparison of two run-time byte strings.
    pub fn branches_after_compare(&self, func: u32) -> Rc<Vec<usize>> {
        if let Some(b) = self.memo.compare_branches.borrow().get(&func) {
            return b.clone();
        }
        let out = Rc::new(compare_branches(self.cx, func));
        self.memo.compare_branches.borrow_mut().insert(func, out.clone());
        out
    }
}

/// Per table, its slots from active element segments at constant offsets, when nothing can
/// change them at run time: the table is neither imported nor exported, every segment for it is
/// active with a constant offset, and no function executes a `table.*` or `elem.drop`
/// instruction. `None` for tables that may change.
fn fixed_tables(cx: &Context<'_>) -> Vec<Option<Vec<Option<u32>>>> {
    let m = cx.module;
    let mutated = m.functions.iter().any(|f| {
        f.body.iter().any(|i| matches!(&i.op, Op::Other { name, .. } if name.starts_with("table.") || name.starts_with("elem.")))
    });
    let exported: BTreeSet<u32> =
        m.exports.iter().filter(|e| e.kind == wasmaudit_front::ExportKind::Table).map(|e| e.index).collect();
    (0..m.tables.len())
        .map(|t| {
            if mutated || m.tables[t].imported || exported.contains(&(t as u32)) {
                return None;
            }
            let mut slots: Vec<Option<u32>> = Vec::new();
            for seg in m.elements.iter().filter(|s| s.table as usize == t) {
                let off = usize::try_from(seg.offset?).ok()?;
                if !seg.active || off.checked_add(seg.funcs.len())? > 1 << 24 {
                    return None;
                }
                if slots.len() < off + seg.funcs.len() {
                    slots.resize(off + seg.funcs.len(), None);
                }
                slots[off..off + seg.funcs.len()].copy_from_slice(&seg.funcs);
            }
            Some(slots)
        })
        .collect()
}

/// Steps one [`WayEval`] query may take.
const MAX_WAY_STEPS: usize = 2000;
/// Recursion depth of one [`WayEval`] query.
const MAX_WAY_DEPTH: u32 = 40;

/// A value seen through a way up: a constant, or the address `off` bytes past value `base` of
/// the function at `level` of the way (a frame or heap pointer of that function).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WayVal {
    Const(i64),
    Ptr { level: usize, base: ValueId, off: i64 },
}

/// Evaluates values of the functions along one way up (`way[0]` the function asking, each
/// further entry `(caller, call instruction)`), following parameters into the arguments of the
/// call above and loads into the stores of the frame the address belongs to. Memory is read
/// from stores of the same split address (as [`wasmaudit_flow::Evaluator`] does): every store
/// touching the bytes read must agree, one of them must dominate the read (or the call through
/// which the way left that function), no call of that function may receive exactly that
/// address, and no store of a function further down the way may write there through a
/// parameter. A narrower read inside a wider stored word that was itself loaded (a struct copied
/// as 64-bit words) is read where the word came from; a load from a constant address reads the
/// data segments when no store of the module writes there at a constant address (a vtable).
struct WayEval<'w, 'a> {
    cx: &'w Context<'a>,
    way: &'w [(u32, usize)],
    steps: std::cell::Cell<usize>,
}

impl WayEval<'_, '_> {
    fn eval(&self, level: usize, v: ValueId, depth: u32) -> Option<WayVal> {
        self.steps.set(self.steps.get() + 1);
        if self.steps.get() > MAX_WAY_STEPS || depth > MAX_WAY_DEPTH {
            return None;
        }
        let cx = self.cx;
        let (func, _) = *self.way.get(level)?;
        let (values, ev, body) =
            (cx.program.values(func)?, cx.evaluator(func)?, &cx.module.function(func)?.body);
        if let Some(c) = ev.constant(v) {
            return Some(WayVal::Const(c));
        }
        let opaque = Some(WayVal::Ptr { level, base: v, off: 0 });
        match values.def(v) {
            ValueDef::Param(p) => {
                let &(caller, site) = self.way.get(level + 1)?;
                let op = cx.module.function(caller)?.body.get(site).map(|i| &i.op);
                let arg = *call_args(op, cx.program.values(caller)?.operands(site)).get(*p as usize)?;
                self.eval(level + 1, arg, depth + 1)
            }
            ValueDef::Phi { operands, .. } => {
                let mut seen = None;
                for o in operands {
                    if *o == v || self.unreachable_def(level, *o, depth) {
                        continue;
                    }
                    let x = self.eval(level, *o, depth + 1)?;
                    if seen.is_some_and(|s| s != x) {
                        return None;
                    }
                    seen = Some(x);
                }
                seen
            }
            ValueDef::Result { instr, index: 0 } => {
                let ops = values.operands(*instr);
                let arg = |k: usize| ops.get(k).and_then(|o| self.eval(level, *o, depth + 1));
                match &body.get(*instr)?.op {
                    Op::Load { kind, offset, .. } if !kind.result.is_float() => {
                        let (l, base, off) = match arg(0)? {
                            WayVal::Ptr { level: l, base, off } => (l, base, off),
                            WayVal::Const(a) => {
                                let c = read_only_data(cx, a.wrapping_add(*offset as i64), kind.bytes)?;
                                let is_i32 = kind.result == wasmaudit_front::ValType::I32;
                                return Some(WayVal::Const(wasmaudit_flow::extend(
                                    c,
                                    kind.bytes,
                                    kind.signed,
                                    is_i32,
                                )));
                            }
                        };
                        let at = if l == level { *instr } else { self.way.get(l)?.1 };
                        let addr = off.wrapping_add(*offset as i64);
                        match self.mem(l, base, addr, kind.bytes, at, depth)? {
                            WayVal::Const(c) => {
                                let is_i32 = kind.result == wasmaudit_front::ValType::I32;
                                Some(WayVal::Const(wasmaudit_flow::extend(
                                    c,
                                    kind.bytes,
                                    kind.signed,
                                    is_i32,
                                )))
                            }
                            p => Some(p),
                        }
                    }
                    Op::Binary(w, op) => {
                        let (a, b) = (arg(0)?, arg(1)?);
                        match (a, b, op) {
                            (WayVal::Const(a), WayVal::Const(b), _) => {
                                fold_binary(*w, *op, a, b).map(WayVal::Const)
                            }
                            (
                                WayVal::Ptr { level, base, off },
                                WayVal::Const(k),
                                wasmaudit_front::BinOp::Add,
                            )
                            | (
                                WayVal::Const(k),
                                WayVal::Ptr { level, base, off },
                                wasmaudit_front::BinOp::Add,
                            ) => Some(WayVal::Ptr { level, base, off: off.wrapping_add(k) }),
                            (
                                WayVal::Ptr { level, base, off },
                                WayVal::Const(k),
                                wasmaudit_front::BinOp::Sub,
                            ) => Some(WayVal::Ptr { level, base, off: off.wrapping_sub(k) }),
                            _ => opaque,
                        }
                    }
                    Op::Unary(w, wasmaudit_front::UnOp::Eqz) => match arg(0)? {
                        WayVal::Const(c) => Some(WayVal::Const(i64::from(match w {
                            wasmaudit_front::Width::I32 => c as i32 == 0,
                            wasmaudit_front::Width::I64 => c == 0,
                        }))),
                        _ => None,
                    },
                    Op::Compare(w, op) => match (arg(0)?, arg(1)?) {
                        (WayVal::Const(a), WayVal::Const(b)) => {
                            Some(WayVal::Const(i64::from(wasmaudit_flow::compare(*w, *op, a, b))))
                        }
                        _ => None,
                    },
                    Op::Convert(c) => match (arg(0)?, c) {
                        (WayVal::Const(x), ConvOp::I32WrapI64) => Some(WayVal::Const(i64::from(x as i32))),
                        (WayVal::Const(x), ConvOp::I64ExtendI32U) => Some(WayVal::Const(i64::from(x as u32))),
                        (WayVal::Const(x), ConvOp::I64ExtendI32S) => Some(WayVal::Const(i64::from(x as i32))),
                        (p, _) => Some(p),
                    },
                    Op::Other { .. } | Op::Select | Op::Unary(..) => None,
                    _ => opaque,
                }
            }
            ValueDef::Unknown => None,
            _ => opaque,
        }
    }

    /// Whether value `v` of the function at `level` is made in code this way never runs: in a
    /// block only one edge of an `if`/`br_if` enters, and the condition, constant here, takes
    /// the other edge.
    fn unreachable_def(&self, level: usize, v: ValueId, depth: u32) -> bool {
        let cx = self.cx;
        let Some(&(func, _)) = self.way.get(level) else { return false };
        let (Some(values), Some(cfg), Some(f)) =
            (cx.program.values(func), cx.program.cfg(func), cx.module.function(func))
        else {
            return false;
        };
        let ValueDef::Result { instr, .. } = values.def(v) else { return false };
        let Some(def_block) = cfg.block_of(*instr) else { return false };
        (instr.saturating_sub(64)..*instr).rev().any(|b| {
            if !matches!(f.body.get(b).map(|i| &i.op), Some(Op::BrIf(_) | Op::If(_))) {
                return false;
            }
            let Some(from) = cfg.block_of(b) else { return false };
            let dead_edge = cfg.successors(from).any(|(succ, _)| {
                succ != from
                    && cfg.predecessors(succ).all(|(p, _)| p == from)
                    && cfg.block_dominates(succ, def_block)
            });
            if !dead_edge {
                return false;
            }
            let Some(WayVal::Const(c)) =
                values.operands(b).last().and_then(|c| self.eval(level, *c, depth + 1))
            else {
                return false;
            };
            let dead = if c != 0 { wasmaudit_flow::EdgeKind::False } else { wasmaudit_flow::EdgeKind::True };
            cfg.successors(from).any(|(succ, kind)| {
                kind == dead
                    && succ != from
                    && cfg.predecessors(succ).all(|(p, _)| p == from)
                    && cfg.block_dominates(succ, def_block)
            })
        })
    }

    /// The `bytes` bytes at `off` past value `base` of the function at `level`, as the stores of
    /// that function leave them at instruction `at`.
    fn mem(&self, level: usize, base: ValueId, off: i64, bytes: u8, at: usize, depth: u32) -> Option<WayVal> {
        let cx = self.cx;
        let (func, _) = *self.way.get(level)?;
        let (ev, cfg, values) = (cx.evaluator(func)?, cx.program.cfg(func)?, cx.program.values(func)?);
        let end = off.checked_add(i64::from(bytes))?;
        let touching: Vec<(i64, i64, usize, ValueId)> = ev
            .stores()
            .filter(|(a, (_, _, w))| {
                a.base == wasmaudit_flow::Base::Value(base)
                    && a.offset < end
                    && off < a.offset + i64::from(*w)
            })
            .map(|(a, (i, v, w))| (a.offset, i64::from(*w), *i, *v))
            .collect();
        if touching.is_empty() {
            return None;
        }
        // A callee given exactly this address may have written it.
        let passed = cx.program.calls.call_sites(func).iter().any(|(c, _)| {
            *c != at
                && values.operands(*c).iter().any(|a| {
                    let a = ev.address(*a, 0);
                    a.base == wasmaudit_flow::Base::Value(base) && touching.iter().any(|t| t.0 == a.offset)
                })
        });
        if passed || self.written_below(level, base, off, end, depth) {
            return None;
        }
        // Part of a wider word copied from elsewhere (a struct moved as 64-bit words): read the
        // part at the source of the copy.
        if let [(o, w, i, v)] = touching.as_slice() {
            if *o <= off && end <= o + w && (*o != off || *w != i64::from(bytes)) && cfg.dominates(*i, at) {
                if let Some(x) = self.copied_part(level, *v, off - o, bytes, depth) {
                    return Some(x);
                }
            }
        }
        let mut out: i64 = 0;
        let mut cursor = off;
        while cursor < end {
            let here: Vec<&(i64, i64, usize, ValueId)> =
                touching.iter().filter(|t| t.0 <= cursor && cursor < t.0 + t.1).collect();
            let (o, w) = (here.first()?.0, here.first()?.1);
            if here.iter().any(|t| t.0 != o || t.1 != w) || !here.iter().any(|t| cfg.dominates(t.2, at)) {
                return None;
            }
            let mut val = None;
            for t in &here {
                let x = self.eval(level, t.3, depth + 1)?;
                if val.is_some_and(|s| s != x) {
                    return None;
                }
                val = Some(x);
            }
            match val? {
                WayVal::Const(c) => {
                    let chunk_end = (o + w).min(end);
                    let len = chunk_end - cursor;
                    let shifted = if cursor - o >= 8 { 0 } else { ((c as u64) >> (8 * (cursor - o))) as i64 };
                    let mask = if len >= 8 { -1i64 } else { (1i64 << (8 * len)) - 1 };
                    let placed = cursor - off;
                    if placed < 8 {
                        out |= (shifted & mask) << (8 * placed);
                    }
                    cursor = chunk_end;
                }
                p @ WayVal::Ptr { .. } => {
                    return (o == off && w == i64::from(bytes)).then_some(p);
                }
            }
        }
        Some(WayVal::Const(out))
    }

    /// The `bytes` bytes `delta` bytes into value `v` of the function at `level`, when `v` is a
    /// load of memory: read where it was loaded from.
    fn copied_part(&self, level: usize, v: ValueId, delta: i64, bytes: u8, depth: u32) -> Option<WayVal> {
        let cx = self.cx;
        let (func, _) = *self.way.get(level)?;
        let (values, body) = (cx.program.values(func)?, &cx.module.function(func)?.body);
        let ValueDef::Result { instr, index: 0 } = values.def(v) else { return None };
        let Op::Load { kind, offset, .. } = &body.get(*instr)?.op else { return None };
        if kind.result.is_float() || i64::from(kind.bytes) < delta + i64::from(bytes) {
            return None;
        }
        let addr = *values.operands(*instr).first()?;
        match self.eval(level, addr, depth + 1)? {
            WayVal::Const(a) => read_only_data(cx, a.wrapping_add(*offset as i64).wrapping_add(delta), bytes)
                .map(WayVal::Const),
            WayVal::Ptr { level: l, base, off } => {
                let at = if l == level { *instr } else { self.way.get(l)?.1 };
                self.mem(l, base, off.wrapping_add(*offset as i64).wrapping_add(delta), bytes, at, depth + 1)
            }
        }
    }

    /// Whether a function below `level` on the way stores through a pointer parameter into
    /// bytes `off..end` past `base` of the function at `level`.
    fn written_below(&self, level: usize, base: ValueId, off: i64, end: i64, depth: u32) -> bool {
        (0..level).any(|k| {
            let Some(&(func, _)) = self.way.get(k) else { return true };
            let (Some(ev), Some(values)) = (self.cx.evaluator(func), self.cx.program.values(func)) else {
                return true;
            };
            ev.stores().any(|(a, (_, _, w))| {
                let wasmaudit_flow::Base::Value(b) = a.base else { return false };
                if !matches!(values.def(b), ValueDef::Param(_)) {
                    return false;
                }
                match self.eval(k, b, depth + 1) {
                    Some(WayVal::Ptr { level: l, base: pb, off: po }) => {
                        let s = po.wrapping_add(a.offset);
                        l == level && pb == base && s < end && off < s + i64::from(*w)
                    }
                    Some(WayVal::Const(_)) => false,
                    None => false,
                }
            })
        })
    }
}

/// Absolute addresses some store of the module writes (a constant address), with the widest
/// store at each: the data-segment words no instruction overwrites at a constant address.
struct AbsoluteStores(BTreeMap<i64, i64>);

/// The initial `bytes` bytes at absolute address `addr` in the data segments (little endian), when
/// no store of the module writes there at a constant address: read-only data such as a trait
/// object's vtable (the same rule the call graph's `call_indirect` narrowing uses).
fn read_only_data(cx: &Context<'_>, addr: i64, bytes: u8) -> Option<i64> {
    let stores = cx.memo(|cx| {
        let mut m: BTreeMap<i64, i64> = BTreeMap::new();
        for f in cx.module.functions.iter().filter(|f| !f.is_import()) {
            let Some(ev) = cx.evaluator(f.index) else { continue };
            for (a, (_, _, w)) in ev.stores() {
                if a.base == wasmaudit_flow::Base::Absolute {
                    let e = m.entry(a.offset).or_insert(0);
                    *e = (*e).max(i64::from(*w));
                }
            }
        }
        AbsoluteStores(m)
    });
    let end = addr.checked_add(i64::from(bytes))?;
    if stores.0.range(addr.saturating_sub(16)..end).any(|(o, w)| o + w > addr) {
        return None;
    }
    let data = cx.module.data_at(u64::try_from(addr).ok()?, usize::from(bytes))?;
    let mut v: u64 = 0;
    for (i, b) in data.iter().enumerate().take(8) {
        v |= u64::from(*b) << (8 * i);
    }
    Some(v as i64)
}

/// Integer arithmetic of [`WayEval`]; `None` for division.
fn fold_binary(w: wasmaudit_front::Width, op: wasmaudit_front::BinOp, a: i64, b: i64) -> Option<i64> {
    use wasmaudit_front::BinOp::*;
    let bits = match w {
        wasmaudit_front::Width::I32 => 32,
        wasmaudit_front::Width::I64 => 64,
    };
    let (ua, ub) = if bits == 32 { (u64::from(a as u32), u64::from(b as u32)) } else { (a as u64, b as u64) };
    let sa = if bits == 32 { i64::from(a as i32) } else { a };
    let sh = (ub % bits) as u32;
    let r = match op {
        Add => a.wrapping_add(b),
        Sub => a.wrapping_sub(b),
        Mul => a.wrapping_mul(b),
        And => a & b,
        Or => a | b,
        Xor => a ^ b,
        Shl => a.wrapping_shl(sh),
        ShrS => sa.wrapping_shr(sh),
        ShrU => (ua >> sh) as i64,
        _ => return None,
    };
    Some(if bits == 32 { i64::from(r as i32) } else { r })
}

/// Functions whose call tree, `depth` levels deep, contains a host call with effect `e` (the
/// host imports themselves included).
pub fn callers_of_effect(cx: &Context<'_>, e: Effect, depth: usize) -> BTreeSet<u32> {
    callers_of_effect_via(cx, e, depth, true)
}

/// [`callers_of_effect`], optionally leaving out `call_indirect` sites with several possible
/// targets (type-resolved trait-object calls connect every caller of that signature).
pub fn callers_of_effect_via(cx: &Context<'_>, e: Effect, depth: usize, multi_target: bool) -> BTreeSet<u32> {
    let mut out: BTreeSet<u32> =
        cx.module.functions.iter().filter(|f| cx.host_has(f.index, e)).map(|f| f.index).collect();
    let mut frontier: Vec<u32> = out.iter().copied().collect();
    for _ in 0..depth {
        let mut next = Vec::new();
        for f in frontier {
            for (caller, site) in cx.program.calls.callers(f) {
                if !multi_target && site.indirect && cx.program.calls.targets_at(caller, site.instr).len() > 1
                {
                    continue;
                }
                if out.insert(caller) {
                    next.push(caller);
                }
            }
        }
        if next.is_empty() {
            break;
        }
        frontier = next;
    }
    out
}

/// Conditional branch instructions of `func`.
fn branches(cx: &Context<'_>, func: u32) -> Vec<usize> {
    let Some(f) = cx.module.function(func) else { return Vec::new() };
    f.body
        .iter()
        .enumerate()
        .filter(|(_, i)| matches!(i.op, Op::If(_) | Op::BrIf(_) | Op::BrTable { .. }))
        .map(|(instr, _)| instr)
        .collect()
}

/// Whether the condition of branch (or asserting call) `instr` of `func` is, within a few steps
/// (`eqz`, `and`/`or`, conversions, phis), an `eq`/`ne` (or the `xor` of words a wide value is
/// compared by) of two non-constant values one of which carries `e` and not the call's input.
pub fn compares_runtime_values(cx: &Context<'_>, func: u32, instr: usize, e: Effect) -> bool {
    let (Some(f), Some(values), Some(ev)) =
        (cx.module.function(func), cx.program.values(func), cx.evaluator(func))
    else {
        return false;
    };
    let ft = cx.dataflow().funcs.get(func as usize);
    let Some(&cond) = values.operands(instr).last() else { return false };
    let mut work = vec![(cond, 0)];
    let mut seen = BTreeSet::new();
    while let Some((v, steps)) = work.pop() {
        if steps > MAX_COMPARE_STEPS || !seen.insert(v) {
            continue;
        }
        match values.def(v) {
            ValueDef::Phi { operands, .. } => work.extend(operands.iter().map(|o| (*o, steps + 1))),
            ValueDef::Result { instr: d, index: 0 } => {
                let ops = values.operands(*d);
                match f.body.get(*d).map(|i| &i.op) {
                    Some(Op::Compare(_, wasmaudit_front::CmpOp::Eq | wasmaudit_front::CmpOp::Ne)) => {
                        let runtime = ops.iter().all(|o| ev.constant(*o).is_none());
                        let carries = ops.iter().any(|o| {
                            ft.is_some_and(|t| t.value(*o).has(e) && !t.value(*o).has(Effect::Input))
                        });
                        if runtime && carries && ops.len() == 2 {
                            return true;
                        }
                    }
                    // Wide values (20-byte addresses) are compared by xor-ing their words and
                    // testing that every difference is zero.
                    Some(Op::Binary(_, wasmaudit_front::BinOp::Xor)) => {
                        let runtime = ops.iter().all(|o| ev.constant(*o).is_none());
                        let carries = ops.iter().any(|o| {
                            ft.is_some_and(|t| t.value(*o).has(e) && !t.value(*o).has(Effect::Input))
                        });
                        if runtime && carries && ops.len() == 2 {
                            return true;
                        }
                        work.extend(ops.iter().map(|o| (*o, steps + 1)))
                    }
                    Some(Op::Unary(..) | Op::Binary(..) | Op::Convert(_) | Op::Select) => {
                        work.extend(ops.iter().map(|o| (*o, steps + 1)))
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    false
}

/// Platforms where the caller's identity is data (a JSON field, a dispatched method's output)
/// rather than the result of a modelled host call.
pub fn identity_as_data(p: Platform) -> bool {
    matches!(p, Platform::Cosmwasm | Platform::Chainmaker | Platform::Xuperchain)
}

/// Platforms whose amounts are 256-bit words the code passes by reference (Stylus: every value
/// is a pointer to a 32-byte buffer, converted between the host's big-endian bytes and ruint's
/// little-endian limbs by loops over the buffer; see the notes of `models/stylus.json`). There an
/// amount is followed through the memory behind pointer parameters, loops that walk a buffer and
/// helpers that copy one buffer into another.
pub fn amounts_by_reference(p: Platform) -> bool {
    matches!(p, Platform::Stylus)
}

fn compare_branches(cx: &Context<'_>, func: u32) -> Vec<usize> {
    let (Some(f), Some(values), Some(ev)) =
        (cx.module.function(func), cx.program.values(func), cx.evaluator(func))
    else {
        return Vec::new();
    };
    let mut uses: Option<Uses> = None;
    let mut out = BTreeSet::new();
    for (site, targets) in cx.program.calls.call_sites(func) {
        // Through a table, every possible target must compare: a slot that may hold a comparison
        // among other functions of its type (a formatter's `write_str`) is not one.
        if targets.is_empty() || !targets.iter().all(|t| is_byte_comparison(cx, *t)) {
            continue;
        }
        let uses = uses.get_or_insert_with(|| Uses::new(cx, func));
        let ops = values.operands(*site);
        let args = call_args(f.body.get(*site).map(|i| &i.op), ops);
        // Two pointer arguments that are not constants: neither side is a literal.
        let runtime_pointers = args.iter().filter(|a| ev.constant(strip(cx, func, **a)).is_none()).count();
        if runtime_pointers < 2 {
            continue;
        }
        out.extend(branches_decided(cx, func, uses, values.results(*site)));
    }
    out.into_iter().collect()
}

/// Branch instructions of `func` that the values `start` decide within [`MAX_COMPARE_STEPS`]
/// steps of comparison, arithmetic, `select`, conversion or merge (not through memory).
pub fn branches_decided(cx: &Context<'_>, func: u32, uses: &Uses, start: &[ValueId]) -> BTreeSet<usize> {
    let mut out = BTreeSet::new();
    let (Some(f), Some(values)) = (cx.module.function(func), cx.program.values(func)) else { return out };
    let mut work: Vec<(ValueId, usize)> = start.iter().map(|r| (*r, 0)).collect();
    let mut seen = BTreeSet::new();
    while let Some((v, steps)) = work.pop() {
        if steps > MAX_COMPARE_STEPS || !seen.insert(v) {
            continue;
        }
        for &u in uses.of(v) {
            match f.body.get(u).map(|i| &i.op) {
                Some(Op::If(_) | Op::BrIf(_) | Op::BrTable { .. }) => {
                    out.insert(u);
                }
                Some(Op::Compare(..) | Op::Unary(..) | Op::Binary(..) | Op::Select | Op::Convert(_)) => {
                    work.extend(values.results(u).iter().map(|r| (*r, steps + 1)));
                }
                _ => {}
            }
        }
        for phi in uses.phis_of(v) {
            work.push((phi, steps + 1));
        }
    }
    out
}

/// A function whose result depends on the memory behind at least two of its pointer parameters
/// and that calls nothing through a table (`memcmp`, `bcmp`, `<[u8] as PartialEq>::eq`). A
/// function that does (`core::fmt::write` driving a writer's vtable while formatting an error
/// message) returns a status of what it called, not a comparison.
fn is_byte_comparison(cx: &Context<'_>, func: u32) -> bool {
    if cx.module.function(func).is_none_or(|f| f.is_import()) {
        return false;
    }
    if cx.module.func_sig(func).is_none_or(|s| s.results.len() != 1 || s.params.len() < 2) {
        return false;
    }
    cx.dataflow().summaries.get(func as usize).is_some_and(|s| s.ret.param_mem.count_ones() >= 2)
        && !calls_through_table(cx, func, 2)
}

/// Whether `func` or a function it calls (`depth` levels down) makes a `call_indirect`.
fn calls_through_table(cx: &Context<'_>, func: u32, depth: u32) -> bool {
    let Some(f) = cx.module.function(func) else { return false };
    f.body.iter().any(|i| match &i.op {
        Op::CallIndirect { .. } | Op::ReturnCallIndirect { .. } => true,
        Op::Call(c) | Op::ReturnCall(c) => *c != func && depth > 0 && calls_through_table(cx, *c, depth - 1),
        _ => false,
    })
}

/// The arguments of a call instruction (the table index of `call_indirect` dropped).
pub fn call_args<'v>(op: Option<&Op>, ops: &'v [ValueId]) -> &'v [ValueId] {
    match op {
        Some(Op::CallIndirect { .. } | Op::ReturnCallIndirect { .. }) => &ops[..ops.len().saturating_sub(1)],
        _ => ops,
    }
}

/// `v` seen through integer width conversions (NEAR passes pointers and lengths as `i64`).
pub fn strip(cx: &Context<'_>, func: u32, mut v: ValueId) -> ValueId {
    let (Some(values), Some(f)) = (cx.program.values(func), cx.module.function(func)) else { return v };
    for _ in 0..4 {
        let ValueDef::Result { instr, index: 0 } = values.def(v) else { break };
        let is_conversion = matches!(
            f.body.get(*instr).map(|i| &i.op),
            Some(Op::Convert(ConvOp::I64ExtendI32U | ConvOp::I64ExtendI32S | ConvOp::I32WrapI64))
        );
        match values.operands(*instr).first() {
            Some(o) if is_conversion => v = *o,
            _ => break,
        }
    }
    v
}

/// Uses of each value of one function: the instructions that take it as an operand, and the
/// phis that merge it.
pub struct Uses {
    /// Instructions using each value, in body order: value `v`'s are
    /// `users[user_start[v]..user_start[v + 1]]`.
    users: Vec<usize>,
    user_start: Vec<u32>,
    /// Phis merging each value, in value order, indexed the same way by `phi_start`.
    phis: Vec<ValueId>,
    phi_start: Vec<u32>,
}

impl Uses {
    pub fn new(cx: &Context<'_>, func: u32) -> Uses {
        let (Some(f), Some(values)) = (cx.module.function(func), cx.program.values(func)) else {
            return Uses {
                users: Vec::new(),
                user_start: Vec::new(),
                phis: Vec::new(),
                phi_start: Vec::new(),
            };
        };
        // `local.get`, `local.tee` and `global.get` pass the value on without using it.
        let using = |i: usize| {
            !matches!(
                f.body.get(i).map(|ins| &ins.op),
                Some(Op::LocalGet(_) | Op::LocalTee(_) | Op::GlobalGet(_) | Op::LocalSet(_))
            )
        };
        let phi_operands = |v: usize| match values.defs.get(v) {
            Some(ValueDef::Phi { operands, .. }) => operands.as_slice(),
            _ => &[],
        };
        // Rows for every value an operand names (the function's values, and any beyond them).
        let mut n = values.defs.len();
        for i in (0..f.body.len()).filter(|i| using(*i)) {
            n = values.operands(i).iter().fold(n, |n, v| n.max(*v as usize + 1));
        }
        for v in 0..values.defs.len() {
            n = phi_operands(v).iter().fold(n, |n, o| n.max(*o as usize + 1));
        }
        let (mut user_start, mut phi_start) = (vec![0u32; n + 1], vec![0u32; n + 1]);
        for i in (0..f.body.len()).filter(|i| using(*i)) {
            for v in values.operands(i) {
                user_start[*v as usize + 1] += 1;
            }
        }
        for v in 0..values.defs.len() {
            for o in phi_operands(v) {
                phi_start[*o as usize + 1] += 1;
            }
        }
        for k in 1..=n {
            user_start[k] += user_start[k - 1];
            phi_start[k] += phi_start[k - 1];
        }
        let mut users = vec![0usize; user_start[n] as usize];
        let mut fill = user_start.clone();
        for i in (0..f.body.len()).filter(|i| using(*i)) {
            for v in values.operands(i) {
                users[fill[*v as usize] as usize] = i;
                fill[*v as usize] += 1;
            }
        }
        let mut phis = vec![0 as ValueId; phi_start[n] as usize];
        let mut fill = phi_start.clone();
        for v in 0..values.defs.len() {
            for o in phi_operands(v) {
                phis[fill[*o as usize] as usize] = v as ValueId;
                fill[*o as usize] += 1;
            }
        }
        Uses { users, user_start, phis, phi_start }
    }

    /// The row of `v` in compressed rows `rows` indexed by `start`.
    fn row<'r, T>(rows: &'r [T], start: &[u32], v: ValueId) -> &'r [T] {
        match (start.get(v as usize), start.get(v as usize + 1)) {
            (Some(&s), Some(&e)) => rows.get(s as usize..e as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    pub fn of(&self, v: ValueId) -> &[usize] {
        Self::row(&self.users, &self.user_start, v)
    }

    pub fn phis_of(&self, v: ValueId) -> Vec<ValueId> {
        Self::row(&self.phis, &self.phi_start, v).to_vec()
    }
}

/// How an entry point is invoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EntryKind {
    /// Run by the platform itself, not by an arbitrary caller: at deployment or at an upgrade it
    /// authorizes (ink! `deploy`, CosmWasm `instantiate`/`migrate`, the start function, ...) or
    /// on behalf of a chain module (CosmWasm `sudo`, `reply`, `ibc_*`).
    PlatformInvoked,
    /// Named like an initializer (`new`, `init`, `initialize`) on a platform where nothing stops
    /// a second call: protected by an "already initialized" check or by a caller check.
    InitLike,
    Normal,
}

/// The export names of function `func` (an entry point may have several), or `start`.
pub fn entry_names<'a>(cx: &Context<'a>, func: u32) -> Vec<&'a str> {
    let names: Vec<&str> =
        cx.entry_points().into_iter().filter(|(_, f)| *f == func).map(|(n, _)| n).collect();
    if names.is_empty() {
        vec!["start"]
    } else {
        names
    }
}

/// The first export name of `func` (or `start`).
pub fn entry_name<'a>(cx: &Context<'a>, func: u32) -> &'a str {
    entry_names(cx, func).first().copied().unwrap_or("start")
}

pub fn entry_kind(cx: &Context<'_>, func: u32) -> EntryKind {
    if cx.module.start == Some(func) && cx.entry_points().iter().all(|(_, f)| *f != func) {
        return EntryKind::PlatformInvoked;
    }
    let names = entry_names(cx, func);
    if names.iter().any(|n| is_platform_constructor(cx.platform, n)) {
        return EntryKind::PlatformInvoked;
    }
    if names.iter().any(|n| is_init_like(n)) {
        return EntryKind::InitLike;
    }
    EntryKind::Normal
}

/// Exports only the platform itself calls: once at deployment or at an upgrade it authorizes,
/// or on behalf of a chain module (CosmWasm `sudo` from governance, `reply` after the contract's
/// own submessage, `ibc_*` from the IBC module).
pub fn is_platform_constructor(p: Platform, name: &str) -> bool {
    match p {
        Platform::Ink | Platform::FiscoLiquid => name == "deploy",
        Platform::Cosmwasm => {
            matches!(name, "instantiate" | "init" | "migrate" | "sudo" | "reply") || name.starts_with("ibc_")
        }
        Platform::Chainmaker => matches!(name, "init_contract" | "upgrade"),
        Platform::Multiversx => matches!(name, "init" | "upgrade"),
        // rs-soroban-env (`host/frame.rs`, `RESERVED_CONTRACT_FN_PREFIX`): functions whose name
        // starts with `__` are reserved to the host and cannot be invoked directly:
        // `__constructor` runs at deployment, `__check_auth` when the host authorizes this account.
        Platform::Soroban => name.starts_with("__"),
        Platform::Xuperchain => name == "initialize",
        _ => false,
    }
}

/// Exports the platform calls only to continue a call the contract itself made, never on a
/// user's transaction: MultiversX `callBack` (mx-chain-vm-go rejects a direct call with
/// `ErrCallBackFuncCalledInRun`; it runs when the contract's async call returns), CosmWasm `reply`
/// (after the contract's own submessage). What they do was decided by the code that made the call.
pub fn is_continuation(p: Platform, name: &str) -> bool {
    match p {
        Platform::Multiversx => name == "callBack",
        Platform::Cosmwasm => name == "reply",
        _ => false,
    }
}

/// `new`, `init`, `initialize`, `new_default_meta`, `init_contract`, `constructor`, ...
pub fn is_init_like(name: &str) -> bool {
    let t = tokens(name);
    matches!(
        t.first().map(String::as_str),
        Some("new" | "init" | "initialize" | "initialise" | "constructor" | "instantiate" | "setup")
    )
}

/// Platforms whose exports are the contract's method names.
pub fn exports_are_methods(p: Platform) -> bool {
    matches!(
        p,
        Platform::Near
            | Platform::Multiversx
            | Platform::Chainmaker
            | Platform::Xuperchain
            | Platform::Soroban
    )
}

/// Lower-case words of an identifier (`set_owner`, `setOwner`, `SetOwner` → `set`, `owner`).
pub fn tokens(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

const ADMIN_VERBS: [&str; 15] = [
    "set", "change", "update", "add", "remove", "transfer", "grant", "revoke", "renounce", "accept", "claim",
    "propose", "replace", "reset", "assign",
];
const ADMIN_NOUNS: [&str; 28] = [
    "owner",
    "ownership",
    "admin",
    "admins",
    "administrator",
    "config",
    "configuration",
    "minter",
    "minters",
    "operator",
    "operators",
    "whitelist",
    "blacklist",
    "allowlist",
    "denylist",
    "guardian",
    "guardians",
    "governance",
    "governor",
    "role",
    "roles",
    "fee",
    "fees",
    "treasury",
    "paused",
    "manager",
    "oracle",
    "signers",
];
const ADMIN_ACTIONS: [&str; 7] = ["pause", "unpause", "freeze", "unfreeze", "upgrade", "migrate", "shutdown"];

/// Whether a method name says it administers the contract: `set_owner`, `transferOwnership`,
/// `update_config`, `add_minter`, `pause`, `upgrade`, ... (a verb of change with an
/// administrative noun, or an administrative action on its own).
pub fn is_admin_method(name: &str) -> bool {
    let t = tokens(name);
    let Some(first) = t.first() else { return false };
    if ADMIN_ACTIONS.contains(&first.as_str()) {
        return true;
    }
    t.iter().any(|w| ADMIN_VERBS.contains(&w.as_str())) && t.iter().any(|w| ADMIN_NOUNS.contains(&w.as_str()))
}

/// Keys an SDK writes its whole contract state under (every mutating method writes them, so
/// they say nothing about privilege): near-sdk's `STATE`, and all-zero keys (the ink! root key).
pub fn is_root_state_key(k: &Key) -> bool {
    match k {
        Key::Bytes(b) => **b == *b"STATE" || b.iter().all(|x| *x == 0),
        Key::Value(v) => *v == 0,
        Key::Built(_) => false,
    }
}

/// Authority keys: constant storage keys whose stored value a caller check compares against (an
/// owner, an admin). A branch or assertion whose condition carries both the caller's identity
/// and a value read from storage, or an authorization host call (Soroban `require_auth`) whose
/// account was read from storage, makes the keys that value was read from authority keys, with
/// the function and instruction of the check. Whole-state keys (near-sdk `STATE`, the ink! root
/// key) and key families (`Balance(_)`) are not: every method writes the former, and the latter
/// name the caller's own entry. EOSIO is left out: its tables are judged row by row.
pub fn authority_keys(cx: &Context<'_>) -> Rc<AuthorityKeys> {
    cx.memo(|cx| {
        let mut out: BTreeMap<Key, (u32, usize)> = BTreeMap::new();
        if cx.platform == Platform::Eosio {
            return AuthorityKeys(out);
        }
        let storage = cx.storage();
        let df = cx.dataflow();
        let stored = label(Effect::StorageRead);
        for f in cx.module.functions.iter().filter(|f| !f.is_import()) {
            let Some(ft) = df.funcs.get(f.index as usize) else { continue };
            let Some(values) = cx.program.values(f.index) else { continue };
            let mut checked: Vec<(usize, ValueId)> = crate::guards::conditions(cx, f.index)
                .into_iter()
                .filter(|(_, _, c)| {
                    let t = ft.value(*c);
                    t.labels & IDENTITY != 0 && t.labels & stored != 0
                })
                .map(|(i, _, c)| (i, c))
                .collect();
            for (i, ins) in f.body.iter().enumerate() {
                let Op::Call(c) = ins.op else { continue };
                let Some(h) = cx.host_fn(c).filter(|h| h.has(Effect::AuthCheck)) else { continue };
                let Some(&a) = h.arg("address").and_then(|a| values.operands(i).get(a as usize)) else {
                    continue;
                };
                checked.push((i, a));
            }
            for (i, v) in checked {
                for k in storage.value_keys(cx, f.index, v).into_iter().flatten() {
                    if let KeyRef::Known(k) = k {
                        if !is_root_state_key(&k) && !k.is_family() {
                            out.entry(k).or_insert((f.index, i));
                        }
                    }
                }
            }
        }
        AuthorityKeys(out)
    })
}

/// [`authority_keys`]: each key with the function and instruction of a check comparing with it.
pub struct AuthorityKeys(pub BTreeMap<Key, (u32, usize)>);

/// The storage key a write host call at `chain[0]` uses, followed up the chain of call sites
/// while it is one of the enclosing function's parameters: the key and the index in `chain`
/// where it became known (or unknown).
pub fn key_along(cx: &Context<'_>, chain: &[(u32, usize)]) -> (KeyRef, usize) {
    let Some(&(f0, i0)) = chain.first() else { return (KeyRef::Unknown, 0) };
    let storage = cx.storage();
    let mut key = storage
        .at(f0, i0)
        .iter()
        .find(|a| a.access == crate::storage::Access::Write)
        .map(|a| a.key.clone())
        .unwrap_or(KeyRef::Unknown);
    for (level, &(func, instr)) in chain.iter().enumerate().skip(1) {
        if !key.is_param() {
            return (key, level - 1);
        }
        key = instantiate_key(cx, func, instr, &key);
    }
    let last = chain.len().saturating_sub(1);
    (key, last)
}

/// A callee's parameter-relative key seen at the call at `instr` of `func`.
fn instantiate_key(cx: &Context<'_>, func: u32, instr: usize, key: &KeyRef) -> KeyRef {
    let (Some(values), Some(ev), Some(f)) =
        (cx.program.values(func), cx.evaluator(func), cx.module.function(func))
    else {
        return KeyRef::Unknown;
    };
    let args = call_args(f.body.get(instr).map(|i| &i.op), values.operands(instr));
    let param_of = |v: ValueId| match values.def(strip(cx, func, v)) {
        ValueDef::Param(p) => Some(*p),
        _ => None,
    };
    match key {
        KeyRef::ParamValue(p) => {
            let Some(&a) = args.get(*p as usize) else { return KeyRef::Unknown };
            if let Some(c) = ev.constant(strip(cx, func, a)) {
                return KeyRef::Known(Key::Value(c));
            }
            param_of(a).map(KeyRef::ParamValue).unwrap_or(KeyRef::Unknown)
        }
        KeyRef::ParamBytes { ptr, len } => {
            let Some(&a) = args.get(*ptr as usize) else { return KeyRef::Unknown };
            let len = match len {
                Len::Const(n) => Some(Len::Const(*n)),
                Len::Param(q) => args.get(*q as usize).and_then(|l| {
                    let l = strip(cx, func, *l);
                    ev.constant(l).map(Len::Const).or_else(|| param_of(l).map(Len::Param))
                }),
            };
            // A length this function loads: a key slice a helper left in its memory.
            let Some(len) = len else { return cx.storage().instantiate_at(cx, func, instr, key) };
            let addr = ev.address(strip(cx, func, a), 0);
            if let (wasmaudit_flow::Base::Value(b), 0) = (addr.base, addr.offset) {
                if let ValueDef::Param(q) = values.def(b) {
                    return KeyRef::ParamBytes { ptr: *q, len };
                }
            }
            let bytes = match len {
                Len::Const(n) => StorageAccess::constant_bytes(cx, func, instr, strip(cx, func, a), n),
                Len::Param(_) => None,
            };
            match bytes {
                Some(b) => KeyRef::Known(Key::Bytes(b.into())),
                // A key slice a helper left in this function's memory.
                None => cx.storage().instantiate_at(cx, func, instr, key),
            }
        }
        KeyRef::Call { .. } | KeyRef::Slice { .. } | KeyRef::Computed(_) => {
            cx.storage().instantiate_at(cx, func, instr, key)
        }
        other => other.clone(),
    }
}

/// Taint of the memory behind argument `role` of the host call at `instr` of `func`
/// (`len` bytes), or of the argument's value when it is not a pointer (`by_value`).
pub fn host_arg_taint(
    cx: &Context<'_>,
    func: u32,
    instr: usize,
    arg: u32,
    len: i64,
    by_value: bool,
) -> Taint {
    let Some(values) = cx.program.values(func) else { return Taint::default() };
    let Some(&a) = values.operands(instr).get(arg as usize) else { return Taint::default() };
    if by_value {
        return cx.dataflow().funcs.get(func as usize).map(|t| t.value(a)).unwrap_or_default();
    }
    cx.dataflow().memory(cx, func, a, len)
}

/// What argument `arg` of the call at `instr` of `func` carries, by value and in the `len` bytes
/// it points to, followed up `chain` (the way from `func` to the entry point) while it refers to
/// parameters.
pub fn arg_taint_along(
    cx: &Context<'_>,
    chain: &[(u32, usize)],
    func: u32,
    instr: usize,
    arg: u32,
    len: i64,
) -> Taint {
    let mut t = host_arg_taint(cx, func, instr, arg, len, true);
    t.join(host_arg_taint(cx, func, instr, arg, len, false));
    taint_along(cx, chain, t, len)
}

/// A taint relative to `func`'s parameters, seen at the call at `instr` of the caller `caller`:
/// parameter references replaced by what the arguments (or the memory behind them) carry.
pub fn lift_taint(cx: &Context<'_>, caller: u32, instr: usize, t: Taint, len: i64) -> Taint {
    lift(cx, caller, instr, t, len, false)
}

/// [`lift_taint`] reading the memory behind the arguments as the call sees it: only writes that
/// may run before the call (not what the call itself, or code after it, leaves there).
pub fn lift_taint_before(cx: &Context<'_>, caller: u32, instr: usize, t: Taint, len: i64) -> Taint {
    lift(cx, caller, instr, t, len, true)
}

fn lift(cx: &Context<'_>, caller: u32, instr: usize, t: Taint, len: i64, before: bool) -> Taint {
    let mut out = Taint::of(t.labels);
    let (Some(values), Some(f)) = (cx.program.values(caller), cx.module.function(caller)) else { return out };
    let args = call_args(f.body.get(instr).map(|i| &i.op), values.operands(instr));
    let ft = cx.dataflow().funcs.get(caller as usize);
    for (i, a) in args.iter().enumerate().take(64) {
        if t.params & (1 << i) != 0 {
            out.join(ft.map(|x| x.value(*a)).unwrap_or_default());
        }
        if t.param_mem & (1 << i) != 0 {
            out.join(if before {
                cx.dataflow().memory_before(cx, caller, *a, len, instr)
            } else {
                cx.dataflow().memory(cx, caller, *a, len)
            });
        }
    }
    out
}

/// [`taint_along`] with [`lift_taint_before`] at each step.
pub fn taint_along_before(cx: &Context<'_>, chain: &[(u32, usize)], t: Taint, len: i64) -> Taint {
    lift_along(cx, chain, t, len, true)
}

/// `t` followed up `chain` (from `chain[0]`'s function to the entry point) while it refers to
/// parameters.
pub fn taint_along(cx: &Context<'_>, chain: &[(u32, usize)], t: Taint, len: i64) -> Taint {
    lift_along(cx, chain, t, len, false)
}

fn lift_along(cx: &Context<'_>, chain: &[(u32, usize)], mut t: Taint, len: i64, before: bool) -> Taint {
    for &(caller, instr) in chain.iter().skip(1) {
        if t.params == 0 && t.param_mem == 0 {
            break;
        }
        t = lift(cx, caller, instr, t, len, before);
    }
    t
}

/// Host calls (direct) whose model has any of `effects`, in (function, instruction) order.
pub fn host_calls_any(cx: &Context<'_>, effects: &[Effect]) -> Vec<crate::HostCall> {
    let mut out: Vec<crate::HostCall> = effects.iter().flat_map(|e| cx.host_calls(*e)).collect();
    out.sort_by_key(|c| (c.func, c.instr));
    out.dedup_by_key(|c| (c.func, c.instr));
    out
}

/// Defined functions reachable from `root` through the call graph (direct and resolved
/// indirect calls), including `root`.
pub fn reachable(cx: &Context<'_>, root: u32) -> BTreeSet<u32> {
    cx.program
        .calls
        .reachable_from(root)
        .into_iter()
        .filter(|f| cx.module.function(*f).is_some_and(|x| !x.is_import()))
        .collect()
}

/// Defined functions some entry point (or the start function) reaches: code only a table
/// slot holds, that no reachable `call_indirect` of its type can call, is dead.
pub fn live_functions(cx: &Context<'_>) -> BTreeSet<u32> {
    // One walk of the call graph from every root at once: the union of what each root reaches.
    let n = cx.module.functions.len();
    let mut seen = vec![false; n];
    let mut work: Vec<u32> = Vec::new();
    let mut visit = |f: u32, work: &mut Vec<u32>| {
        if let Some(s) = seen.get_mut(f as usize).filter(|s| !**s) {
            *s = true;
            work.push(f);
        }
    };
    for &r in &cx.program.calls.roots {
        visit(r, &mut work);
    }
    while let Some(f) = work.pop() {
        for (_, targets) in cx.program.calls.call_sites(f) {
            for &t in targets {
                visit(t, &mut work);
            }
        }
    }
    (0..n as u32)
        .filter(|f| seen[*f as usize] && cx.module.function(*f).is_some_and(|x| !x.is_import()))
        .collect()
}

/// Functions reachable from `root` through direct calls and `call_indirect` sites with a single
/// possible target (a devirtualisable call): without the type-resolved multi-target calls that
/// connect every entry point to every vtable method.
pub fn direct_reach(cx: &Context<'_>, root: u32) -> BTreeSet<u32> {
    let mut seen = BTreeSet::from([root]);
    let mut work = vec![root];
    while let Some(f) = work.pop() {
        for (_, targets) in cx.program.calls.call_sites(f) {
            let [t] = targets.as_slice() else { continue };
            if cx.module.function(*t).is_some_and(|x| !x.is_import()) && seen.insert(*t) {
                work.push(*t);
            }
        }
    }
    seen
}

/// Constant bytes of a `(ptr, len)` argument pair of the call at `instr` of `func`: resolved in
/// `func`, or, when both are parameters of `func`, at each of its call sites.
pub fn constant_string_arg(
    cx: &Context<'_>,
    func: u32,
    instr: usize,
    ptr_arg: u32,
    len_arg: u32,
) -> Vec<Vec<u8>> {
    let (Some(values), Some(ev), Some(f)) =
        (cx.program.values(func), cx.evaluator(func), cx.module.function(func))
    else {
        return Vec::new();
    };
    let args = call_args(f.body.get(instr).map(|i| &i.op), values.operands(instr));
    let (Some(&p), Some(&l)) = (args.get(ptr_arg as usize), args.get(len_arg as usize)) else {
        return Vec::new();
    };
    let (p, l) = (strip(cx, func, p), strip(cx, func, l));
    if let Some(n) = ev.constant(l) {
        if let Some(b) = StorageAccess::constant_bytes(cx, func, instr, p, n) {
            return vec![b];
        }
    }
    let (ValueDef::Param(pp), ValueDef::Param(lp)) = (values.def(p), values.def(l)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (caller, site) in cx.program.calls.callers(func) {
        for b in constant_string_arg(cx, caller, site.instr, *pp, *lp).into_iter().take(8) {
            if !out.contains(&b) {
                out.push(b);
            }
        }
    }
    out
}

/// A NEAR method the contract schedules on itself as a promise callback, or that reads promise
/// results.
#[derive(Debug, Clone)]
pub struct Callback {
    pub export: u32,
    pub name: String,
    /// The `promise_then` (or self function-call action) naming it, if any.
    pub scheduled_at: Option<(u32, usize)>,
    /// Whether it (through direct calls) reads `promise_result`/`promise_results_count`.
    pub reads_result: bool,
}

/// NEAR callbacks: exports whose name is the constant method name of a `promise_then`, or of a
/// function-call action on a `promise_batch_then` batch, for the contract's own account (an
/// account argument that carries `current_account_id`, or whose origin is unknown), plus
/// exports that read promise results.
pub fn near_callbacks(cx: &Context<'_>) -> Vec<Callback> {
    if cx.platform != Platform::Near {
        return Vec::new();
    }
    cx.memo(|cx| NearCallbacks(find_near_callbacks(cx))).0.clone()
}

/// The module's [`near_callbacks`], found once and shared by the detectors that ask.
struct NearCallbacks(Vec<Callback>);

/// Finds the [`near_callbacks`] of a NEAR module.
fn find_near_callbacks(cx: &Context<'_>) -> Vec<Callback> {
    let mut scheduled: BTreeMap<Vec<u8>, (u32, usize)> = BTreeMap::new();
    for call in cx.host_calls(Effect::ExternalCall) {
        let h = call.host;
        let (Some(m), Some(ml)) = (h.arg("method"), h.arg("method_len")) else { continue };
        let Some(values) = cx.program.values(call.func) else { continue };
        // Only calls that run after another promise are callbacks: `promise_then`, or a
        // function-call action on a batch made by `promise_batch_then`. `promise_create` and
        // actions on a `promise_batch_create` batch are new calls (a method calling itself).
        let promise = h.arg("promise").and_then(|p| values.operands(call.instr).get(p as usize).copied());
        let after_promise = h.name == "promise_then"
            || promise_maker(cx, call.func, promise).is_some_and(|m| m == "promise_batch_then");
        if !after_promise {
            continue;
        }
        // The account the call goes to: its own argument, or the batch's.
        let account = if let Some(a) = h.arg("account") {
            Some(host_arg_taint(cx, call.func, call.instr, a, 64, false))
        } else {
            promise_account(cx, call.func, promise)
        };
        let to_self = match account {
            Some(t) => t.has(Effect::SelfId) || t.labels == 0,
            None => true,
        };
        if !to_self {
            continue;
        }
        for name in constant_string_arg(cx, call.func, call.instr, m, ml) {
            scheduled.entry(name).or_insert((call.func, call.instr));
        }
    }
    // Methods an SDK promise builder names after a call to another contract's method.
    for b in crate::scheduled::built_callbacks(cx).iter() {
        scheduled.entry(b.name.as_bytes().to_vec()).or_insert((b.func, b.instr));
    }
    let result_readers = callers_of_effect(cx, Effect::CallResult, 0);
    let mut out = Vec::new();
    for (name, f) in cx.entry_points() {
        let scheduled_at = scheduled.get(name.as_bytes()).copied();
        let reach = direct_reach(cx, f);
        let reads_result = reach.iter().any(|g| {
            cx.direct_calls(*g).any(|(_, c)| result_readers.contains(&c) && cx.host_fn(c).is_some())
        });
        if scheduled_at.is_some() || reads_result {
            out.push(Callback { export: f, name: name.to_string(), scheduled_at, reads_result });
        }
    }
    out
}

/// NEAR: the host call that made promise `promise` (a value of `func`): its instruction and
/// the host function, looking through a frame slot the index was kept in.
fn promise_origin(
    cx: &Context<'_>,
    func: u32,
    promise: Option<ValueId>,
) -> Option<(usize, &'static wasmaudit_platform::HostFn)> {
    let values = cx.program.values(func)?;
    let ev = cx.evaluator(func)?;
    let mut promise = strip(cx, func, promise?);
    if let ValueDef::Result { instr, .. } = values.def(promise) {
        if matches!(ev.func.body.get(*instr).map(|i| &i.op), Some(Op::Load { .. })) {
            let addr = ev.mem_address(*instr)?;
            if let [(_, v, _)] = ev.stored_at(addr) {
                promise = strip(cx, func, *v);
            }
        }
    }
    let ValueDef::Result { instr: create, index: 0 } = values.def(promise) else { return None };
    let Some(Op::Call(c)) = ev.func.body.get(*create).map(|i| &i.op) else { return None };
    Some((*create, cx.host_fn(*c)?))
}

/// NEAR: the name of the host function that made promise `promise`.
fn promise_maker(cx: &Context<'_>, func: u32, promise: Option<ValueId>) -> Option<&'static str> {
    promise_origin(cx, func, promise).map(|(_, h)| h.name.as_str())
}

/// NEAR: what the account of the promise batch `promise` (a value of `func`) carries: the account
/// argument of the `promise_batch_create`/`promise_batch_then` call that made it.
pub fn promise_account(cx: &Context<'_>, func: u32, promise: Option<ValueId>) -> Option<Taint> {
    let (create, h) = promise_origin(cx, func, promise)?;
    let account = h.arg("account")?;
    Some(host_arg_taint(cx, func, create, account, 64, false))
}

/// NEAR: whether the host call in `func` is issued by an SDK's generic promise-action dispatcher
/// (near-sdk's `PromiseAction` match, which turns whatever actions were queued on a `Promise`
/// into host calls): `func` itself, or every function calling it, reaches four or more different
/// `promise_batch_action_*` imports within three calls. Which arm runs is decided by data queued
/// elsewhere, so reaching one of its calls says nothing about whether an entry point schedules
/// that action.
pub fn is_action_dispatcher(cx: &Context<'_>, func: u32) -> bool {
    if action_kinds(cx, func, 3) >= 4 {
        return true;
    }
    let callers = cx.program.calls.callers(func);
    !callers.is_empty() && callers.iter().all(|(c, _)| action_kinds(cx, *c, 3) >= 4)
}

/// For a call inside a generic action dispatcher ([`is_action_dispatcher`]), where reaching it
/// says nothing about which action an entry point queues: an entry point whose name says it
/// performs the action (one of `words` among its words, e.g. `upgrade`, `delete`) and reaches the
/// call with no caller check. Such an entry point is the remaining evidence that the action is
/// built at all.
pub fn named_unchecked_entry(
    w: &Walker<'_, '_>,
    func: u32,
    instr: usize,
    named_for: fn(&[String]) -> bool,
) -> Option<u32> {
    w.paths(func, instr).into_iter().find_map(|p| {
        let named = entry_names(w.cx, p.entry).iter().any(|n| named_for(&tokens(n)));
        (named && !p.identity && entry_kind(w.cx, p.entry) == EntryKind::Normal).then_some(p.entry)
    })
}

/// Whether a way up from an instruction (`chain`, ending in the entry point's call) passes
/// through a generic action dispatcher below the entry point: a function that reaches four or
/// more `promise_batch_action_*` kinds within [`DISPATCH_DEPTH`] calls (near-sdk 3 reaches the
/// action's host wrapper through a `call_indirect` that any dispatcher arm may take). `memo`
/// caches the answer per function.
pub fn passes_dispatcher(cx: &Context<'_>, chain: &[(u32, usize)], memo: &mut BTreeMap<u32, bool>) -> bool {
    let below = &chain[..chain.len().saturating_sub(1)];
    below.iter().any(|(g, _)| *memo.entry(*g).or_insert_with(|| action_kinds(cx, *g, DISPATCH_DEPTH) >= 4))
}

/// Call levels between a generic dispatcher and the action host calls it issues: near-sdk 3 goes
/// dispatcher → `env::` wrapper → `BLOCKCHAIN_INTERFACE` closure → `call_indirect` → host wrapper
/// → host.
const DISPATCH_DEPTH: u32 = 6;

/// Findings for host calls with effect `e` that an entry point reaches with no caller check
/// ([`crate::query::unguarded_sink_findings`]), except that a call inside a generic
/// action dispatcher, or reached only through one, is reported only through an entry point named for the action
/// ([`named_unchecked_entry`] with `named_for`, given the words of the entry point's name).
pub fn lifecycle_findings(
    cx: &Context<'_>,
    e: Effect,
    meta: &'static crate::DetectorMeta,
    what: &str,
    named_for: fn(&[String]) -> bool,
) -> Vec<crate::Finding> {
    let w = Walker::new(cx);
    let mut memo = BTreeMap::new();
    let mut out = Vec::new();
    // Actions queued as records for the dispatcher ([`crate::queued`]): the queue site stands
    // for the host call.
    let mut queued_from = BTreeSet::new();
    let mut reported = BTreeSet::new();
    for q in crate::queued::queued(cx).with(cx, e) {
        let open = w
            .paths(q.func, q.instr)
            .into_iter()
            .find(|p| !p.identity && entry_kind(cx, p.entry) == EntryKind::Normal);
        let Some(path) = open else { continue };
        queued_from.insert(path.entry);
        if !reported.insert((q.func, q.instr)) {
            continue;
        }
        let entry = entry_name(cx, path.entry);
        out.push(crate::Finding {
            detector: meta,
            impact: meta.impact,
            function: q.func,
            instr: q.instr,
            offset: cx.offset_of(q.func, q.instr),
            message: format!(
                "queues `{}` (the SDK's action dispatcher issues it later), which {what}, and entry \
                 point `{entry}` reaches it with no check of the caller before it",
                cx.host_display_name(q.host),
            ),
            confidence: meta.confidence,
            way: Vec::new(),
        });
    }
    for mut f in crate::query::unguarded_sink_findings(cx, e, meta, what) {
        let paths = w.paths(f.function, f.instr);
        let dispatched = is_action_dispatcher(cx, f.function)
            || (!paths.is_empty() && paths.iter().all(|p| passes_dispatcher(cx, &p.chain, &mut memo)));
        if !dispatched {
            out.push(f);
            continue;
        }
        let Some(entry) = named_unchecked_entry(&w, f.function, f.instr, named_for) else { continue };
        if queued_from.contains(&entry) {
            continue;
        }
        let callee = cx.program.calls.targets_at(f.function, f.instr).first().copied().unwrap_or(0);
        f.message = format!(
            "`{}` {what} (in the generic action dispatcher) and entry point `{}`, named for this action, \
             reaches it with no check of the caller before it",
            cx.host_display_name(callee),
            entry_name(cx, entry)
        );
        // The name is the only evidence that the action is queued at all.
        out.push(f.with_confidence(crate::Confidence::Low));
    }
    out
}

/// Distinct `promise_batch_action_*` imports `func` calls (directly or through `call_indirect`)
/// within `depth` levels.
fn action_kinds(cx: &Context<'_>, func: u32, depth: u32) -> usize {
    let mut kinds = BTreeSet::new();
    let mut frontier = vec![func];
    let mut seen = BTreeSet::from([func]);
    for _ in 0..depth {
        let mut next = Vec::new();
        for f in frontier {
            // Indirect calls too: near-sdk 3 reaches the host through a `BlockchainInterface`
            // trait object, one small wrapper per host function behind `call_indirect`.
            let targets = cx.program.calls.call_sites(f).iter().flat_map(|(_, t)| t.iter().copied());
            for c in targets {
                let is_action = cx
                    .module
                    .function(c)
                    .and_then(|x| x.import.as_ref())
                    .is_some_and(|(_, n)| n.starts_with("promise_batch_action_"));
                if is_action {
                    kinds.insert(c);
                } else if seen.insert(c) {
                    next.push(c);
                }
            }
        }
        frontier = next;
    }
    kinds.len()
}

/// Levels of calls [`value_decides`] follows (into callees and back to callers).
const MAX_USE_DEPTH: u32 = 4;
/// Values one [`value_decides`] query may visit.
const MAX_USE_STEPS: usize = 2_000;

/// Whether value `v` of `func` (a call's status, a verdict) decides anything: it reaches,
/// through arithmetic, comparisons, phis, locals, memory slots of the same function and calls,
/// the condition of a branch, of a `select` or of an asserting host call. Values returned by the
/// function are followed into each caller (decided if some caller decides them); values passed
/// to a callee are followed into its parameter; values stored through a pointer parameter (an
/// out-parameter) or into a global count as decided, since where they go is not tracked.
pub fn value_decides(cx: &Context<'_>, func: u32, v: ValueId) -> bool {
    let mut steps = 0;
    decides_in(cx, func, v, 0, &mut steps)
}

fn decides_in(cx: &Context<'_>, func: u32, v: ValueId, depth: u32, steps: &mut usize) -> bool {
    let (Some(f), Some(values), Some(ev)) =
        (cx.module.function(func), cx.program.values(func), cx.evaluator(func))
    else {
        return false;
    };
    let uses = Uses::new(cx, func);
    let mut seen = BTreeSet::new();
    let mut work = vec![v];
    while let Some(v) = work.pop() {
        *steps += 1;
        if *steps > MAX_USE_STEPS {
            // Out of budget: assume handled rather than report.
            return true;
        }
        if !seen.insert(v) {
            continue;
        }
        work.extend(uses.phis_of(v));
        for &i in uses.of(v) {
            let ops = values.operands(i);
            let Some(op) = f.body.get(i).map(|x| &x.op) else { continue };
            match op {
                Op::If(_) | Op::BrIf(_) | Op::BrTable { .. } => return true,
                Op::Select => {
                    if ops.get(2) == Some(&v) {
                        return true;
                    }
                    work.extend(values.results(i));
                }
                Op::Compare(..) | Op::Unary(..) | Op::Binary(..) | Op::Convert(_) | Op::Other { .. } => {
                    work.extend(values.results(i))
                }
                Op::Return if returned_decides(cx, func, depth, steps) => return true,
                Op::End if f.is_exit(i) && returned_decides(cx, func, depth, steps) => return true,
                Op::GlobalSet(_) => return true,
                Op::Store { .. } => {
                    if ops.get(1) != Some(&v) {
                        continue;
                    }
                    let Some(addr) = ev.mem_address(i) else { return true };
                    if let wasmaudit_flow::Base::Value(b) = addr.base {
                        if matches!(values.def(b), ValueDef::Param(_)) {
                            return true;
                        }
                    }
                    for (j, ins) in f.body.iter().enumerate() {
                        if matches!(ins.op, Op::Load { .. }) && ev.mem_address(j) == Some(addr) {
                            work.extend(values.results(j));
                        }
                    }
                }
                Op::Call(_) | Op::ReturnCall(_) | Op::CallIndirect { .. } | Op::ReturnCallIndirect { .. } => {
                    let args = call_args(Some(op), ops);
                    let positions: Vec<usize> =
                        args.iter().enumerate().filter(|(_, a)| **a == v).map(|(k, _)| k).collect();
                    for t in cx.program.calls.targets_at(func, i) {
                        if let Some(h) = cx.host_fn(*t) {
                            let asserts = h.has(Effect::Abort)
                                && h.arg("condition").is_some_and(|c| positions.contains(&(c as usize)));
                            if asserts {
                                return true;
                            }
                            continue;
                        }
                        if depth >= MAX_USE_DEPTH {
                            return true;
                        }
                        for &k in &positions {
                            if let Some(p) = param_value(cx, *t, k as u32) {
                                if decides_in(cx, *t, p, depth + 1, steps) {
                                    return true;
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
    false
}

/// Whether some caller of `func` decides on the value `func` returns.
fn returned_decides(cx: &Context<'_>, func: u32, depth: u32, steps: &mut usize) -> bool {
    // An entry point's result goes to the platform (a Stylus entry point's status reverts).
    if depth >= MAX_USE_DEPTH || cx.program.calls.roots.binary_search(&func).is_ok() {
        return true;
    }
    for (caller, site) in cx.program.calls.callers(func) {
        let Some(values) = cx.program.values(caller) else { continue };
        for r in values.results(site.instr) {
            if decides_in(cx, caller, *r, depth + 1, steps) {
                return true;
            }
        }
    }
    false
}

/// The value of parameter `p` at the entry of `func`.
fn param_value(cx: &Context<'_>, func: u32, p: u32) -> Option<ValueId> {
    let values = cx.program.values(func)?;
    values.defs.iter().position(|d| *d == ValueDef::Param(p)).map(|i| i as ValueId)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_split_into_words() {
        assert_eq!(tokens("setOwner"), vec!["set", "owner"]);
        assert_eq!(tokens("transfer_ownership"), vec!["transfer", "ownership"]);
        assert_eq!(tokens("ChangeAdmin2"), vec!["change", "admin2"]);
    }

    #[test]
    fn administrative_method_names() {
        for n in ["set_owner", "transferOwnership", "update_config", "add_minter", "pause", "upgrade"] {
            assert!(is_admin_method(n), "{n}");
        }
        for n in ["get_owner", "transfer", "ft_transfer", "mint", "withdraw", "owner", "set_greeting"] {
            assert!(!is_admin_method(n), "{n}");
        }
    }

    #[test]
    fn initializer_names() {
        assert!(is_init_like("new"));
        assert!(is_init_like("new_default_meta"));
        assert!(is_init_like("initialize"));
        assert!(!is_init_like("renew"));
        assert!(!is_init_like("set_owner"));
    }
}
