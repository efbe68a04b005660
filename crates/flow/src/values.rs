//! Value lifting: the operand stack, locals and globals of a function turned into SSA-like
//! values. Every instruction gets the values it consumes (operands, bottom of the stack first)
//! and the values it produces (results). `local.get`/`global.get` produce no new value: they push
//! the value the local or global currently holds, so def-use through locals is resolved. Joins
//! (block and `if` ends) and loop headers get phi values where incoming values differ.
//!
//! Lifting is a single structured walk, like a validator's: the control stack knows each label's
//! arity, so multi-value blocks, `br_table` and `select` need no special casing. Loop headers get
//! a phi for every local (and global) the loop body assigns, completed by the back edges.
//! Unreachable code is walked with an empty stack: missing operands are `Unknown`.

use crate::Budget;
use std::collections::{BTreeMap, BTreeSet};
use wasmaudit_front::{Function, Instr, Module, Op};

pub type ValueId = u32;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueDef {
    /// Parameter `n` at function entry.
    Param(u32),
    /// The zero a declared local starts with.
    Zero,
    /// An integer constant (`i32` constants sign-extended).
    Const(i64),
    /// A global's value when the function is entered.
    GlobalEntry(u32),
    /// Result `index` of instruction `instr` (arithmetic, loads, calls, ...).
    Result { instr: usize, index: u32 },
    /// A global after a call that may assign it.
    GlobalAfterCall { instr: usize, global: u32 },
    /// Merge of `operands` at instruction `instr` (a block/if `end`, or a `loop` header).
    Phi { instr: usize, operands: Vec<ValueId> },
    /// Nothing is known (operands missing in unreachable code, exhausted budget).
    Unknown,
}

/// The lifted values of one function.
#[derive(Debug, Default)]
pub struct FunctionValues {
    pub defs: Vec<ValueDef>,
    pool: Vec<ValueId>,
    operands: Vec<(u32, u32)>,
    results: Vec<(u32, u32)>,
    /// Whether lifting stopped early on the step budget (later instructions have no values).
    pub truncated: bool,
}

impl FunctionValues {
    #[inline]
    pub fn def(&self, v: ValueId) -> &ValueDef {
        self.defs.get(v as usize).unwrap_or(&ValueDef::Unknown)
    }

    /// Values instruction `instr` consumes, bottom of the stack first.
    #[inline]
    pub fn operands(&self, instr: usize) -> &[ValueId] {
        self.slice(self.operands.get(instr))
    }

    /// Values instruction `instr` produces.
    #[inline]
    pub fn results(&self, instr: usize) -> &[ValueId] {
        self.slice(self.results.get(instr))
    }

    #[inline]
    fn slice(&self, r: Option<&(u32, u32)>) -> &[ValueId] {
        match r {
            Some(&(start, len)) => self.pool.get(start as usize..(start + len) as usize).unwrap_or(&[]),
            None => &[],
        }
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.defs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.defs.is_empty()
    }
}

/// Facts about the module that lifting needs beyond the function itself.
pub struct LiftContext<'a> {
    pub module: &'a Module,
    /// Globals each function may assign, transitively; calls clobber those.
    pub assigned_globals: &'a [Vec<u32>],
    /// The shadow-stack pointer, which calls preserve by convention.
    pub stack_pointer: Option<u32>,
}

/// Per `loop` instruction: the locals and globals its body assigns.
type LoopSets = BTreeMap<usize, (Vec<u32>, Vec<u32>)>;

/// Values of the assigned locals and globals at one point. Every branch keeps a copy of the
/// environment, and copies share structure instead of duplicating it (a shared array copied on
/// first write, or persistent maps; see [`Locals`]).
#[derive(Clone, Default)]
struct Env {
    locals: Locals,
    globals: imbl::OrdMap<u32, ValueId>,
}

/// Locals with an index below this are kept in a copy-on-write array while every assigned local
/// is: copying it costs little more than copying a persistent map's path, and a lookup is an
/// index.
const DENSE_LOCALS: u32 = 256;
/// An unassigned slot of a dense array.
const UNSET: ValueId = ValueId::MAX;

/// Values of the assigned locals: a shared array while the indices are small, else a persistent
/// map (a function assigning thousands of locals copies only the paths it changes).
#[derive(Clone)]
enum Locals {
    Dense { vals: std::rc::Rc<Vec<ValueId>>, len: usize },
    Sparse(imbl::OrdMap<u32, ValueId>),
}

impl Default for Locals {
    fn default() -> Locals {
        Locals::Dense { vals: std::rc::Rc::new(Vec::new()), len: 0 }
    }
}

impl Locals {
    fn get(&self, i: u32) -> Option<ValueId> {
        match self {
            Locals::Dense { vals, .. } => vals.get(i as usize).copied().filter(|v| *v != UNSET),
            Locals::Sparse(m) => m.get(&i).copied(),
        }
    }

    /// Number of assigned locals.
    fn len(&self) -> usize {
        match self {
            Locals::Dense { len, .. } => *len,
            Locals::Sparse(m) => m.len(),
        }
    }

    fn keys(&self) -> Vec<u32> {
        match self {
            Locals::Dense { vals, .. } => {
                vals.iter().enumerate().filter(|(_, v)| **v != UNSET).map(|(i, _)| i as u32).collect()
            }
            Locals::Sparse(m) => m.keys().copied().collect(),
        }
    }

    fn insert(&mut self, i: u32, v: ValueId) {
        if let Locals::Dense { vals, len } = self {
            if i < DENSE_LOCALS && v != UNSET {
                let vals = std::rc::Rc::make_mut(vals);
                if vals.len() <= i as usize {
                    vals.resize(i as usize + 1, UNSET);
                }
                if let Some(slot) = vals.get_mut(i as usize) {
                    if *slot == UNSET {
                        *len += 1;
                    }
                    *slot = v;
                }
                return;
            }
            let map: imbl::OrdMap<u32, ValueId> =
                self.keys().into_iter().filter_map(|k| Some((k, self.get(k)?))).collect();
            *self = Locals::Sparse(map);
        }
        if let Locals::Sparse(m) = self {
            m.insert(i, v);
        }
    }

    /// Calls `f(local, added)` for each local whose value differs in `other` (in index order),
    /// `added` when `self` does not assign it.
    fn differences(&self, other: &Locals, mut f: impl FnMut(u32, bool)) {
        match (self, other) {
            (Locals::Dense { vals: a, .. }, Locals::Dense { vals: b, .. }) => {
                if std::rc::Rc::ptr_eq(a, b) {
                    return;
                }
                for i in 0..a.len().max(b.len()) {
                    let x = a.get(i).copied().unwrap_or(UNSET);
                    let y = b.get(i).copied().unwrap_or(UNSET);
                    if x != y {
                        f(i as u32, x == UNSET);
                    }
                }
            }
            (Locals::Sparse(a), Locals::Sparse(b)) => {
                for d in a.diff(b) {
                    match d {
                        imbl::ordmap::DiffItem::Add(k, _) => f(*k, true),
                        imbl::ordmap::DiffItem::Update { old: (k, _), .. }
                        | imbl::ordmap::DiffItem::Remove(k, _) => f(*k, false),
                    }
                }
            }
            _ => {
                let mut keys = self.keys();
                keys.extend(other.keys());
                keys.sort_unstable();
                keys.dedup();
                for k in keys {
                    let x = self.get(k);
                    if x != other.get(k) {
                        f(k, x.is_none());
                    }
                }
            }
        }
    }
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum Kind {
    Func,
    Block,
    Loop,
    If,
}

struct Frame {
    kind: Kind,
    /// Stack height below the block's parameters.
    height: usize,
    params: u32,
    results: u32,
    /// Environments and label values of branches to the end of this block.
    incoming: Vec<(Env, Vec<ValueId>)>,
    /// For loops: phis of assigned locals/globals and of the parameters, completed by back edges.
    loop_locals: Vec<(u32, ValueId)>,
    loop_globals: Vec<(u32, ValueId)>,
    loop_params: Vec<ValueId>,
    /// For `if`: the environment and parameters to start the `else` arm with.
    else_start: Option<(Env, Vec<ValueId>)>,
}

struct Lifter<'a> {
    cx: &'a LiftContext<'a>,
    out: FunctionValues,
    stack: Vec<ValueId>,
    env: Env,
    reachable: bool,
    frames: Vec<Frame>,
    params: Vec<ValueId>,
    zero: ValueId,
    unknown: ValueId,
    entry_globals: BTreeMap<u32, ValueId>,
    loop_sets: LoopSets,
    /// Work done by the current instruction beyond its one step: values created and
    /// environment entries copied or merged. Charged to the budget, so memory and time stay
    /// bounded by it even when one instruction copies a large environment (nested blocks under
    /// thousands of assigned locals, `call_indirect` clobbering thousands of globals).
    work: u64,
}

/// Lifts `func`'s body. Stops (marking the result truncated) when `budget` runs out.
pub fn lift<'a>(cx: &'a LiftContext<'a>, func: &'a Function, budget: &mut Budget) -> FunctionValues {
    let nparams = cx.module.types.get(func.type_index as usize).map(|t| t.params.len()).unwrap_or(0);
    let mut l = Lifter {
        cx,
        out: FunctionValues::default(),
        stack: Vec::new(),
        env: Env::default(),
        reachable: true,
        frames: Vec::new(),
        params: Vec::new(),
        zero: 0,
        unknown: 0,
        entry_globals: BTreeMap::new(),
        loop_sets: BTreeMap::new(),
        work: 0,
    };
    match loop_assignments(cx, &func.body, budget) {
        Some(sets) => l.loop_sets = sets,
        None => {
            l.out.truncated = true;
            return l.out;
        }
    }
    l.unknown = l.new_value(ValueDef::Unknown);
    l.zero = l.new_value(ValueDef::Zero);
    l.params = (0..nparams as u32).map(|i| l.new_value(ValueDef::Param(i))).collect();
    let results = cx.module.types.get(func.type_index as usize).map(|t| t.results.len() as u32).unwrap_or(0);
    l.frames.push(Frame::new(Kind::Func, 0, 0, results));
    l.out.operands.reserve(func.body.len());
    l.out.results.reserve(func.body.len());
    l.out.pool.reserve(2 * func.body.len());
    l.out.defs.reserve(func.body.len());
    for (i, ins) in func.body.iter().enumerate() {
        if !budget.step(1 + std::mem::take(&mut l.work)) {
            l.out.truncated = true;
            break;
        }
        l.step(i, &ins.op);
    }
    l.out
}

impl Frame {
    fn new(kind: Kind, height: usize, params: u32, results: u32) -> Frame {
        Frame {
            kind,
            height,
            params,
            results,
            incoming: Vec::new(),
            loop_locals: Vec::new(),
            loop_globals: Vec::new(),
            loop_params: Vec::new(),
            else_start: None,
        }
    }

    /// Number of values a branch to this label carries.
    fn label_arity(&self) -> u32 {
        if self.kind == Kind::Loop {
            self.params
        } else {
            self.results
        }
    }
}

impl Lifter<'_> {
    fn new_value(&mut self, def: ValueDef) -> ValueId {
        self.work += 1;
        self.out.defs.push(def);
        (self.out.defs.len() - 1) as ValueId
    }

    fn pop(&mut self) -> ValueId {
        let floor = self.frames.last().map(|f| f.height).unwrap_or(0);
        if self.stack.len() > floor {
            self.stack.pop().unwrap_or(self.unknown)
        } else {
            self.unknown
        }
    }

    fn pop_n(&mut self, n: usize) -> Vec<ValueId> {
        let mut v: Vec<ValueId> = (0..n).map(|_| self.pop()).collect();
        v.reverse();
        v
    }

    fn local(&self, i: u32) -> ValueId {
        match self.env.locals.get(i) {
            Some(v) => v,
            None => self.params.get(i as usize).copied().unwrap_or(self.zero),
        }
    }

    fn global(&mut self, g: u32) -> ValueId {
        if let Some(v) = self.env.globals.get(&g) {
            return *v;
        }
        if let Some(v) = self.entry_globals.get(&g) {
            return *v;
        }
        let v = self.new_value(ValueDef::GlobalEntry(g));
        self.entry_globals.insert(g, v);
        v
    }

    /// A copy of the current environment, its size charged as work.
    fn env_copy(&mut self) -> Env {
        self.work += (self.env.locals.len() + self.env.globals.len()) as u64;
        self.env.clone()
    }

    fn record(&mut self, operands: &[ValueId], results: &[ValueId]) {
        let start = self.out.pool.len() as u32;
        self.out.pool.extend_from_slice(operands);
        self.out.operands.push((start, operands.len() as u32));
        let start = self.out.pool.len() as u32;
        self.out.pool.extend_from_slice(results);
        self.out.results.push((start, results.len() as u32));
    }

    /// Pops `pops` operands, pushes `pushes` fresh results of instruction `i`.
    fn simple(&mut self, i: usize, pops: usize, pushes: u32) {
        let floor = self.frames.last().map(|f| f.height).unwrap_or(0);
        let start = self.out.pool.len() as u32;
        match self.stack.len().checked_sub(pops) {
            // The usual case, without a copy: the operands are the top of the stack, in order.
            Some(at) if at >= floor => {
                self.out.pool.extend_from_slice(&self.stack[at..]);
                self.stack.truncate(at);
            }
            _ => {
                let ops = self.pop_n(pops);
                self.out.pool.extend_from_slice(&ops);
            }
        }
        self.out.operands.push((start, pops as u32));
        let start = self.out.pool.len() as u32;
        for index in 0..pushes {
            let r = self.new_value(ValueDef::Result { instr: i, index });
            self.stack.push(r);
            self.out.pool.push(r);
        }
        self.out.results.push((start, pushes));
    }

    fn branch(&mut self, depth: u32) {
        if !self.reachable {
            return;
        }
        let Some(idx) = self.frames.len().checked_sub(1 + depth as usize) else { return };
        let arity = self.frames[idx].label_arity() as usize;
        let values: Vec<ValueId> = self.stack[self.stack.len().saturating_sub(arity)..].to_vec();
        let env = self.env_copy();
        let frame = &mut self.frames[idx];
        if frame.kind == Kind::Loop {
            for (local, phi) in frame.loop_locals.clone() {
                let v = env.locals.get(local);
                self.add_phi_operand(phi, v.unwrap_or(phi));
            }
            let frame = &self.frames[idx];
            for (g, phi) in frame.loop_globals.clone() {
                let v = env.globals.get(&g).copied();
                self.add_phi_operand(phi, v.unwrap_or(phi));
            }
            let params = self.frames[idx].loop_params.clone();
            for (phi, v) in params.into_iter().zip(values) {
                self.add_phi_operand(phi, v);
            }
        } else {
            frame.incoming.push((env, values));
        }
    }

    fn add_phi_operand(&mut self, phi: ValueId, v: ValueId) {
        if let Some(ValueDef::Phi { operands, .. }) = self.out.defs.get_mut(phi as usize) {
            if !operands.contains(&v) {
                operands.push(v);
            }
        }
    }

    /// Merges incoming environments and values at instruction `at`; `None` if nothing arrives.
    fn merge(&mut self, at: usize, incoming: Vec<(Env, Vec<ValueId>)>) -> Option<(Env, Vec<ValueId>)> {
        if incoming.len() <= 1 {
            return incoming.into_iter().next();
        }
        let mut env = Env::default();
        // Only locals whose value differs between the incoming environments need a merge: the
        // others keep the first environment's value (the maps share structure, so the
        // differences are found without walking every local). The work charged is the same as
        // merging every local.
        let first = incoming.first().map(|(e, _)| e.locals.clone()).unwrap_or_default();
        let mut differing = std::collections::BTreeSet::new();
        let mut added = std::collections::BTreeSet::new();
        for (e, _) in incoming.iter().skip(1) {
            first.differences(&e.locals, |k, add| {
                differing.insert(k);
                if add {
                    added.insert(k);
                }
            });
        }
        self.work += ((first.len() + added.len()) * incoming.len()) as u64;
        env.locals = first;
        for k in differing {
            let vals: Vec<ValueId> = incoming
                .iter()
                .map(|(e, _)| {
                    e.locals
                        .get(k)
                        .unwrap_or_else(|| self.params.get(k as usize).copied().unwrap_or(self.zero))
                })
                .collect();
            let v = self.phi_of(at, vals);
            env.locals.insert(k, v);
        }
        let global_keys: std::collections::BTreeSet<u32> =
            incoming.iter().flat_map(|(e, _)| e.globals.keys().copied()).collect();
        self.work += (global_keys.len() * incoming.len()) as u64;
        for g in global_keys {
            let entry = self.global_entry_value(g);
            let vals: Vec<ValueId> =
                incoming.iter().map(|(e, _)| e.globals.get(&g).copied().unwrap_or(entry)).collect();
            let v = self.phi_of(at, vals);
            env.globals.insert(g, v);
        }
        let width = incoming.iter().map(|(_, v)| v.len()).min().unwrap_or(0);
        let mut values = Vec::with_capacity(width);
        for pos in 0..width {
            let vals: Vec<ValueId> = incoming.iter().map(|(_, v)| v[v.len() - width + pos]).collect();
            values.push(self.phi_of(at, vals));
        }
        Some((env, values))
    }

    fn global_entry_value(&mut self, g: u32) -> ValueId {
        if let Some(v) = self.entry_globals.get(&g) {
            return *v;
        }
        let v = self.new_value(ValueDef::GlobalEntry(g));
        self.entry_globals.insert(g, v);
        v
    }

    fn phi_of(&mut self, at: usize, mut vals: Vec<ValueId>) -> ValueId {
        vals.dedup();
        let first = vals[0];
        if vals.iter().all(|v| *v == first) {
            return first;
        }
        let mut operands = Vec::new();
        for v in vals {
            if !operands.contains(&v) {
                operands.push(v);
            }
        }
        self.new_value(ValueDef::Phi { instr: at, operands })
    }

    fn enter(&mut self, kind: Kind, params: u32, results: u32) -> Frame {
        let height = self.stack.len().saturating_sub(params as usize);
        Frame::new(kind, height, params, results)
    }

    fn step(&mut self, i: usize, op: &Op) {
        match op {
            Op::Nop => self.record(&[], &[]),
            Op::Unreachable => {
                self.record(&[], &[]);
                self.reachable = false;
            }
            Op::Block(sig) => {
                let frame = self.enter(Kind::Block, sig.params, sig.results);
                self.frames.push(frame);
                self.record(&[], &[]);
            }
            Op::Loop(sig) => {
                let mut frame = self.enter(Kind::Loop, sig.params, sig.results);
                let (locals, globals) = self.loop_sets.remove(&i).unwrap_or_default();
                for l in locals {
                    let entry = self.local(l);
                    let phi = self.new_value(ValueDef::Phi { instr: i, operands: vec![entry] });
                    self.env.locals.insert(l, phi);
                    frame.loop_locals.push((l, phi));
                }
                for g in globals {
                    let entry = self.global(g);
                    let phi = self.new_value(ValueDef::Phi { instr: i, operands: vec![entry] });
                    self.env.globals.insert(g, phi);
                    frame.loop_globals.push((g, phi));
                }
                let params = self.pop_n(sig.params as usize);
                let phis: Vec<ValueId> = params
                    .iter()
                    .map(|p| self.new_value(ValueDef::Phi { instr: i, operands: vec![*p] }))
                    .collect();
                self.stack.extend_from_slice(&phis);
                frame.loop_params = phis.clone();
                self.frames.push(frame);
                self.record(&params, &phis);
            }
            Op::If(sig) => {
                let cond = self.pop();
                let mut frame = self.enter(Kind::If, sig.params, sig.results);
                let params = self.stack[frame.height.min(self.stack.len())..].to_vec();
                frame.else_start = Some((self.env_copy(), params));
                self.frames.push(frame);
                self.record(&[cond], &[]);
            }
            Op::Else => {
                self.finish_arm();
                let Some(frame) = self.frames.last_mut() else { return };
                let (env, params) = frame.else_start.take().unwrap_or_default();
                let height = frame.height;
                self.stack.truncate(height);
                self.stack.extend_from_slice(&params);
                self.env = env;
                self.reachable = true;
                self.record(&[], &[]);
            }
            Op::End => self.end(i),
            Op::Br(d) => {
                self.branch(*d);
                self.record(&[], &[]);
                self.reachable = false;
            }
            Op::BrIf(d) => {
                let cond = self.pop();
                self.branch(*d);
                self.record(&[cond], &[]);
            }
            Op::BrTable { targets, default } => {
                let idx = self.pop();
                let mut seen = Vec::new();
                for d in targets.iter().chain(std::iter::once(default)) {
                    if !seen.contains(d) {
                        seen.push(*d);
                        self.branch(*d);
                    }
                }
                self.record(&[idx], &[]);
                self.reachable = false;
            }
            Op::Return => {
                let n = self.frames.first().map(|f| f.results).unwrap_or(0) as usize;
                let ops = self.stack[self.stack.len().saturating_sub(n)..].to_vec();
                self.record(&ops, &[]);
                self.reachable = false;
            }
            Op::Call(f) | Op::ReturnCall(f) => {
                let (p, r) = self.sig_counts(self.cx.module.func_sig(*f));
                self.simple(i, p, r);
                self.clobber_globals(i, Some(*f));
                if matches!(op, Op::ReturnCall(_)) {
                    self.reachable = false;
                }
            }
            Op::CallIndirect { type_index, .. } | Op::ReturnCallIndirect { type_index, .. } => {
                let (p, r) = self.sig_counts(self.cx.module.types.get(*type_index as usize));
                // The table index is the last operand.
                self.simple(i, p + 1, r);
                self.clobber_globals(i, None);
                if matches!(op, Op::ReturnCallIndirect { .. }) {
                    self.reachable = false;
                }
            }
            Op::Drop => {
                let v = self.pop();
                self.record(&[v], &[]);
            }
            Op::Select => {
                let c = self.pop();
                let b = self.pop();
                let a = self.pop();
                let r = self.new_value(ValueDef::Result { instr: i, index: 0 });
                self.stack.push(r);
                self.record(&[a, b, c], &[r]);
            }
            Op::LocalGet(l) => {
                let v = self.local(*l);
                self.stack.push(v);
                self.record(&[], &[v]);
            }
            Op::LocalSet(l) => {
                let v = self.pop();
                self.env.locals.insert(*l, v);
                self.record(&[v], &[]);
            }
            Op::LocalTee(l) => {
                let v = self.pop();
                self.env.locals.insert(*l, v);
                self.stack.push(v);
                self.record(&[v], &[v]);
            }
            Op::GlobalGet(g) => {
                let v = self.global(*g);
                self.stack.push(v);
                self.record(&[], &[v]);
            }
            Op::GlobalSet(g) => {
                let v = self.pop();
                self.env.globals.insert(*g, v);
                self.record(&[v], &[]);
            }
            Op::I32Const(c) => {
                let v = self.new_value(ValueDef::Const(i64::from(*c)));
                self.stack.push(v);
                self.record(&[], &[v]);
            }
            Op::I64Const(c) => {
                let v = self.new_value(ValueDef::Const(*c));
                self.stack.push(v);
                self.record(&[], &[v]);
            }
            Op::Load { .. } | Op::Unary(..) | Op::Convert(_) | Op::MemoryGrow(_) => self.simple(i, 1, 1),
            Op::Store { .. } => self.simple(i, 2, 0),
            Op::Binary(..) | Op::Compare(..) => self.simple(i, 2, 1),
            Op::MemorySize(_) => self.simple(i, 0, 1),
            Op::Other { pops, pushes, .. } => self.simple(i, *pops as usize, *pushes),
        }
    }

    fn sig_counts(&self, sig: Option<&wasmaudit_front::FuncSig>) -> (usize, u32) {
        sig.map(|s| (s.params.len(), s.results.len() as u32)).unwrap_or((0, 0))
    }

    fn clobber_globals(&mut self, i: usize, callee: Option<u32>) {
        let cx = self.cx;
        let assigned: &[u32] = match callee {
            Some(f) => cx.assigned_globals.get(f as usize).map(Vec::as_slice).unwrap_or_default(),
            None => &[],
        };
        let all = match callee {
            Some(_) => 0..0,
            None => 0..cx.module.globals.len() as u32,
        };
        self.work += (assigned.len() + all.len()) as u64;
        for g in assigned.iter().copied().chain(all) {
            if Some(g) == cx.stack_pointer || !cx.module.globals.get(g as usize).is_some_and(|x| x.mutable) {
                continue;
            }
            let v = self.new_value(ValueDef::GlobalAfterCall { instr: i, global: g });
            self.env.globals.insert(g, v);
        }
    }

    /// At `else` or `end`: the arm's fallthrough is an incoming edge of the block's end.
    fn finish_arm(&mut self) {
        if !self.reachable {
            return;
        }
        let Some(frame) = self.frames.last() else { return };
        let n = frame.results as usize;
        let values = self.stack[self.stack.len().saturating_sub(n)..].to_vec();
        let env = self.env_copy();
        if let Some(frame) = self.frames.last_mut() {
            frame.incoming.push((env, values));
        }
    }

    fn end(&mut self, i: usize) {
        if self.frames.len() == 1 {
            // The function's final `end`: operands are the returned values.
            let n = self.frames[0].results as usize;
            let ops = self.stack[self.stack.len().saturating_sub(n)..].to_vec();
            self.record(&ops, &[]);
            self.frames.pop();
            self.reachable = false;
            return;
        }
        self.finish_arm();
        let Some(mut frame) = self.frames.pop() else {
            self.record(&[], &[]);
            return;
        };
        if frame.kind == Kind::Loop {
            // A loop's end is reached by falling through its body only.
            let values = frame.incoming.pop().map(|(_, v)| v).unwrap_or_default();
            self.stack.truncate(frame.height);
            self.stack.extend_from_slice(&values);
            self.record(&[], &values);
            return;
        }
        if let Some((env, params)) = frame.else_start.take() {
            // `if` without `else`: the false edge passes the parameters through.
            frame.incoming.push((env, params));
        }
        match self.merge(i, std::mem::take(&mut frame.incoming)) {
            Some((env, values)) => {
                self.env = env;
                self.stack.truncate(frame.height);
                self.stack.extend_from_slice(&values);
                self.reachable = true;
                self.record(&[], &values);
            }
            None => {
                self.stack.truncate(frame.height);
                self.reachable = false;
                self.record(&[], &[]);
            }
        }
    }
}

/// For each `loop` instruction, the locals and globals its body assigns (calls included), in
/// one pass: each construct's sets are merged into its parent's when it ends (smaller into
/// larger). Each loop's lists are copies, so nested loops under many assignments cost loops ×
/// assignments: that, and the globals every `call_indirect` may assign, is charged to `budget`;
/// `None` when it runs out.
fn loop_assignments(cx: &LiftContext<'_>, body: &[Instr], budget: &mut Budget) -> Option<LoopSets> {
    type Sets = (BTreeSet<u32>, BTreeSet<u32>);
    let keep = |g: &u32| {
        Some(*g) != cx.stack_pointer && cx.module.globals.get(*g as usize).is_some_and(|x| x.mutable)
    };
    let mut out = BTreeMap::new();
    let mut open: Vec<(usize, bool, Sets)> = vec![(usize::MAX, false, Sets::default())];
    for (i, ins) in body.iter().enumerate() {
        match &ins.op {
            Op::Block(_) | Op::If(_) => open.push((i, false, Sets::default())),
            Op::Loop(_) => open.push((i, true, Sets::default())),
            Op::End if open.len() > 1 => {
                let Some((start, is_loop, mut child)) = open.pop() else { continue };
                if is_loop {
                    if !budget.step((child.0.len() + child.1.len()) as u64) {
                        return None;
                    }
                    out.insert(start, (child.0.iter().copied().collect(), child.1.iter().copied().collect()));
                }
                if let Some((_, _, parent)) = open.last_mut() {
                    if parent.0.len() < child.0.len() {
                        std::mem::swap(&mut parent.0, &mut child.0);
                    }
                    parent.0.extend(child.0);
                    if parent.1.len() < child.1.len() {
                        std::mem::swap(&mut parent.1, &mut child.1);
                    }
                    parent.1.extend(child.1);
                }
            }
            other => {
                let Some((_, _, sets)) = open.last_mut() else { continue };
                match other {
                    Op::LocalSet(l) | Op::LocalTee(l) => {
                        sets.0.insert(*l);
                    }
                    Op::GlobalSet(g) if keep(g) => {
                        sets.1.insert(*g);
                    }
                    Op::Call(f) | Op::ReturnCall(f) => {
                        sets.1.extend(
                            cx.assigned_globals.get(*f as usize).into_iter().flatten().copied().filter(keep),
                        );
                    }
                    Op::CallIndirect { .. } | Op::ReturnCallIndirect { .. } => {
                        if !budget.step(cx.module.globals.len() as u64) {
                            return None;
                        }
                        sets.1.extend((0..cx.module.globals.len() as u32).filter(keep));
                    }
                    _ => {}
                }
            }
        }
    }
    Some(out)
}
