//! Loops and recursion: which loops each function has, what decides how often they run, and what
//! every iteration does.
//!
//! A loop is a natural loop of the CFG: a back edge is an edge to a block that dominates its
//! source (in Wasm, a branch to a `loop` label); the body is the header plus every block that
//! reaches a back edge's source without passing the header. Its exits are the edges from the
//! body to outside it (an edge into a block that always traps is no exit: the loop never ends
//! there). Recursion is a cycle of direct calls (a strongly connected component of the call
//! graph restricted to direct calls, or a function calling itself).
//!
//! **What decides the exit.** The condition of each exit branch (or, for an unconditional exit
//! inside an `if`, of the nearest branch above it in the body) is traced backwards through the
//! lifted values: arithmetic, comparisons, conversions, merges and loop-carried phis are followed;
//! constants end the trace; loads, call results and parameters are leaves, labelled by the data
//! flow ([`crate::taint`]): `storage-read` (a stored length, a row read from a table, the result
//! of a storage-iteration host call such as EOSIO `db_next_i64`/`db_end_i64`, CosmWasm `db_next`,
//! NEAR `storage_iter_next`, or a load from the buffer such a call returned) or `input`.
//! Parameters with no label of their own are resolved at their direct call sites (constants,
//! capped values and the arguments' labels). A value compared with a constant before the loop
//! (`assert(limit <= 100)`, `if n > MAX { abort }`), or a `min(limit, CONST)` (a `select` or merge
//! of the value and the constant under a comparison with it), is *capped*; so are values narrow by
//! construction (a one-byte load, `x & MASK`, `x % N`). An exit whose trace
//! reaches nothing that changes from one iteration to the next (no loop-carried phi, no load or
//! call inside the body) does not bound the trip count and is ignored.
//!
//! Each exit gets a [`Bound`]; the loop's bound is `Capped` when any varying exit is capped or
//! compares only constants and capped values (the loop ends after a constant number of
//! iterations), else `Input` when one is decided only by caller input (the caller picks how long
//! it runs), else `Unknown` when one is a counter compared with a limit of unknown origin
//! (`Iterator::advance_by(n)` over a storage range stops after `n`), else `Storage` when one
//! depends on stored state, else `Unknown` (memory only).
//!
//! **What the body does.** Every call in the body's blocks, through the callee's transitive
//! effects (a bottom-up summary over the call graph; an indirect call counts what every possible
//! target does), and, on ChainMaker/XuperChain, the effects of the method names a dispatching
//! call invokes: storage reads and writes, external calls, value transfers.
//!
//! **Cost.** Only functions reachable from an entry point, containing a `loop` and (with their
//! callees) some storage or call effect, are analysed; every step spends a module budget, and when
//! it runs out the remaining functions are skipped ([`Loops::truncated`]).

use crate::methods::MethodIndex;
use crate::taint::{label, FuncTaint};
use crate::Context;
use std::collections::{BTreeMap, BTreeSet};
use wasmaudit_flow::{Base, BlockId, Budget, Cfg, Evaluator, ValueDef, ValueId};
use wasmaudit_front::{BinOp, CmpOp, Op};
use wasmaudit_platform::{Effect, HostFn, Platform};

/// Steps one module's loop analysis may spend.
const STEPS: u64 = 20_000_000;
/// Values one exit-condition trace may visit.
const MAX_WALK: usize = 256;
/// Indirect call sites with more possible targets than this contribute no effects.
const MAX_INDIRECT_TARGETS: usize = 64;
/// Direct call sites consulted to resolve a parameter.
const MAX_CALLERS: usize = 16;
/// Rounds of the bottom-up effect summary.
const MAX_ROUNDS: usize = 16;
/// Constants a comparison must use to count as a cap: below, it is an emptiness or sign test;
/// above, an overflow check.
const MIN_CAP: i64 = 2;
const MAX_CAP: i64 = 1_000_000;

/// What code does that can make an iteration expensive, as a set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Effects(u8);

impl Effects {
    pub const NONE: Effects = Effects(0);
    /// Reads storage (including iterating a table).
    pub const READ: Effects = Effects(1);
    /// Writes or removes storage.
    pub const WRITE: Effects = Effects(2);
    /// Calls, notifies or sends an action to another contract.
    pub const CALL: Effects = Effects(4);
    /// Transfers value.
    pub const TRANSFER: Effects = Effects(8);
    /// Every kind, most severe first.
    pub const KINDS: [Effects; 4] = [Effects::TRANSFER, Effects::CALL, Effects::WRITE, Effects::READ];

    pub fn of_effect(e: Effect) -> Effects {
        match e {
            Effect::StorageRead => Effects::READ,
            Effect::StorageWrite => Effects::WRITE,
            Effect::ExternalCall => Effects::CALL,
            Effect::ValueTransfer => Effects::TRANSFER,
            _ => Effects::NONE,
        }
    }

    pub fn of_host(h: &HostFn) -> Effects {
        h.effects.iter().fold(Effects::NONE, |acc, e| acc.union(Effects::of_effect(*e)))
    }

    pub fn union(self, o: Effects) -> Effects {
        Effects(self.0 | o.0)
    }

    pub fn intersect(self, o: Effects) -> Effects {
        Effects(self.0 & o.0)
    }

    pub fn contains(self, o: Effects) -> bool {
        self.0 & o.0 == o.0 && o.0 != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    fn index(self) -> usize {
        match self {
            Effects::READ => 0,
            Effects::WRITE => 1,
            Effects::CALL => 2,
            _ => 3,
        }
    }
}

/// What decides how many times a loop (or a recursion) runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Bound {
    /// Ends after a constant number of iterations: a counter compared with a constant or with a
    /// value capped by one.
    Capped,
    /// Decided by values the analysis cannot attribute (memory the code filled itself,
    /// parameters it cannot resolve).
    Unknown,
    /// Decided by stored state. `host` is the storage host call whose result decides it, when the
    /// trace reached one directly (an iteration call: the loop walks a table or a key range);
    /// otherwise a stored value (a collection's length kept in state) decides it.
    Storage { host: Option<u32> },
    /// Decided by caller input only (a length decoded from the call's arguments).
    Input,
}

/// An edge out of a loop and what decides whether it is taken.
#[derive(Debug, Clone)]
pub struct Exit {
    /// The branch instruction (its block's last instruction) whose condition decides the exit.
    pub instr: usize,
    /// Its condition value, when it has one.
    pub cond: Option<ValueId>,
    pub bound: Bound,
    /// Whether the condition changes from one iteration to the next; exits that do not cannot
    /// bound the trip count and are not counted in [`Loop::bound`].
    pub varies: bool,
    /// Whether the condition is a counter compared with a limit of unknown origin (see
    /// [`Loop::bound`]): such an exit bounds the loop whatever else it depends on.
    pub opaque_counter: bool,
}

/// The effects of an iteration and, for each kind, the first instruction of the loop's function
/// (a host call, or a call whose callees have it) where it happens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BodyEffects {
    pub effects: Effects,
    first: [Option<usize>; 4],
}

impl BodyEffects {
    fn add(&mut self, e: Effects, instr: usize) {
        for k in Effects::KINDS {
            if e.contains(k) {
                self.effects = self.effects.union(k);
                let slot = &mut self.first[k.index()];
                if slot.is_none_or(|f| instr < f) {
                    *slot = Some(instr);
                }
            }
        }
    }

    /// The first instruction with effect kind `k` (one of [`Effects::KINDS`]).
    pub fn first(&self, k: Effects) -> Option<usize> {
        self.first.get(k.index()).copied().flatten()
    }

    /// The most severe kind present and its first instruction.
    pub fn worst(&self) -> Option<(Effects, usize)> {
        Effects::KINDS.into_iter().find_map(|k| self.first(k).map(|i| (k, i)))
    }
}

/// One natural loop.
#[derive(Debug, Clone)]
pub struct Loop {
    pub func: u32,
    /// The header block and its `loop` instruction.
    pub header: BlockId,
    pub instr: usize,
    /// Blocks of the body, sorted.
    pub blocks: Vec<BlockId>,
    pub exits: Vec<Exit>,
    pub bound: Bound,
    pub body: BodyEffects,
}

/// A cycle of direct calls and what decides whether it goes round again.
#[derive(Debug, Clone)]
pub struct Recursion {
    /// The functions of the cycle, sorted.
    pub funcs: Vec<u32>,
    /// The call that closes the cycle (caller, instruction).
    pub call: (u32, usize),
    pub bound: Bound,
    /// What one round through the cycle does (the functions' transitive effects).
    pub effects: Effects,
}

/// Loops and recursion of a module (see the module docs).
#[derive(Debug, Default)]
pub struct Loops {
    loops: BTreeMap<u32, Vec<Loop>>,
    pub recursion: Vec<Recursion>,
    /// Per function: storage and call effects of a call to it, callees included.
    effects: Vec<Effects>,
    /// Whether the step budget ran out before every candidate function was analysed.
    pub truncated: bool,
}

impl Loops {
    pub fn compute(cx: &Context<'_>) -> Loops {
        let mut budget = Budget::new(STEPS);
        let methods = dispatch_effects(cx);
        let effects = transitive_effects(cx, &methods);
        let reachable = reachable(cx);
        let mut out = Loops { effects, ..Loops::default() };
        let mut caps = CapCache::default();
        for f in cx.module.functions.iter().filter(|f| !f.is_import()) {
            let i = f.index as usize;
            if !reachable.get(i).copied().unwrap_or(false)
                || out.effects.get(i).is_none_or(|e| e.is_empty())
                || !f.body.iter().any(|ins| matches!(ins.op, Op::Loop(_)))
            {
                continue;
            }
            if budget.exhausted() {
                out.truncated = true;
                break;
            }
            let loops = analyze_function(cx, f.index, &out.effects, &methods, &mut caps, &mut budget);
            if !loops.is_empty() {
                out.loops.insert(f.index, loops);
            }
        }
        out.recursion = recursion(cx, &out.effects, &reachable, &mut caps, &mut budget);
        out.truncated |= budget.exhausted();
        out
    }

    /// The analysed loops of `func`, outer loops first (by `loop` instruction).
    pub fn of(&self, func: u32) -> &[Loop] {
        self.loops.get(&func).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Every analysed loop, in (function, instruction) order.
    pub fn all(&self) -> impl Iterator<Item = &Loop> {
        self.loops.values().flatten()
    }

    /// What a call of `func` does, its callees included.
    pub fn effects_of(&self, func: u32) -> Effects {
        self.effects.get(func as usize).copied().unwrap_or_default()
    }
}

/// Effects of ChainMaker/XuperChain dispatch calls (the methods they name), by direct import call.
type DispatchEffects = BTreeMap<(u32, usize), Effects>;

fn dispatch_effects(cx: &Context<'_>) -> DispatchEffects {
    let mut out = DispatchEffects::new();
    if !matches!(cx.platform, Platform::Chainmaker | Platform::Xuperchain) {
        return out;
    }
    let index = cx.memo(MethodIndex::new);
    for site in index.sites() {
        let e = site.effects().into_iter().fold(Effects::NONE, |acc, e| acc.union(Effects::of_effect(e)));
        for call in &site.path {
            let slot = out.entry(*call).or_default();
            *slot = slot.union(e);
        }
    }
    out
}

/// What the call at `instr` of `func` does: a host call's effects, a defined callee's summary, for
/// an indirect call what every possible target does, plus the methods a dispatch call names.
fn call_effects(
    cx: &Context<'_>,
    func: u32,
    instr: usize,
    op: &Op,
    effects: &[Effects],
    methods: &DispatchEffects,
) -> Effects {
    let of = |t: u32| match cx.host_fn(t) {
        Some(h) => Effects::of_host(h),
        None => effects.get(t as usize).copied().unwrap_or_default(),
    };
    let base = match op {
        Op::Call(c) | Op::ReturnCall(c) => of(*c),
        Op::CallIndirect { .. } | Op::ReturnCallIndirect { .. } => {
            let targets = cx.program.calls.targets_at(func, instr);
            if targets.is_empty() || targets.len() > MAX_INDIRECT_TARGETS {
                Effects::NONE
            } else {
                targets.iter().map(|t| of(*t)).fold(Effects(0xff), Effects::intersect)
            }
        }
        _ => return Effects::NONE,
    };
    base.union(methods.get(&(func, instr)).copied().unwrap_or_default())
}

/// Per function, the effects of calling it (callees included), callees first and repeated until
/// stable (recursion) or [`MAX_ROUNDS`].
fn transitive_effects(cx: &Context<'_>, methods: &DispatchEffects) -> Vec<Effects> {
    let mut effects = vec![Effects::NONE; cx.module.functions.len()];
    let order = crate::taint::callees_first(cx);
    for _ in 0..MAX_ROUNDS {
        let mut changed = false;
        for &f in &order {
            let Some(func) = cx.module.function(f) else { continue };
            let mut e = Effects::NONE;
            for (instr, _) in cx.program.calls.call_sites(f) {
                if let Some(ins) = func.body.get(*instr) {
                    e = e.union(call_effects(cx, f, *instr, &ins.op, &effects, methods));
                }
            }
            if let Some(slot) = effects.get_mut(f as usize) {
                changed |= *slot != e;
                *slot = e;
            }
        }
        if !changed {
            break;
        }
    }
    effects
}

/// Functions reachable from the entry points (exports and the start function).
fn reachable(cx: &Context<'_>) -> Vec<bool> {
    let mut seen = vec![false; cx.module.functions.len()];
    let mut stack: Vec<u32> = cx.program.calls.roots.clone();
    while let Some(f) = stack.pop() {
        match seen.get_mut(f as usize) {
            Some(s) if !*s => *s = true,
            _ => continue,
        }
        for (_, targets) in cx.program.calls.call_sites(f) {
            stack.extend(targets.iter().copied());
        }
    }
    seen
}

/// How a value is recognised again: the value itself (conversions stripped), or, for a load,
/// the slot it reads (a reload of the same slot is the same value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum ValueKey {
    Value(ValueId),
    Slot(wasmaudit_flow::Addr, u8),
}

fn value_key(ev: &Evaluator<'_>, v: ValueId) -> ValueKey {
    let v = strip(ev, v);
    if let ValueDef::Result { instr, index: 0 } = ev.values.def(v) {
        if let Some(Op::Load { kind, .. }) = ev.func.body.get(*instr).map(|i| &i.op) {
            if let Some(addr) = ev.mem_address(*instr) {
                return ValueKey::Slot(addr, kind.bytes);
            }
        }
    }
    ValueKey::Value(v)
}

/// Comparisons of values with a constant that can cap them, indexed for look-up.
#[derive(Debug, Default)]
struct Caps {
    /// Per capped value: `(comparison instruction, constant)`.
    by_value: BTreeMap<ValueKey, Vec<(usize, i64)>>,
    /// The constant of each cap comparison.
    by_instr: BTreeMap<usize, i64>,
}

impl Caps {
    fn add(&mut self, ev: &Evaluator<'_>, instr: usize, v: ValueId, constant: i64) {
        self.by_value.entry(value_key(ev, v)).or_default().push((instr, constant));
    }

    fn of(&self, ev: &Evaluator<'_>, v: ValueId) -> &[(usize, i64)] {
        self.by_value.get(&value_key(ev, v)).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// Cap comparisons per function, computed on first use.
#[derive(Default)]
struct CapCache {
    funcs: BTreeMap<u32, std::rc::Rc<Caps>>,
}

impl CapCache {
    fn of(&mut self, cx: &Context<'_>, func: u32) -> std::rc::Rc<Caps> {
        self.funcs.entry(func).or_insert_with(|| std::rc::Rc::new(caps(cx, func))).clone()
    }
}

/// Ordering comparisons (`<`, `<=`, `>`, `>=`) of a non-constant value with a constant in
/// [`MIN_CAP`]..=[`MAX_CAP`].
fn caps(cx: &Context<'_>, func: u32) -> Caps {
    let mut out = Caps::default();
    let (Some(f), Some(values), Some(ev)) =
        (cx.module.function(func), cx.program.values(func), cx.evaluator(func))
    else {
        return out;
    };
    for (i, ins) in f.body.iter().enumerate() {
        let Op::Compare(_, op) = ins.op else { continue };
        if matches!(op, CmpOp::Eq | CmpOp::Ne) {
            continue;
        }
        let [a, b] = values.operands(i) else { continue };
        let (value, constant) = match (ev.constant(*a), ev.constant(*b)) {
            (None, Some(c)) => (*a, c),
            (Some(c), None) => (*b, c),
            _ => continue,
        };
        if (MIN_CAP..=MAX_CAP).contains(&constant) {
            out.by_instr.insert(i, constant);
            out.add(ev, i, value, constant);
            // A capped distance caps the two ends: `assert(v.size() <= 30)` checks
            // `(end - begin) >> 3`, and the loop then walks a pointer from `begin` to `end`.
            if let Some((a, b)) = distance(ev, value) {
                out.add(ev, i, a, constant);
                out.add(ev, i, b, constant);
            }
            // `limit - 1 < 100` is how compilers check `limit >= 1 && limit <= 100`.
            if let Some(x) = offset_of_constant(ev, value) {
                out.add(ev, i, x, constant);
            }
        }
    }
    out
}

/// `x` when `v` is `x + c` or `x - c` for a constant `c`.
fn offset_of_constant(ev: &Evaluator<'_>, v: ValueId) -> Option<ValueId> {
    let ValueDef::Result { instr, index: 0 } = ev.values.def(strip(ev, v)) else { return None };
    let Some(Op::Binary(_, BinOp::Add | BinOp::Sub)) = ev.func.body.get(*instr).map(|i| &i.op) else {
        return None;
    };
    match ev.values.operands(*instr) {
        [a, b] if ev.constant(*b).is_some() && ev.constant(*a).is_none() => Some(*a),
        [a, b] if ev.constant(*a).is_some() && ev.constant(*b).is_none() => Some(*b),
        _ => None,
    }
}

/// `(a, b)` when `v` is `a - b`, possibly scaled down (`>> k`, `/ k`) or converted.
fn distance(ev: &Evaluator<'_>, v: ValueId) -> Option<(ValueId, ValueId)> {
    let mut v = strip(ev, v);
    for _ in 0..4 {
        let ValueDef::Result { instr, index: 0 } = ev.values.def(v) else { return None };
        let ops = ev.values.operands(*instr);
        match (ev.func.body.get(*instr).map(|i| &i.op), ops) {
            (Some(Op::Binary(_, BinOp::Sub)), [a, b]) if ev.constant(*b).is_none() => return Some((*a, *b)),
            (Some(Op::Binary(_, BinOp::ShrU | BinOp::ShrS | BinOp::DivU | BinOp::DivS)), [a, b])
                if ev.constant(*b).is_some() =>
            {
                v = strip(ev, *a);
            }
            _ => return None,
        }
    }
    None
}

/// `v` without integer width conversions around it.
fn strip(ev: &Evaluator<'_>, mut v: ValueId) -> ValueId {
    for _ in 0..8 {
        let ValueDef::Result { instr, index: 0 } = ev.values.def(v) else { break };
        let Some(Op::Convert(_)) = ev.func.body.get(*instr).map(|i| &i.op) else { break };
        match ev.values.operands(*instr).first() {
            Some(inner) => v = *inner,
            None => break,
        }
    }
    v
}

/// Whether `a` and `b` are the same value: the same lifted value, or loads of the same slot.
fn same_value(ev: &Evaluator<'_>, a: ValueId, b: ValueId) -> bool {
    value_key(ev, a) == value_key(ev, b)
}

/// The labels an exit condition's trace attributes the bound to.
const STORAGE: u32 = label(Effect::StorageRead);
const INPUT: u32 = label(Effect::Input);

/// What one backward trace found.
#[derive(Debug, Default)]
struct Trace {
    labels: u32,
    /// A storage host call whose result the trace reached directly.
    storage_host: Option<u32>,
    host_in_body: bool,
    /// A leaf of no known origin.
    unknown: bool,
    /// Something that changes between iterations.
    varies: bool,
    /// A load or call inside the body (something read afresh each iteration) among the sources.
    reads_in_body: bool,
}

impl Trace {
    /// Records storage host `h` reached by the trace; one called inside the body (the call that
    /// steps the iteration, `db_next_i64`) names the bound over one called before it.
    fn note_host(&mut self, h: u32, in_body: bool) {
        if self.storage_host.is_none() || (in_body && !self.host_in_body) {
            self.storage_host = Some(h);
            self.host_in_body = in_body;
        }
    }

    /// A counter compared with a limit of unknown origin: the loop ends when the counter reaches
    /// something the analysis cannot see, which bounds it whatever the stored state holds.
    fn opaque_counter(&self) -> bool {
        self.varies && !self.reads_in_body && self.unknown && self.labels == 0
    }

    fn bound(&self) -> Bound {
        if self.labels & STORAGE != 0 {
            Bound::Storage { host: self.storage_host }
        } else if self.labels & INPUT != 0 {
            Bound::Input
        } else if self.unknown {
            Bound::Unknown
        } else {
            Bound::Capped
        }
    }
}

/// One function's facts the traces need.
struct Func<'c, 'a> {
    cx: &'c Context<'a>,
    func: u32,
    ev: &'c Evaluator<'a>,
    cfg: &'c Cfg,
    taint: Option<&'c FuncTaint>,
    caps: std::rc::Rc<Caps>,
}

impl Func<'_, '_> {
    /// Whether `v` is compared with a cap constant at an instruction that runs before `at` on every
    /// path.
    fn capped_before(&self, v: ValueId, at: usize) -> bool {
        self.caps.of(self.ev, v).iter().any(|(i, _)| self.cfg.dominates(*i, at))
    }

    /// Whether `v` is `min(x, C)`: a `select` or merge of a cap constant and a value compared
    /// with that constant.
    fn is_min(&self, v: ValueId) -> bool {
        let ev = self.ev;
        let (arms, cond): (Vec<ValueId>, Option<ValueId>) = match ev.values.def(v) {
            ValueDef::Phi { operands, instr } => {
                if matches!(ev.func.body.get(*instr).map(|i| &i.op), Some(Op::Loop(_))) {
                    return false;
                }
                (operands.clone(), None)
            }
            ValueDef::Result { instr, index: 0 }
                if matches!(ev.func.body.get(*instr).map(|i| &i.op), Some(Op::Select)) =>
            {
                match ev.values.operands(*instr) {
                    [a, b, c] => (vec![*a, *b], Some(*c)),
                    _ => return false,
                }
            }
            _ => return false,
        };
        let Some(k) = arms.iter().find_map(|a| ev.constant(*a).filter(|c| (MIN_CAP..=MAX_CAP).contains(c)))
        else {
            return false;
        };
        let others: Vec<ValueId> = arms.iter().copied().filter(|a| ev.constant(*a).is_none()).collect();
        let compared = |x: ValueId| self.caps.of(ev, x).iter().any(|(_, c)| c.abs_diff(k) <= 1);
        match cond {
            // select(x, C, x < C): the condition compares an arm with the constant.
            Some(c) => {
                let ValueDef::Result { instr, .. } = ev.values.def(strip(ev, c)) else { return false };
                self.caps.by_instr.get(instr).is_some_and(|c| c.abs_diff(k) <= 1)
            }
            None => !others.is_empty() && others.iter().all(|o| compared(*o)),
        }
    }

    /// Whether `v` is at most a constant above where the loop's counter starts: a cap constant,
    /// a capped value, `init + capped` for `init` an initial value of a counter (`inits`), a
    /// saturating add of those, or the smaller of two values one of which is (`for i in
    /// start..min(len, start + min(limit, MAX))`).
    fn bounded_arm(&self, v: ValueId, inits: &[ValueId], at: usize, depth: u32) -> bool {
        let ev = self.ev;
        if depth > 4 {
            return false;
        }
        if ev.constant(v).is_some_and(|c| (0..=MAX_CAP).contains(&c))
            || self.capped_before(v, at)
            || self.is_min(v)
        {
            return true;
        }
        let ValueDef::Result { instr, index: 0 } = ev.values.def(strip(ev, v)) else { return false };
        let ops = ev.values.operands(*instr);
        match (ev.func.body.get(*instr).map(|i| &i.op), ops) {
            (Some(Op::Binary(_, BinOp::Add)), [a, b]) => {
                let init = |x: ValueId| inits.iter().any(|i| same_value(ev, *i, x));
                (init(*a) && self.bounded_arm(*b, inits, at, depth + 1))
                    || (init(*b) && self.bounded_arm(*a, inits, at, depth + 1))
            }
            (Some(Op::Select), [a, b, _]) => {
                // A saturating add: select(MAX, x + y, overflowed) is at most x + y or MAX.
                let saturating = |k: &ValueId, x: &ValueId| {
                    ev.constant(*k).is_some_and(|c| c == -1 || c == i64::from(u32::MAX))
                        && self.bounded_arm(*x, inits, at, depth + 1)
                };
                saturating(a, b)
                    || saturating(b, a)
                    || (self.is_min_of(v).is_some()
                        && (self.bounded_arm(*a, inits, at, depth + 1)
                            || self.bounded_arm(*b, inits, at, depth + 1)))
            }
            _ => false,
        }
    }

    /// The two arms when `v` is `select(a, b, a < b)` (or the same with `<=`, or `b > a`): the
    /// smaller of them.
    fn is_min_of(&self, v: ValueId) -> Option<(ValueId, ValueId)> {
        let ev = self.ev;
        let ValueDef::Result { instr, index: 0 } = ev.values.def(strip(ev, v)) else { return None };
        let Some(Op::Select) = ev.func.body.get(*instr).map(|i| &i.op) else { return None };
        let [a, b, c] = ev.values.operands(*instr) else { return None };
        let ValueDef::Result { instr: ci, index: 0 } = ev.values.def(strip(ev, *c)) else { return None };
        let Some(Op::Compare(_, op)) = ev.func.body.get(*ci).map(|i| &i.op) else { return None };
        let [x, y] = ev.values.operands(*ci) else { return None };
        let less = matches!(op, CmpOp::LtS | CmpOp::LtU | CmpOp::LeS | CmpOp::LeU);
        let greater = matches!(op, CmpOp::GtS | CmpOp::GtU | CmpOp::GeS | CmpOp::GeU);
        let (ax, by) = (same_value(ev, *a, *x), same_value(ev, *b, *y));
        let (ay, bx) = (same_value(ev, *a, *y), same_value(ev, *b, *x));
        let min = (less && ax && by) || (greater && ay && bx);
        min.then_some((*a, *b))
    }

    fn labels_of(&self, v: ValueId) -> u32 {
        self.taint.map(|t| t.value(v).labels).unwrap_or(0) & (STORAGE | INPUT)
    }
}

/// Traces `cond` (in `f`, for the loop whose `loop` instruction is `loop_instr` and body `body`)
/// back to its sources.
#[allow(clippy::too_many_arguments)]
fn trace(
    f: &Func<'_, '_>,
    cond: ValueId,
    loop_instr: usize,
    inits: &[ValueId],
    in_body: &dyn Fn(usize) -> bool,
    caps: &mut CapCache,
    budget: &mut Budget,
) -> Trace {
    let ev = f.ev;
    let body = &ev.func.body;
    let mut t = Trace::default();
    let mut seen = BTreeSet::new();
    // Each value with whether it is used as a magnitude (an operand of an ordering comparison or
    // of arithmetic), where a narrow value bounds the loop; a flag or tag tested for zero does not.
    let mut work = vec![(cond, false)];
    while let Some((v, magnitude)) = work.pop() {
        if seen.len() >= MAX_WALK || !budget.step(1) {
            t.unknown = true;
            break;
        }
        if !seen.insert(v) || ev.constant(v).is_some() {
            continue;
        }
        if v != cond && (f.capped_before(v, loop_instr) || f.is_min(v)) {
            continue;
        }
        if v != cond && f.bounded_arm(v, inits, loop_instr, 0) && !is_counter(ev, v, loop_instr) {
            continue;
        }
        match ev.values.def(v) {
            ValueDef::Const(_) | ValueDef::Zero => {}
            ValueDef::Phi { instr, operands } => {
                if matches!(body.get(*instr).map(|i| &i.op), Some(Op::Loop(_))) && in_body(*instr) {
                    t.varies = true;
                }
                work.extend(operands.iter().map(|o| (*o, magnitude)));
            }
            ValueDef::Result { instr, .. } => {
                let instr = *instr;
                let op = body.get(instr).map(|i| &i.op);
                // Operands of an ordering comparison are magnitudes; arithmetic that cannot
                // make a narrow operand wide (`+`, `-`, `&`, `>>`, `/`, `%`) keeps the use, and
                // operations that combine narrow parts into a wide value (`<<`, `|`, `^`, `*`: a
                // LEB128 length assembled from masked bytes) end it.
                let ordering = match op {
                    Some(Op::Compare(_, c)) => !matches!(c, CmpOp::Eq | CmpOp::Ne),
                    Some(Op::Binary(_, b)) => {
                        magnitude
                            && !matches!(
                                b,
                                BinOp::Shl | BinOp::Or | BinOp::Xor | BinOp::Mul | BinOp::Rotl | BinOp::Rotr
                            )
                    }
                    _ => magnitude,
                };
                let operands = ev.values.operands(instr).iter().map(|o| (*o, ordering));
                match op {
                    // A value masked or reduced by a small constant is bounded by it.
                    Some(Op::Binary(_, BinOp::And | BinOp::RemU))
                        if magnitude
                            && ev.values.operands(instr).iter().any(|o| {
                                ev.constant(*o).is_some_and(|c| (MIN_CAP..=MAX_CAP).contains(&c))
                            }) => {}
                    Some(Op::Binary(..) | Op::Compare(..)) => work.extend(operands),
                    Some(Op::Unary(..) | Op::Convert(_)) => {
                        work.extend(ev.values.operands(instr).iter().map(|o| (*o, magnitude)));
                    }
                    // A one-byte field (a stored count kept as `uint8_t`) is at most 255.
                    Some(Op::Load { kind, .. }) if magnitude && kind.bytes == 1 => {}
                    Some(Op::Select) => {
                        work.extend(ev.values.operands(instr).iter().take(2).map(|o| (*o, magnitude)));
                    }
                    Some(Op::Load { .. }) => {
                        t.varies |= in_body(instr);
                        t.reads_in_body |= in_body(instr);
                        let mut labels = f.labels_of(v);
                        // A load from the buffer a storage host call returned (CosmWasm `db_next`
                        // hands back a region of the next entry).
                        if let Some(Base::Value(b)) = ev.mem_address(instr).map(|a| a.base) {
                            if let Some(h) = storage_host_result(f, b) {
                                labels |= STORAGE;
                                t.note_host(h, in_body(instr));
                            }
                        }
                        t.labels |= labels;
                        t.unknown |= labels == 0;
                    }
                    Some(Op::Call(_) | Op::CallIndirect { .. }) => {
                        t.varies |= in_body(instr);
                        t.reads_in_body |= in_body(instr);
                        let mut labels = f.labels_of(v);
                        if let Some(h) = storage_host_result(f, v) {
                            labels |= STORAGE;
                            t.note_host(h, in_body(instr));
                        }
                        t.labels |= labels;
                        t.unknown |= labels == 0;
                    }
                    _ => t.unknown = true,
                }
            }
            ValueDef::Param(p) => {
                let labels = f.labels_of(v);
                if labels != 0 {
                    t.labels |= labels;
                } else {
                    let (labels, unknown) = resolve_param(f, *p, caps);
                    t.labels |= labels;
                    t.unknown |= unknown;
                }
            }
            ValueDef::GlobalAfterCall { instr, .. } => {
                t.varies |= in_body(*instr);
                t.unknown = true;
            }
            ValueDef::GlobalEntry(_) | ValueDef::Unknown => t.unknown = true,
        }
    }
    t
}

/// Whether `v` is one of the phis of the loop at `loop_instr` (a counter itself is never a
/// bound).
fn is_counter(ev: &Evaluator<'_>, v: ValueId, loop_instr: usize) -> bool {
    matches!(ev.values.def(v), ValueDef::Phi { instr, .. } if *instr == loop_instr)
}

/// Whether `v` is computed by an instruction inside the loop body.
fn defined_in(ev: &Evaluator<'_>, v: ValueId, in_body: &dyn Fn(usize) -> bool) -> bool {
    match ev.values.def(v) {
        ValueDef::Result { instr, .. } | ValueDef::GlobalAfterCall { instr, .. } => in_body(*instr),
        ValueDef::Phi { instr, .. } => in_body(*instr),
        _ => false,
    }
}

/// The storage host function whose call produced `v`, if one did.
fn storage_host_result(f: &Func<'_, '_>, v: ValueId) -> Option<u32> {
    let ValueDef::Result { instr, index: 0 } = f.ev.values.def(strip(f.ev, v)) else { return None };
    let Some(Op::Call(c)) = f.ev.func.body.get(*instr).map(|i| &i.op) else { return None };
    f.cx.host_has(*c, Effect::StorageRead).then_some(*c)
}

/// What parameter `p` of `f` carries at its direct call sites: the arguments' labels, and whether
/// one is of unknown origin (constants and capped arguments are neither).
fn resolve_param(f: &Func<'_, '_>, p: u32, caps: &mut CapCache) -> (u32, bool) {
    let cx = f.cx;
    let callers: Vec<_> =
        cx.program.calls.callers(f.func).into_iter().filter(|(_, s)| !s.indirect).take(MAX_CALLERS).collect();
    if callers.is_empty() {
        return (0, true);
    }
    let mut labels = 0;
    let mut unknown = false;
    for (caller, site) in callers {
        let (Some(values), Some(ev), Some(cfg)) =
            (cx.program.values(caller), cx.evaluator(caller), cx.program.cfg(caller))
        else {
            unknown = true;
            continue;
        };
        let Some(&arg) = values.operands(site.instr).get(p as usize) else {
            unknown = true;
            continue;
        };
        if ev.constant(arg).is_some() {
            continue;
        }
        let g = Func {
            cx,
            func: caller,
            ev,
            cfg,
            taint: cx.dataflow().funcs.get(caller as usize),
            caps: caps.of(cx, caller),
        };
        if g.capped_before(arg, site.instr) || g.is_min(arg) {
            continue;
        }
        let l = g.labels_of(arg);
        labels |= l;
        unknown |= l == 0;
    }
    (labels, unknown)
}

/// Back edges of `cfg`, grouped by header (a block starting with a `loop` instruction that
/// dominates the edge's source).
fn back_edges(
    cfg: &Cfg,
    body: &[wasmaudit_front::Instr],
    budget: &mut Budget,
) -> BTreeMap<BlockId, Vec<BlockId>> {
    let mut out: BTreeMap<BlockId, Vec<BlockId>> = BTreeMap::new();
    for (b, _) in cfg.blocks() {
        if !cfg.is_reachable(b) {
            continue;
        }
        for (s, _) in cfg.successors(b) {
            let start = cfg.graph[s].start;
            let is_header =
                matches!(body.get(start).map(|i| &i.op), Some(Op::Loop(_))) && cfg.block_of(start) == Some(s);
            if is_header && budget.step(1) && cfg.block_dominates(s, b) {
                out.entry(s).or_default().push(b);
            }
        }
    }
    out
}

/// Blocks of the natural loop of `header` with back edges from `latches`.
fn natural_loop(cfg: &Cfg, header: BlockId, latches: &[BlockId], budget: &mut Budget) -> Option<Vec<bool>> {
    if !budget.step(cfg.num_blocks() as u64 / 8 + 1) {
        return None;
    }
    let mut in_loop = vec![false; cfg.num_blocks()];
    *in_loop.get_mut(header.index())? = true;
    let mut stack = latches.to_vec();
    while let Some(b) = stack.pop() {
        match in_loop.get_mut(b.index()) {
            Some(x) if !*x => *x = true,
            _ => continue,
        }
        if !budget.step(1) {
            return None;
        }
        stack.extend(cfg.predecessors(b).map(|(p, _)| p).filter(|p| cfg.is_reachable(*p)));
    }
    Some(in_loop)
}

fn is_branch(op: &Op) -> bool {
    matches!(op, Op::BrIf(_) | Op::If(_) | Op::BrTable { .. })
}

fn analyze_function(
    cx: &Context<'_>,
    func: u32,
    effects: &[Effects],
    methods: &DispatchEffects,
    caps: &mut CapCache,
    budget: &mut Budget,
) -> Vec<Loop> {
    let (Some(fun), Some(values), Some(ev), Some(cfg)) =
        (cx.module.function(func), cx.program.values(func), cx.evaluator(func), cx.program.cfg(func))
    else {
        return Vec::new();
    };
    let body = fun.body.as_slice();
    let f =
        Func { cx, func, ev, cfg, taint: cx.dataflow().funcs.get(func as usize), caps: caps.of(cx, func) };
    let mut out = Vec::new();
    let edges = back_edges(cfg, body, budget);
    if edges.is_empty() {
        return out;
    }
    // Operands of the phis at each `loop` instruction.
    let mut header_phis: BTreeMap<usize, Vec<ValueId>> = BTreeMap::new();
    for d in &values.defs {
        if let ValueDef::Phi { instr, operands } = d {
            if matches!(body.get(*instr).map(|i| &i.op), Some(Op::Loop(_))) {
                header_phis.entry(*instr).or_default().extend(operands.iter().copied());
            }
        }
    }
    if !budget.step(values.defs.len() as u64 / 8 + 1) {
        return out;
    }
    for (header, latches) in edges {
        let Some(in_loop) = natural_loop(cfg, header, &latches, budget) else { break };
        let blocks: Vec<BlockId> =
            in_loop.iter().enumerate().filter(|(_, x)| **x).map(|(i, _)| BlockId::new(i)).collect();
        let instr = cfg.graph[header].start;
        // What one iteration does.
        let mut effects_here = BodyEffects::default();
        for &b in &blocks {
            let block = &cfg.graph[b];
            for i in block.start..block.end {
                if let Some(ins) = body.get(i) {
                    let e = call_effects(cx, func, i, &ins.op, effects, methods);
                    if !e.is_empty() {
                        effects_here.add(e, i);
                    }
                }
            }
            if !budget.step((block.end - block.start) as u64) {
                break;
            }
        }
        if effects_here.effects.is_empty() {
            continue;
        }
        // What decides each exit.
        let in_body =
            |i: usize| cfg.block_of(i).is_some_and(|b| in_loop.get(b.index()).copied().unwrap_or(false));
        let mut branches: BTreeSet<usize> = BTreeSet::new();
        for &b in &blocks {
            if !cfg.successors(b).any(|(s, _)| {
                !in_loop.get(s.index()).copied().unwrap_or(false) && !cx.guards().traps(func, s)
            }) {
                continue;
            }
            if let Some(br) = deciding_branch(cfg, body, b, &in_loop) {
                branches.insert(br);
            }
        }
        // Where the loop's counters start: the incoming values of its header's phis.
        let inits: Vec<ValueId> = header_phis
            .get(&instr)
            .into_iter()
            .flatten()
            .copied()
            .filter(|o| !defined_in(ev, *o, &in_body))
            .collect();
        let mut exits = Vec::new();
        for br in branches {
            let cond = values.operands(br).last().copied();
            let (bound, varies, opaque_counter) = match cond {
                Some(c) => {
                    let t = trace(&f, c, instr, &inits, &in_body, caps, budget);
                    (t.bound(), t.varies, t.opaque_counter())
                }
                None => (Bound::Unknown, false, false),
            };
            exits.push(Exit { instr: br, cond, bound, varies, opaque_counter });
        }
        let bound = loop_bound(&exits);
        out.push(Loop { func, header, instr, blocks, exits, bound, body: effects_here });
    }
    out.sort_by_key(|l| l.instr);
    out
}

/// The branch that decides leaving the loop from block `b`: its own last instruction when that is
/// a conditional branch, else that of the nearest dominator inside the loop that ends in one.
fn deciding_branch(
    cfg: &Cfg,
    body: &[wasmaudit_front::Instr],
    b: BlockId,
    in_loop: &[bool],
) -> Option<usize> {
    let mut cur = b;
    for _ in 0..64 {
        let block = &cfg.graph[cur];
        let last = block.end.checked_sub(1)?;
        if block.end > block.start && body.get(last).is_some_and(|i| is_branch(&i.op)) {
            return Some(last);
        }
        cur = cfg.immediate_dominator(cur)?;
        if !in_loop.get(cur.index()).copied().unwrap_or(false) {
            return None;
        }
    }
    None
}

/// A loop's bound from its exits' (see the module docs).
fn loop_bound(exits: &[Exit]) -> Bound {
    let varying: Vec<Bound> = exits.iter().filter(|e| e.varies).map(|e| e.bound).collect();
    if varying.is_empty() {
        return Bound::Unknown;
    }
    if varying.contains(&Bound::Capped) {
        return Bound::Capped;
    }
    if varying.contains(&Bound::Input) {
        return Bound::Input;
    }
    if exits.iter().any(|e| e.varies && e.opaque_counter) {
        return Bound::Unknown;
    }
    let direct = varying.iter().find(|b| matches!(b, Bound::Storage { host: Some(_) }));
    let any = varying.iter().find(|b| matches!(b, Bound::Storage { .. }));
    direct.or(any).copied().unwrap_or(Bound::Unknown)
}

/// Cycles of direct calls among reachable functions that have storage or call effects, with the
/// call closing each cycle and the conditions that decide whether it is made.
fn recursion(
    cx: &Context<'_>,
    effects: &[Effects],
    reachable: &[bool],
    caps: &mut CapCache,
    budget: &mut Budget,
) -> Vec<Recursion> {
    let live = |f: u32| {
        reachable.get(f as usize).copied().unwrap_or(false)
            && effects.get(f as usize).is_some_and(|e| !e.is_empty())
            && cx.host_fn(f).is_none()
    };
    // Direct-call graph over the live functions.
    let mut g: petgraph::graph::DiGraph<u32, usize, u32> = petgraph::graph::DiGraph::default();
    let mut node: BTreeMap<u32, petgraph::graph::NodeIndex<u32>> = BTreeMap::new();
    for f in cx.module.functions.iter().filter(|f| live(f.index)) {
        node.insert(f.index, g.add_node(f.index));
    }
    for (&f, &n) in &node {
        for (instr, callee) in cx.direct_calls(f) {
            if let Some(&m) = node.get(&callee) {
                g.add_edge(n, m, instr);
            }
        }
        if !budget.step(1) {
            return Vec::new();
        }
    }
    let mut out = Vec::new();
    for scc in petgraph::algo::kosaraju_scc(&g) {
        let mut funcs: Vec<u32> = scc.iter().map(|n| g[*n]).collect();
        funcs.sort_unstable();
        let members: BTreeSet<u32> = funcs.iter().copied().collect();
        let calls: Vec<(u32, usize)> = funcs
            .iter()
            .flat_map(|&f| cx.direct_calls(f).filter(|(_, c)| members.contains(c)).map(move |(i, _)| (f, i)))
            .collect();
        let Some(&call) = calls.first() else { continue };
        let e = funcs
            .iter()
            .fold(Effects::NONE, |acc, f| acc.union(effects.get(*f as usize).copied().unwrap_or_default()));
        let bound = recursion_bound(cx, &calls, caps, budget);
        out.push(Recursion { funcs, call, bound, effects: e });
    }
    out.sort_by_key(|r| r.call);
    out
}

/// What decides whether the cycle's calls are made: the conditions of the branches each call is
/// control dependent on, traced as loop exits are (a parameter counts as varying: each round
/// passes new arguments).
fn recursion_bound(
    cx: &Context<'_>,
    calls: &[(u32, usize)],
    caps: &mut CapCache,
    budget: &mut Budget,
) -> Bound {
    let mut exits = Vec::new();
    for &(func, instr) in calls {
        let (Some(fun), Some(values), Some(ev), Some(cfg)) =
            (cx.module.function(func), cx.program.values(func), cx.evaluator(func), cx.program.cfg(func))
        else {
            continue;
        };
        let Some(cb) = cfg.block_of(instr) else { continue };
        let f = Func {
            cx,
            func,
            ev,
            cfg,
            taint: cx.dataflow().funcs.get(func as usize),
            caps: caps.of(cx, func),
        };
        for d in cfg.dominators_of(cb) {
            let block = &cfg.graph[d];
            let Some(last) = block.end.checked_sub(1) else { continue };
            if !fun.body.get(last).is_some_and(|i| is_branch(&i.op)) {
                continue;
            }
            // Control dependent: some side of the branch cannot reach the call.
            if !budget.step(cfg.num_blocks() as u64) {
                break;
            }
            if !cfg.successors(d).any(|(s, _)| !cfg.reaches(s, cb)) {
                continue;
            }
            let Some(&c) = values.operands(last).last() else { continue };
            let t = trace(&f, c, instr, &[], &|_| true, caps, budget);
            exits.push(Exit {
                instr: last,
                cond: Some(c),
                bound: t.bound(),
                varies: true,
                opaque_counter: false,
            });
        }
    }
    if exits.is_empty() {
        return Bound::Unknown;
    }
    loop_bound(&exits)
}
