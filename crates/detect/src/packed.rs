//! What a buffer handed to a host call carries, through the packing that fills it.
//!
//! Contracts rarely pass a host call the values they computed: they serialize them first. An
//! EOSIO `action::send` packs the `action` object into a heap vector through a `datastream` (a
//! struct of pointers into the buffer), after packing the action's arguments the same way; a
//! multi-index `emplace`/`modify` packs the row into a stack buffer before `db_store_i64` /
//! `db_update_i64`. The taint analysis does not follow writes through pointers loaded from
//! memory, so the packed buffer itself would carry nothing. [`buffer_labels`] follows the
//! packing instead: in a function, a call *fills* a buffer when the buffer's pointer is among
//! the pointers reachable from its arguments (stored in or loaded from the objects they point
//! to), and then everything reachable from its arguments is packed too; pointer parameters
//! among them are followed into the callers. Packed fields count with the taint of the values
//! they were computed from and the sources read by the functions whose results they come from
//! (a row returned by a table lookup).
//!
//! Shared by `rollback` (what an inline action sends) and `missing-authorization` (whether a
//! table write stores the caller's data). For the latter, [`row_labels`] climbs narrowly: in a
//! caller, the call the way came up through counts only with the arguments its callee packed,
//! so the key a callee looked its row up by is not taken for data written into the row.

use crate::taint::{host_labels, label, Taint};
use crate::Context;
use std::collections::{BTreeMap, BTreeSet};
use wasmaudit_flow::{Addr, Base, ValueDef, ValueId};
use wasmaudit_front::Op;
use wasmaudit_platform::Effect;

/// Call depth followed up to the callers.
const MAX_DEPTH: usize = 8;
/// Bytes of a buffer whose taint counts as its contents.
const PAYLOAD: i64 = 64;
/// Values a backward slice of a packed field may visit.
const MAX_SLICE: usize = 256;

/// Per function (by index): the labels of the host sources it reads, itself or through its
/// callees, with `crypto` for a hash. Computed once per module.
pub fn source_reads(cx: &Context<'_>) -> std::rc::Rc<SourceReads> {
    cx.memo(|cx| SourceReads(compute_reads(cx)))
}

/// [`source_reads`]: labels per function index.
pub struct SourceReads(pub Vec<u32>);

/// Labels of what the buffer passed as argument `arg` of the call at `instr` in `func` carries:
/// the pointer's own taint, the taint of the packed contents and what the values packed into it
/// were computed from, with parameter references followed up the callers.
pub fn buffer_labels(cx: &Context<'_>, func: u32, instr: usize, arg: u32) -> u32 {
    labels_of_buffer(cx, func, instr, arg, false)
}

/// [`buffer_labels`] for a row a table write stores, counting only what the functions on the
/// way up packed: a call the way comes up through contributes the arguments its callee packs
/// (the memory behind some, the values of others), not every argument it passes. A row that a
/// callee looked up by a key its caller passed and then updated from stored state and the
/// clock (`modify(find(id), ...)`) does not carry the key as data: the row already had it.
pub fn row_labels(cx: &Context<'_>, func: u32, instr: usize, arg: u32) -> u32 {
    labels_of_buffer(cx, func, instr, arg, true)
}

fn labels_of_buffer(cx: &Context<'_>, func: u32, instr: usize, arg: u32, narrow: bool) -> u32 {
    let reads = source_reads(cx);
    let (Some(values), Some(ft)) = (cx.program.values(func), cx.dataflow().funcs.get(func as usize)) else {
        return 0;
    };
    let Some(&ptr) = values.operands(instr).get(arg as usize) else { return 0 };
    // The pointer's own taint counts: the buffer is a heap vector whose pointer was read from the
    // object that packing filled from the arguments.
    let mut t = ft.value(ptr);
    t.param_mem = 0;
    resolve(cx, func, t, &mut BTreeSet::new(), 0)
        | packed_labels(cx, &reads.0, func, (&[ptr], &[]), Some(instr), narrow, &mut BTreeSet::new(), 0)
}

/// The labels of `t`, a taint in `func`, with "whatever argument i (or the memory it points to)
/// carries" replaced by what the callers pass, recursively up the call graph.
pub fn resolve(cx: &Context<'_>, func: u32, t: Taint, seen: &mut BTreeSet<u32>, depth: usize) -> u32 {
    let mut labels = t.labels;
    if t.params | t.param_mem == 0 || depth >= MAX_DEPTH || !seen.insert(func) {
        return labels;
    }
    for (caller, site) in cx.program.calls.callers(func) {
        let (Some(values), Some(ft)) = (cx.program.values(caller), cx.dataflow().funcs.get(caller as usize))
        else {
            continue;
        };
        let ops = values.operands(site.instr);
        let args = if site.indirect { &ops[..ops.len().saturating_sub(1)] } else { ops };
        let mut at = Taint::default();
        for (i, a) in args.iter().enumerate().take(64) {
            if t.params & (1 << i) != 0 {
                at.join(ft.value(*a));
            }
            if t.param_mem & (1 << i) != 0 {
                let len = cx.dataflow().param_read_len(std::slice::from_ref(&func), i, PAYLOAD);
                at.join(cx.dataflow().memory(cx, caller, *a, len));
            }
        }
        labels |= resolve(cx, caller, at, seen, depth + 1);
    }
    labels
}

/// Per function: the labels of the sources it reads, itself or through its callees (every host
/// label, and `crypto` for a hash).
fn compute_reads(cx: &Context<'_>) -> Vec<u32> {
    let n = cx.module.functions.len();
    let mut reads: Vec<u32> = (0..n as u32)
        .map(|f| {
            cx.host_fn(f).map_or(0, |h| {
                let mut l = host_labels(h);
                if h.has(Effect::Crypto) {
                    l |= label(Effect::Crypto);
                }
                l
            })
        })
        .collect();
    for _ in 0..n.min(64) {
        let mut changed = false;
        for f in cx.module.functions.iter().filter(|f| !f.is_import()) {
            let mut l = reads[f.index as usize];
            for (_, targets) in cx.program.calls.call_sites(f.index) {
                for t in targets {
                    l |= reads.get(*t as usize).copied().unwrap_or(0);
                }
            }
            if l != reads[f.index as usize] {
                reads[f.index as usize] = l;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    reads
}

/// Labels of the data packed into the buffers `roots.0` point to in `func` (and of the values
/// `roots.1`, packed by a callee), with the callers' arguments for the parameters among them.
/// `narrow`: in a caller, the call the way came up through packs only what its callee packed of
/// its parameters ([`row_labels`]); otherwise it is taken with all its arguments.
#[allow(clippy::too_many_arguments)]
fn packed_labels(
    cx: &Context<'_>,
    reads: &[u32],
    func: u32,
    roots: (&[ValueId], &[ValueId]),
    send: Option<usize>,
    narrow: bool,
    seen: &mut BTreeSet<u32>,
    depth: usize,
) -> u32 {
    let Some(packing) = Packing::new(cx, func) else { return 0 };
    let (labels, params, by_value) = packing.trace(cx, reads, roots, send, narrow);
    if params | by_value == 0 || depth >= MAX_DEPTH || !seen.insert(func) {
        return labels;
    }
    let mut out = labels;
    for (caller, site) in cx.program.calls.callers(func) {
        let Some(values) = cx.program.values(caller) else { continue };
        let ops = values.operands(site.instr);
        let args = if site.indirect { &ops[..ops.len().saturating_sub(1)] } else { ops };
        let pick = |bits: u64| -> Vec<ValueId> {
            args.iter()
                .enumerate()
                .filter(|(i, _)| *i < 64 && bits & (1 << i) != 0)
                .map(|(_, a)| *a)
                .collect()
        };
        // Narrow: the call the way came up through packs what the callee packed of its
        // parameters, the memory behind `params` and the values of `by_value` (none otherwise).
        // Its other arguments reached the callee as values it did not pack (the key a row was
        // looked up by), so that call is not taken for one that fills the buffer with all of them.
        let (pointers, packed) = (pick(params), pick(by_value));
        if !pointers.is_empty() || !packed.is_empty() {
            let send = narrow.then_some(site.instr);
            out |= packed_labels(cx, reads, caller, (&pointers, &packed), send, narrow, seen, depth + 1);
        }
    }
    out
}

/// Where a memory location is, with pointers loaded from the same slot identified: two loads
/// of the vector pointer in an `action` object name the same buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Loc {
    Base(Base),
    Loaded(Base, i64),
}

type Key = (Loc, i64);

/// How an EOSIO action gets packed, in one function: `action::send` serializes the `action`
/// object into a heap vector through a `datastream` (a struct of pointers into the buffer), and
/// the action data was serialized the same way from a tuple of the arguments before. The taint
/// analysis does not follow writes through pointers loaded from memory, so the packed buffer
/// would carry nothing; here a call *fills* a buffer when the buffer's pointer is among the
/// pointers reachable from its arguments (stored in or loaded from the objects they point to),
/// and then everything reachable from its arguments is packed too.
struct Packing<'a> {
    func: u32,
    values: &'a wasmaudit_flow::FunctionValues,
    ev: &'a wasmaudit_flow::Evaluator<'a>,
    body: &'a [wasmaudit_front::Instr],
    /// What the function's stores, loads and calls point to: computed once per function.
    facts: std::rc::Rc<Facts>,
}

/// The memory facts of one function [`Packing`] works from (independent of the way asked).
#[derive(Default)]
struct Facts {
    /// Pointer-sized values stored at and loaded from each location.
    pointers: BTreeMap<Key, Vec<ValueId>>,
    /// Values of any width stored at each location.
    stored: BTreeMap<Key, Vec<ValueId>>,
    /// Each call site with its arguments and, unless they would hold more than
    /// [`MAX_CACHED_REACH`] entries in all, the locations and values they reach.
    calls: Vec<CallReach>,
}

/// A call site, its arguments, and what they reach when cached.
type CallReach = (usize, Vec<ValueId>, Option<(BTreeSet<Key>, BTreeSet<ValueId>)>);

/// Entries (locations and values) the reach sets of one function's calls may keep between ways:
/// past it they are recomputed when needed, so memory stays linear in the function's size.
const MAX_CACHED_REACH: usize = 1 << 16;

/// [`Facts`] by function, for the ways of one module.
#[derive(Default)]
struct FactsCache(std::cell::RefCell<BTreeMap<u32, std::rc::Rc<Facts>>>);

/// Bytes of an object searched for the pointers it holds (an `action`: two names and two vectors).
const OBJECT: i64 = 40;
/// Levels of pointers followed from a value.
const POINTER_DEPTH: usize = 3;
/// Locations a trace may collect.
const MAX_KEYS: usize = 512;

impl<'a> Packing<'a> {
    fn new(cx: &'a Context<'_>, func: u32) -> Option<Packing<'a>> {
        let f = cx.module.function(func).filter(|f| !f.is_import())?;
        let (values, ev) = (cx.program.values(func)?, cx.evaluator(func)?);
        let cache = cx.memo(|_| FactsCache::default());
        let cached = cache.0.borrow().get(&func).cloned();
        if let Some(facts) = cached {
            return Some(Packing { func, values, ev, body: &f.body, facts });
        }
        let mut p = Packing { func, values, ev, body: &f.body, facts: std::rc::Rc::new(Facts::default()) };
        let mut facts = Facts::default();
        for (i, ins) in f.body.iter().enumerate() {
            if let (Op::Store { .. }, Some(&v), Some(addr)) =
                (&ins.op, values.operands(i).get(1), ev.mem_address(i))
            {
                let k = p.canon(addr);
                facts.stored.entry(k).or_default().push(v);
            }
            let v = match ins.op {
                Op::Load { kind, .. } if kind.bytes == 4 => values.results(i).first(),
                Op::Store { kind, .. } if kind.bytes == 4 => values.operands(i).get(1),
                _ => None,
            };
            if let (Some(&v), Some(addr)) = (v, ev.mem_address(i)) {
                let k = p.canon(addr);
                facts.pointers.entry(k).or_default().push(v);
            }
        }
        p.facts = std::rc::Rc::new(facts);
        // What each call's arguments reach, with the pointer facts in place (within a budget).
        let mut kept = 0usize;
        let calls: Vec<CallReach> = cx
            .program
            .calls
            .call_sites(func)
            .iter()
            .map(|(i, _)| {
                let ops = values.operands(*i);
                let indirect = matches!(f.body.get(*i).map(|x| &x.op), Some(Op::CallIndirect { .. }));
                let args = if indirect { &ops[..ops.len().saturating_sub(1)] } else { ops };
                let reach = (kept <= MAX_CACHED_REACH).then(|| p.reach_all(args)).filter(|(ck, cv)| {
                    kept = kept.saturating_add(ck.len() + cv.len());
                    kept <= MAX_CACHED_REACH
                });
                (*i, args.to_vec(), reach)
            })
            .collect();
        // The only reference yet: the calls complete the facts in place.
        if let Some(facts) = std::rc::Rc::get_mut(&mut p.facts) {
            facts.calls = calls;
        }
        cache.0.borrow_mut().insert(func, p.facts.clone());
        Some(p)
    }

    /// The locations and values reachable from the pointers `args`.
    fn reach_all(&self, args: &[ValueId]) -> (BTreeSet<Key>, BTreeSet<ValueId>) {
        let (mut ck, mut cv) = (BTreeSet::new(), BTreeSet::new());
        for a in args {
            self.reach(*a, &mut ck, &mut cv, 0);
        }
        (ck, cv)
    }

    fn canon(&self, addr: Addr) -> Key {
        if let Base::Value(w) = addr.base {
            if let ValueDef::Result { instr, index: 0 } = self.values.def(w) {
                if matches!(self.body.get(*instr).map(|i| &i.op), Some(Op::Load { .. })) {
                    if let Some(a) = self.ev.mem_address(*instr) {
                        return (Loc::Loaded(a.base, a.offset), addr.offset);
                    }
                }
            }
        }
        (Loc::Base(addr.base), addr.offset)
    }

    /// The locations and values reachable from pointer `v`.
    fn reach(&self, v: ValueId, keys: &mut BTreeSet<Key>, vals: &mut BTreeSet<ValueId>, depth: usize) {
        let k = self.canon(self.ev.address(v, 0));
        let fresh = vals.insert(v);
        if !keys.insert(k) && !fresh || depth >= POINTER_DEPTH || keys.len() > MAX_KEYS {
            return;
        }
        let inner: Vec<ValueId> = self
            .facts
            .pointers
            .range(k..(k.0, k.1.saturating_add(OBJECT)))
            .flat_map(|(_, vs)| vs.iter().copied())
            .collect();
        for w in inner {
            self.reach(w, keys, vals, depth + 1);
        }
    }

    /// Labels of what is packed into the buffers `roots.0` point to (and of the values
    /// `roots.1`), the pointer parameters whose memory is packed and the parameters whose values
    /// are (when `narrow`, see [`packed_labels`]; none otherwise).
    fn trace(
        &self,
        cx: &Context<'_>,
        reads: &[u32],
        roots: (&[ValueId], &[ValueId]),
        send: Option<usize>,
        narrow: bool,
    ) -> (u32, u64, u64) {
        let (mut keys, mut vals) = (BTreeSet::new(), BTreeSet::new());
        for r in roots.0 {
            self.reach(*r, &mut keys, &mut vals, 0);
        }
        let calls: Vec<&CallReach> = self.facts.calls.iter().filter(|(i, _, _)| Some(*i) != send).collect();
        let mut taken = vec![false; calls.len()];
        loop {
            let mut changed = false;
            for (k, (_, args, cached)) in calls.iter().enumerate() {
                if taken[k] || keys.len() > MAX_KEYS {
                    continue;
                }
                let computed;
                let (ck, cv) = match cached {
                    Some(r) => r,
                    None => {
                        computed = self.reach_all(args);
                        &computed
                    }
                };
                if ck.is_disjoint(&keys) {
                    continue;
                }
                taken[k] = true;
                changed = true;
                keys.extend(ck.iter().copied());
                vals.extend(cv.iter().copied());
            }
            if !changed {
                break;
            }
        }
        let df = cx.dataflow();
        let (mut labels, mut params, mut by_value) = (0, 0, 0);
        for v in vals {
            let t = df.memory(cx, self.func, v, PAYLOAD);
            labels |= t.labels;
            params |= t.param_mem;
            by_value |= t.params;
        }
        // What the packed fields were computed from, through the loads and calls the taint
        // analysis does not follow (a row read through a pointer a lookup returned, a table entry
        // picked by a hash).
        let mut stored: Vec<ValueId> = keys
            .iter()
            .flat_map(|k| {
                self.facts
                    .stored
                    .range(*k..(k.0, k.1.saturating_add(PAYLOAD)))
                    .flat_map(|(_, vs)| vs.iter().copied())
            })
            .collect();
        stored.extend_from_slice(roots.1);
        let (origins, from_params, from_param_mem) = self.origins(cx, reads, &stored);
        // Narrow: a packed field loaded from the memory behind a parameter packs that memory, and
        // the parameters packed by value are followed up too; otherwise only pointers are.
        if narrow {
            (labels | origins, params | from_param_mem, by_value | from_params)
        } else {
            (labels | origins, params, 0)
        }
    }

    /// Labels of the values `roots` are computed from: their taint and, back through arithmetic,
    /// merges, the addresses of loads and the results of calls, the taint of every value on the
    /// way and the sources the called functions read; with the parameters whose values, and
    /// those whose memory, they are computed from.
    fn origins(&self, cx: &Context<'_>, reads: &[u32], roots: &[ValueId]) -> (u32, u64, u64) {
        let Some(ft) = cx.dataflow().funcs.get(self.func as usize) else { return (0, 0, 0) };
        let mut seen = BTreeSet::new();
        let mut work: Vec<ValueId> = roots.to_vec();
        let (mut labels, mut params, mut param_mem) = (0, 0, 0);
        while let Some(v) = work.pop() {
            if seen.len() > MAX_SLICE || !seen.insert(v) {
                continue;
            }
            let t = ft.value(v);
            labels |= t.labels;
            params |= t.params;
            param_mem |= t.param_mem;
            match self.values.def(v) {
                ValueDef::Phi { operands, .. } => work.extend(operands.iter().copied()),
                ValueDef::Result { instr, .. } => match self.body.get(*instr).map(|i| &i.op) {
                    Some(Op::Binary(..) | Op::Unary(..) | Op::Convert(_) | Op::Select | Op::Load { .. }) => {
                        work.extend(self.values.operands(*instr).iter().copied())
                    }
                    Some(Op::Call(_) | Op::CallIndirect { .. }) => {
                        for t in cx.program.calls.targets_at(self.func, *instr) {
                            labels |= reads.get(*t as usize).copied().unwrap_or(0);
                        }
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        (labels, params, param_mem)
    }
}
