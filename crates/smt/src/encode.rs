//! A guarded symbolic execution of structured Wasm bodies into z3 terms.
//!
//! The walk follows the structure (`block`/`loop`/`if` to their `end`), carrying a path guard
//! and a symbolic state (operand stack, locals, globals, memory). A branch records its guard and
//! state at its label; a label's end merges what arrived with `ite` over the guards. One
//! execution takes exactly one of them, so the merge is exact. What the encoding does not model
//! becomes a fresh symbol, which only adds behaviours: an unsatisfiable query over it is
//! unsatisfiable over every real execution.

use std::collections::{BTreeMap, BTreeSet};
use wasmaudit_detect::Context;
use wasmaudit_flow::Nesting;
use wasmaudit_front::{BinOp, CmpOp, ConvOp, Function, Op, UnOp, ValType, Width};
use wasmaudit_platform::Effect;
use z3::ast::{Array, Ast, Bool, BV};
use z3::Sort;

/// What must hold at the flagged instruction besides reaching it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Property {
    Reach,
    /// The `add`/`sub`/`mul` at the target wraps (as unsigned or signed).
    Overflow(BinOp),
}

/// One arrival at the flagged instruction: its guard and, for arithmetic, the operands.
pub(crate) struct Hit {
    pub cond: Bool,
    pub operands: Vec<BV>,
}

/// Bounds of one encoding.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds {
    pub unroll: u32,
    pub depth: u32,
    /// Instructions walked in all (unrolled and inlined copies included).
    pub max_steps: u64,
}

#[derive(Clone)]
struct State {
    stack: Vec<BV>,
    locals: BTreeMap<u32, BV>,
    globals: BTreeMap<u32, BV>,
    mem: Array,
    /// Memory is still the fresh instance's: no store or havoc on this path yet.
    pristine: bool,
}

/// What a branch carries to its label: the label's values and the environment.
struct Arrival {
    guard: Bool,
    values: Vec<BV>,
    locals: BTreeMap<u32, BV>,
    globals: BTreeMap<u32, BV>,
    mem: Array,
    pristine: bool,
}

struct Label {
    arity: usize,
    incoming: Vec<Arrival>,
}

/// Why the encoding stopped or approximated.
pub(crate) struct Notes {
    /// Instructions whose results were left unconstrained (a satisfiable query is not a witness).
    pub unsupported: BTreeSet<String>,
    /// Approximations that are part of the design (summaries, havocked loops).
    pub approximations: BTreeSet<String>,
    /// The step bound was hit: the encoding is incomplete and decides nothing.
    pub too_big: bool,
    /// A call that may lead to the target was summarized: the target's arrivals through it are
    /// missing, so an unsatisfiable query proves nothing.
    pub missed: Option<String>,
}

pub(crate) struct Exec<'c, 'a> {
    cx: &'c Context<'a>,
    bounds: Bounds,
    target: (u32, usize),
    property: Property,
    steps: u64,
    pub hits: Vec<Hit>,
    /// Named symbols for the witness, in creation order.
    pub witnesses: Vec<(String, BV)>,
    pub notes: Notes,
    /// Functions that can reach the target: a call to one that is summarized loses the target.
    reaching: BTreeSet<u32>,
    shapes: BTreeMap<u32, std::rc::Rc<Nesting>>,
    call_stack: Vec<u32>,
    entry_globals: BTreeMap<u32, BV>,
    fresh: u64,
    guard: Bool,
    live: bool,
    st: State,
    labels: Vec<Label>,
    func: u32,
}

fn width_of(t: ValType) -> u32 {
    match t {
        ValType::I64 | ValType::F64 => 64,
        ValType::V128 => 128,
        _ => 32,
    }
}

fn is_zero(v: &BV) -> Bool {
    v.eq(BV::from_u64(0, v.get_size()))
}

fn bool_to_i32(b: &Bool) -> BV {
    b.ite(&BV::from_u64(1, 32), &BV::from_u64(0, 32))
}

fn bits(w: Width) -> u32 {
    match w {
        Width::I32 => 32,
        Width::I64 => 64,
    }
}

impl<'c, 'a> Exec<'c, 'a> {
    pub fn new(
        cx: &'c Context<'a>,
        bounds: Bounds,
        target: (u32, usize),
        property: Property,
        reaching: BTreeSet<u32>,
    ) -> Self {
        let mem_sort = Array::fresh_const("mem", &Sort::bitvector(32), &Sort::bitvector(8));
        Exec {
            cx,
            bounds,
            target,
            property,
            reaching,
            steps: 0,
            hits: Vec::new(),
            witnesses: Vec::new(),
            notes: Notes {
                unsupported: BTreeSet::new(),
                approximations: BTreeSet::new(),
                too_big: false,
                missed: None,
            },
            shapes: BTreeMap::new(),
            call_stack: Vec::new(),
            entry_globals: BTreeMap::new(),
            fresh: 0,
            guard: Bool::from_bool(true),
            live: true,
            st: State {
                stack: Vec::new(),
                locals: BTreeMap::new(),
                globals: BTreeMap::new(),
                mem: mem_sort,
                pristine: false,
            },
            labels: Vec::new(),
            func: 0,
        }
    }

    fn fresh_bv(&mut self, prefix: &str, width: u32) -> BV {
        self.fresh += 1;
        BV::new_const(format!("{prefix}!{}", self.fresh), width)
    }

    fn fresh_mem(&mut self) -> Array {
        self.fresh += 1;
        self.st.pristine = false;
        Array::new_const(format!("mem!{}", self.fresh), &Sort::bitvector(32), &Sort::bitvector(8))
    }

    /// The state at an entry point of a fresh instance: until the first store or havoc, a load at
    /// a constant address inside an active data segment reads the segment's bytes (immutable
    /// globals hold their initial values in every state).
    pub fn fresh_instance(&mut self) {
        self.st.pristine = true;
    }

    /// Walks `func` from its entry with `args` as parameters. Returns false when the step bound
    /// was hit.
    pub fn run_entry(&mut self, func: u32, args: &[BV]) -> bool {
        let Some(f) = self.cx.module.function(func) else { return true };
        if f.is_import() {
            return true;
        }
        self.call_stack.push(func);
        self.enter_function(func, args);
        self.call_stack.pop();
        !self.notes.too_big
    }

    /// The width of each parameter of `func`.
    pub fn param_widths(&self, func: u32) -> Vec<u32> {
        self.cx
            .module
            .func_sig(func)
            .map(|s| s.params.iter().map(|t| width_of(*t)).collect())
            .unwrap_or_default()
    }

    /// Executes `func`'s body with `args`, on the current memory and globals; leaves its results
    /// on the stack (the caller's stack below them kept) and the merged guard.
    fn enter_function(&mut self, func: u32, args: &[BV]) {
        let Some(f) = self.cx.module.function(func) else { return };
        let results: Vec<u32> = self
            .cx
            .module
            .func_sig(func)
            .map(|s| s.results.iter().map(|t| width_of(*t)).collect())
            .unwrap_or_default();
        let shape = match self.shapes.get(&func) {
            Some(s) => s.clone(),
            None => {
                let s = std::rc::Rc::new(Nesting::of(&f.body));
                self.shapes.insert(func, s.clone());
                s
            }
        };
        let saved_labels = std::mem::take(&mut self.labels);
        let saved_locals = std::mem::take(&mut self.st.locals);
        let saved_func = std::mem::replace(&mut self.func, func);
        let base = std::mem::take(&mut self.st.stack);
        for (k, a) in args.iter().enumerate() {
            self.st.locals.insert(k as u32, a.clone());
        }
        self.labels.push(Label { arity: results.len(), incoming: Vec::new() });
        let last = f.body.len().saturating_sub(1);
        self.exec_range(f, &shape, 0, last);
        if self.live {
            self.target_check(last);
            self.fallthrough();
        }
        let label = self.labels.pop();
        self.labels = saved_labels;
        self.func = saved_func;
        let incoming = label.map(|l| l.incoming).unwrap_or_default();
        self.merge(incoming, base, &results);
        self.st.locals = saved_locals;
    }

    /// Records the current state as an arrival at the innermost label (falling into its end).
    fn fallthrough(&mut self) {
        self.branch(0, self.guard.clone());
    }

    fn branch(&mut self, depth: u32, guard: Bool) {
        let Some(idx) = self.labels.len().checked_sub(1 + depth as usize) else { return };
        let arity = self.labels[idx].arity;
        let values = self.st.stack[self.st.stack.len().saturating_sub(arity)..].to_vec();
        let arrival = Arrival {
            guard,
            values,
            locals: self.st.locals.clone(),
            globals: self.st.globals.clone(),
            mem: self.st.mem.clone(),
            pristine: self.st.pristine,
        };
        self.labels[idx].incoming.push(arrival);
    }

    /// Continues after a label's end: the merge of what arrived there over `base` (the stack
    /// below the construct). `widths` are the label's value widths when known.
    fn merge(&mut self, incoming: Vec<Arrival>, base: Vec<BV>, widths: &[u32]) {
        self.st.stack = base;
        let Some(first) = incoming.first() else {
            self.live = false;
            return;
        };
        self.live = true;
        if incoming.len() == 1 {
            let Some(a) = incoming.into_iter().next() else { return };
            self.guard = a.guard;
            self.st.stack.extend(a.values);
            self.st.locals = a.locals;
            self.st.globals = a.globals;
            self.st.mem = a.mem;
            self.st.pristine = a.pristine;
            return;
        }
        let guards: Vec<Bool> = incoming.iter().map(|a| a.guard.clone()).collect();
        let arity = first.values.len();
        let mut values = Vec::with_capacity(arity);
        for k in 0..arity {
            let vs: Vec<Option<BV>> = incoming.iter().map(|a| a.values.get(k).cloned()).collect();
            let w = widths.get(k).copied();
            values.push(self.ite_chain(&guards, vs, w));
        }
        let keys: BTreeSet<u32> = incoming.iter().flat_map(|a| a.locals.keys().copied()).collect();
        let mut locals = BTreeMap::new();
        for k in keys {
            let vs: Vec<Option<BV>> = incoming
                .iter()
                .map(|a| a.locals.get(&k).cloned().or_else(|| self.default_local(k)))
                .collect();
            locals.insert(k, self.ite_chain(&guards, vs, None));
        }
        let keys: BTreeSet<u32> = incoming.iter().flat_map(|a| a.globals.keys().copied()).collect();
        let mut globals = BTreeMap::new();
        for g in keys {
            let vs: Vec<Option<BV>> = incoming
                .iter()
                .map(|a| Some(a.globals.get(&g).cloned().unwrap_or_else(|| self.entry_global(g))))
                .collect();
            globals.insert(g, self.ite_chain(&guards, vs, None));
        }
        let mut mem = incoming.last().map(|a| a.mem.clone()).unwrap_or_else(|| self.st.mem.clone());
        for a in incoming.iter().rev().skip(1) {
            if a.mem != mem {
                mem = a.guard.ite(&a.mem, &mem);
            }
        }
        self.st.pristine = incoming.iter().all(|a| a.pristine);
        self.guard = Bool::or(&guards);
        self.st.stack.extend(values);
        self.st.locals = locals;
        self.st.globals = globals;
        self.st.mem = mem;
    }

    /// `ite(g1, v1, ite(g2, v2, ... vn))`; values of another width than the first (or missing)
    /// become fresh symbols.
    fn ite_chain(&mut self, guards: &[Bool], values: Vec<Option<BV>>, width: Option<u32>) -> BV {
        let w = width.or_else(|| values.iter().flatten().next().map(|v| v.get_size())).unwrap_or(32);
        let values: Vec<BV> = values
            .into_iter()
            .map(|v| match v {
                Some(v) if v.get_size() == w => v,
                _ => self.fresh_bv("merge", w),
            })
            .collect();
        let mut it = values.iter().zip(guards).rev();
        let Some((last, _)) = it.next() else { return self.fresh_bv("merge", w) };
        let mut acc = last.clone();
        for (v, g) in it {
            if *v != acc {
                acc = g.ite(v, &acc);
            }
        }
        acc
    }

    fn default_local(&self, k: u32) -> Option<BV> {
        let f = self.cx.module.function(self.func)?;
        let t = f.local_type(k, &self.cx.module.types)?;
        Some(BV::from_u64(0, width_of(t)))
    }

    fn entry_global(&mut self, g: u32) -> BV {
        if let Some(v) = self.entry_globals.get(&g) {
            return v.clone();
        }
        let global = self.cx.module.globals.get(g as usize);
        let w = global.map(|x| width_of(x.ty)).unwrap_or(32);
        let v = match global {
            Some(x) if !x.mutable && !x.imported && x.init.is_some() => BV::from_i64(x.init.unwrap_or(0), w),
            _ => BV::new_const(format!("global{g}"), w),
        };
        self.entry_globals.insert(g, v.clone());
        v
    }

    fn pop(&mut self, width: u32) -> BV {
        match self.st.stack.pop() {
            Some(v) if v.get_size() == width => v,
            _ => self.fresh_bv("stack", width),
        }
    }

    fn pop_any(&mut self) -> BV {
        match self.st.stack.pop() {
            Some(v) => v,
            None => self.fresh_bv("stack", 32),
        }
    }

    fn push(&mut self, v: BV) {
        self.st.stack.push(v);
    }

    fn target_check(&mut self, i: usize) {
        if (self.func, i) != self.target {
            return;
        }
        let (cond, operands) = match self.property {
            Property::Reach => (self.guard.clone(), Vec::new()),
            Property::Overflow(op) => {
                let n = self.st.stack.len();
                let (Some(a), Some(b)) =
                    (self.st.stack.get(n.wrapping_sub(2)), self.st.stack.get(n.wrapping_sub(1)))
                else {
                    self.hits.push(Hit { cond: self.guard.clone(), operands: Vec::new() });
                    return;
                };
                if a.get_size() != b.get_size() {
                    self.hits.push(Hit { cond: self.guard.clone(), operands: Vec::new() });
                    return;
                }
                let wraps = match op {
                    BinOp::Add => Bool::or(&[
                        a.bvadd_no_overflow(b, false).not(),
                        a.bvadd_no_overflow(b, true).not(),
                        a.bvadd_no_underflow(b).not(),
                    ]),
                    BinOp::Sub => Bool::or(&[
                        a.bvult(b),
                        a.bvsub_no_overflow(b).not(),
                        a.bvsub_no_underflow(b, true).not(),
                    ]),
                    _ => Bool::or(&[
                        a.bvmul_no_overflow(b, false).not(),
                        a.bvmul_no_overflow(b, true).not(),
                        a.bvmul_no_underflow(b).not(),
                    ]),
                };
                (Bool::and(&[self.guard.clone(), wraps]), vec![a.clone(), b.clone()])
            }
        };
        self.hits.push(Hit { cond, operands });
    }

    /// Walks instructions `from..to` of `f` (a structured range). Returns early once control
    /// cannot go on (after `br`, `return`, a trap) or the step bound is hit.
    fn exec_range(&mut self, f: &Function, shape: &Nesting, from: usize, to: usize) {
        let mut i = from;
        while i < to {
            if !self.live || self.notes.too_big {
                return;
            }
            self.steps += 1;
            if self.steps > self.bounds.max_steps {
                self.notes.too_big = true;
                return;
            }
            self.target_check(i);
            let Some(ins) = f.body.get(i) else { return };
            match &ins.op {
                Op::Block(sig) => {
                    let end = shape.end(i).unwrap_or(f.body.len().saturating_sub(1));
                    let base = self.split_base(sig.params);
                    self.labels.push(Label { arity: sig.results as usize, incoming: Vec::new() });
                    self.exec_range(f, shape, i + 1, end);
                    self.close(base, end);
                    i = end + 1;
                    continue;
                }
                Op::Loop(sig) => {
                    let end = shape.end(i).unwrap_or(f.body.len().saturating_sub(1));
                    self.exec_loop(f, shape, i, end, sig.params as usize);
                    i = end + 1;
                    continue;
                }
                Op::If(sig) => {
                    let end = shape.end(i).unwrap_or(f.body.len().saturating_sub(1));
                    self.exec_if(f, shape, i, end, sig.params, sig.results as usize);
                    i = end + 1;
                    continue;
                }
                Op::Else | Op::End => {
                    // Only reached for malformed nesting; stop this range.
                    return;
                }
                Op::Br(d) => {
                    self.branch(*d, self.guard.clone());
                    self.live = false;
                }
                Op::BrIf(d) => {
                    let c = self.pop(32);
                    let taken = Bool::and(&[self.guard.clone(), is_zero(&c).not()]);
                    self.branch(*d, taken);
                    self.guard = Bool::and(&[self.guard.clone(), is_zero(&c)]);
                }
                Op::BrTable { targets, default } => {
                    let idx = self.pop(32);
                    for (n, d) in targets.iter().enumerate() {
                        let g = Bool::and(&[self.guard.clone(), idx.eq(BV::from_u64(n as u64, 32))]);
                        self.branch(*d, g);
                    }
                    let g =
                        Bool::and(&[self.guard.clone(), idx.bvuge(BV::from_u64(targets.len() as u64, 32))]);
                    self.branch(*default, g);
                    self.live = false;
                }
                Op::Return => {
                    let depth = self.labels.len().saturating_sub(1) as u32;
                    self.branch(depth, self.guard.clone());
                    self.live = false;
                }
                Op::Unreachable => self.live = false,
                Op::Call(c) => self.call(*c),
                Op::ReturnCall(c) => {
                    self.call(*c);
                    if self.live {
                        let depth = self.labels.len().saturating_sub(1) as u32;
                        self.branch(depth, self.guard.clone());
                    }
                    self.live = false;
                }
                Op::CallIndirect { type_index, .. } | Op::ReturnCallIndirect { type_index, .. } => {
                    let _table_index = self.pop(32);
                    let sig = self.cx.module.types.get(*type_index as usize).cloned();
                    let (params, results) = sig
                        .map(|s| (s.params.len(), s.results.iter().map(|t| width_of(*t)).collect()))
                        .unwrap_or((0, Vec::new()));
                    for _ in 0..params {
                        self.pop_any();
                    }
                    let targets = self.cx.program.calls.targets_at(self.func, i);
                    if targets.iter().any(|t| self.reaching.contains(t)) && self.notes.missed.is_none() {
                        self.notes.missed =
                            Some(format!("call_indirect in {}", self.cx.module.func_name(self.func)));
                    }
                    self.summarize("call_indirect", &results);
                    if matches!(ins.op, Op::ReturnCallIndirect { .. }) {
                        let depth = self.labels.len().saturating_sub(1) as u32;
                        self.branch(depth, self.guard.clone());
                        self.live = false;
                    }
                }
                Op::Drop => {
                    self.pop_any();
                }
                Op::Select => {
                    let c = self.pop(32);
                    let b = self.pop_any();
                    let w = b.get_size();
                    let a = self.pop(w);
                    self.push(is_zero(&c).ite(&b, &a));
                }
                Op::LocalGet(l) => {
                    let v = match self.st.locals.get(l).cloned().or_else(|| self.default_local(*l)) {
                        Some(v) => v,
                        None => self.fresh_bv("local", 32),
                    };
                    self.push(v);
                }
                Op::LocalSet(l) => {
                    let v = self.pop_any();
                    self.st.locals.insert(*l, v);
                }
                Op::LocalTee(l) => {
                    let v = self.pop_any();
                    self.st.locals.insert(*l, v.clone());
                    self.push(v);
                }
                Op::GlobalGet(g) => {
                    let v = match self.st.globals.get(g) {
                        Some(v) => v.clone(),
                        None => self.entry_global(*g),
                    };
                    self.push(v);
                }
                Op::GlobalSet(g) => {
                    let v = self.pop_any();
                    self.st.globals.insert(*g, v);
                }
                Op::I32Const(c) => self.push(BV::from_i64(i64::from(*c), 32)),
                Op::I64Const(c) => self.push(BV::from_i64(*c, 64)),
                Op::Unary(w, op) => self.unary(*w, *op),
                Op::Binary(w, op) => self.binary(*w, *op),
                Op::Compare(w, op) => {
                    let n = bits(*w);
                    let b = self.pop(n);
                    let a = self.pop(n);
                    let c = match op {
                        CmpOp::Eq => a.eq(&b),
                        CmpOp::Ne => a.eq(&b).not(),
                        CmpOp::LtS => a.bvslt(&b),
                        CmpOp::LtU => a.bvult(&b),
                        CmpOp::GtS => a.bvsgt(&b),
                        CmpOp::GtU => a.bvugt(&b),
                        CmpOp::LeS => a.bvsle(&b),
                        CmpOp::LeU => a.bvule(&b),
                        CmpOp::GeS => a.bvsge(&b),
                        CmpOp::GeU => a.bvuge(&b),
                    };
                    self.push(bool_to_i32(&c));
                }
                Op::Convert(c) => {
                    let v = match c {
                        ConvOp::I32WrapI64 => self.pop(64).extract(31, 0),
                        ConvOp::I64ExtendI32S => self.pop(32).sign_ext(32),
                        ConvOp::I64ExtendI32U => self.pop(32).zero_ext(32),
                    };
                    self.push(v);
                }
                Op::Load { kind, offset, .. } => {
                    let addr = self.pop(32);
                    let v = self.load(&addr, *offset, kind.bytes, kind.signed, width_of(kind.result));
                    self.push(v);
                }
                Op::Store { kind, offset, .. } => {
                    let value = self.pop(width_of(kind.value));
                    let addr = self.pop(32);
                    self.store(&addr, *offset, kind.bytes, &value);
                }
                Op::MemorySize(_) => {
                    let v = self.fresh_bv("memory.size", 32);
                    self.push(v);
                }
                Op::MemoryGrow(_) => {
                    self.pop(32);
                    let v = self.fresh_bv("memory.grow", 32);
                    self.push(v);
                }
                Op::Nop => {}
                Op::Other { name, pops, pushes, .. } => {
                    for _ in 0..*pops {
                        self.pop_any();
                    }
                    let w = other_result_width(name);
                    for _ in 0..*pushes {
                        let v = self.fresh_bv("other", w);
                        self.push(v);
                    }
                    if self.cx.module.memories.first().is_some_and(|m| m.memory64) || writes_memory(name) {
                        self.st.mem = self.fresh_mem();
                    }
                    self.notes.unsupported.insert(name.to_string());
                }
            }
            i += 1;
        }
    }

    /// The stack below a construct's `params` parameters (the construct keeps those on top).
    fn split_base(&self, params: u32) -> Vec<BV> {
        let h = self.st.stack.len().saturating_sub(params as usize);
        self.st.stack[..h].to_vec()
    }

    /// At a block's `end`: the fallthrough arrives, then the label's arrivals merge.
    fn close(&mut self, base: Vec<BV>, end: usize) {
        if self.live {
            self.target_check(end);
            self.fallthrough();
        }
        let label = self.labels.pop();
        let incoming = label.map(|l| l.incoming).unwrap_or_default();
        self.merge(incoming, base, &[]);
    }

    fn exec_if(&mut self, f: &Function, shape: &Nesting, i: usize, end: usize, params: u32, results: usize) {
        let c = self.pop(32);
        let base = self.split_base(params);
        let start = self.st.clone();
        let guard = self.guard.clone();
        let numeral = c.as_u64();
        self.labels.push(Label { arity: results, incoming: Vec::new() });
        let then_end = shape.else_of(i).unwrap_or(end);
        if numeral != Some(0) {
            self.guard = Bool::and(&[guard.clone(), is_zero(&c).not()]);
            self.live = true;
            self.exec_range(f, shape, i + 1, then_end);
            if self.live {
                self.fallthrough();
            }
        }
        if numeral.is_none() || numeral == Some(0) {
            self.st = start;
            self.guard = Bool::and(&[guard, is_zero(&c)]);
            self.live = true;
            if let Some(e) = shape.else_of(i) {
                self.exec_range(f, shape, e + 1, end);
            }
            if self.live {
                self.fallthrough();
            }
        }
        let incoming = self.labels.pop().map(|l| l.incoming).unwrap_or_default();
        self.merge(incoming, base, &[]);
    }

    fn exec_loop(&mut self, f: &Function, shape: &Nesting, i: usize, end: usize, params: usize) {
        let base = self.split_base(params as u32);
        let mut exits: Vec<Arrival> = Vec::new();
        let results = self.loop_results(i);
        let mut iteration = 0u32;
        if self.bounds.unroll == 0 {
            self.havoc_loop(f, i, end, params);
        }
        loop {
            let last = iteration >= self.bounds.unroll;
            self.labels.push(Label { arity: params, incoming: Vec::new() });
            self.exec_range(f, shape, i + 1, end);
            if self.live {
                self.target_check(end);
                let values = self.st.stack[self.st.stack.len().saturating_sub(results)..].to_vec();
                exits.push(Arrival {
                    guard: self.guard.clone(),
                    values,
                    locals: self.st.locals.clone(),
                    globals: self.st.globals.clone(),
                    mem: self.st.mem.clone(),
                    pristine: self.st.pristine,
                });
            }
            let back = self.labels.pop().map(|l| l.incoming).unwrap_or_default();
            if last || back.is_empty() || self.notes.too_big {
                break;
            }
            self.merge(back, base.clone(), &[]);
            iteration += 1;
            if iteration >= self.bounds.unroll {
                self.havoc_loop(f, i, end, params);
            }
        }
        self.merge(exits, base, &[]);
    }

    fn loop_results(&self, i: usize) -> usize {
        match self.cx.module.function(self.func).and_then(|f| f.body.get(i)).map(|x| &x.op) {
            Some(Op::Loop(sig)) => sig.results as usize,
            _ => 0,
        }
    }

    /// The state at a loop header after any number of further iterations: what the body may
    /// assign becomes unconstrained.
    fn havoc_loop(&mut self, f: &Function, i: usize, end: usize, params: usize) {
        self.notes.approximations.insert(format!("loops havocked after {} iterations", self.bounds.unroll));
        let body = f.body.get(i + 1..end).unwrap_or(&[]);
        let mut calls = false;
        let mut stores = false;
        let mut locals = BTreeSet::new();
        let mut globals = BTreeSet::new();
        for ins in body {
            match &ins.op {
                Op::LocalSet(l) | Op::LocalTee(l) => {
                    locals.insert(*l);
                }
                Op::GlobalSet(g) => {
                    globals.insert(*g);
                }
                Op::Store { .. } | Op::MemoryGrow(_) => stores = true,
                Op::Other { name, .. } if writes_memory(name) => stores = true,
                Op::Call(_) | Op::CallIndirect { .. } | Op::ReturnCall(_) | Op::ReturnCallIndirect { .. } => {
                    calls = true
                }
                _ => {}
            }
        }
        for l in locals {
            let w = self
                .st
                .locals
                .get(&l)
                .map(|v| v.get_size())
                .or_else(|| self.default_local(l).map(|v| v.get_size()))
                .unwrap_or(32);
            let v = self.fresh_bv(&format!("loop.local{l}"), w);
            self.st.locals.insert(l, v);
        }
        if calls {
            self.havoc_globals();
        }
        for g in globals {
            let w = self.entry_global(g).get_size();
            let v = self.fresh_bv(&format!("loop.global{g}"), w);
            self.st.globals.insert(g, v);
        }
        if stores || calls {
            self.st.mem = self.fresh_mem();
        }
        let n = self.st.stack.len();
        for k in n.saturating_sub(params)..n {
            let w = self.st.stack[k].get_size();
            self.st.stack[k] = self.fresh_bv("loop.param", w);
        }
    }

    /// Mutable globals other than the shadow-stack pointer (calls restore it) become fresh.
    fn havoc_globals(&mut self) {
        let sp = self.cx.program.stack_pointer;
        let n = self.cx.module.globals.len() as u32;
        for g in 0..n {
            let mutable = self.cx.module.globals.get(g as usize).is_some_and(|x| x.mutable);
            if !mutable || Some(g) == sp {
                continue;
            }
            let w = self.entry_global(g).get_size();
            let v = self.fresh_bv(&format!("global{g}.after"), w);
            self.st.globals.insert(g, v);
        }
    }

    fn summarize(&mut self, what: &str, results: &[u32]) {
        self.notes
            .approximations
            .insert("calls summarized (results, memory and globals unconstrained)".into());
        self.havoc_globals();
        self.st.mem = self.fresh_mem();
        for &w in results {
            let v = self.fresh_bv(&format!("ret.{what}"), w);
            self.push(v);
        }
    }

    fn call(&mut self, callee: u32) {
        let module = self.cx.module;
        let Some(f) = module.function(callee) else { return };
        let params = self.param_widths(callee);
        let results: Vec<u32> = module
            .func_sig(callee)
            .map(|s| s.results.iter().map(|t| width_of(*t)).collect())
            .unwrap_or_default();
        let mut args: Vec<BV> = params.iter().rev().map(|w| self.pop(*w)).collect();
        args.reverse();
        if f.is_import() {
            self.host_call(callee, &args, &results);
            return;
        }
        let depth_ok = (self.call_stack.len() as u32) <= self.bounds.depth;
        let recursive = self.call_stack.contains(&callee);
        let small = f.body.len() <= 120 && self.steps < self.bounds.max_steps / 2;
        if depth_ok && !recursive && (self.reaching.contains(&callee) || small) {
            self.call_stack.push(callee);
            self.enter_function(callee, &args);
            self.call_stack.pop();
            return;
        }
        let name = module.func_name(callee);
        if self.reaching.contains(&callee) && self.notes.missed.is_none() {
            let why = if recursive { "recursive call" } else { "call deeper than the depth bound" };
            self.notes.missed = Some(format!("{why} to {name}"));
        }
        self.summarize(&name, &results);
    }

    /// A host call: fresh results, and the platform model's facts.
    fn host_call(&mut self, callee: u32, args: &[BV], results: &[u32]) {
        let host = self.cx.host_fn(callee);
        let name = self.cx.host_display_name(callee);
        let mut outs = Vec::new();
        for &w in results {
            let v = self.fresh_bv(&name, w);
            outs.push(v.clone());
            self.push(v);
        }
        let Some(host) = host else {
            if !args.is_empty() {
                self.st.mem = self.fresh_mem();
            }
            return;
        };
        if host.has(Effect::Abort) {
            match host.arg("condition").and_then(|k| args.get(k as usize)) {
                Some(c) => self.guard = Bool::and(&[self.guard.clone(), is_zero(c).not()]),
                None => self.live = false,
            }
        }
        if host.has(Effect::AuthCheck) && host.traps_on_failure() {
            if let Some(acct) = host.arg("account").and_then(|k| args.get(k as usize)) {
                self.witnesses.push((format!("{name}.account"), acct.clone()));
            }
        }
        let role = if host.has(Effect::CallerId) {
            Some("caller")
        } else if host.has(Effect::OriginId) {
            Some("origin")
        } else if host.has(Effect::CallValue) {
            Some("amount")
        } else {
            None
        };
        if let (Some(role), Some(v)) = (role, outs.first()) {
            self.witnesses.push((role.to_string(), v.clone()));
        }
        let harmless =
            host.effects.iter().all(|e| matches!(e, Effect::Abort | Effect::AuthCheck | Effect::Log));
        if !args.is_empty() && !harmless {
            self.st.mem = self.fresh_mem();
        }
    }

    fn load(&mut self, addr: &BV, offset: u64, bytes: u8, signed: bool, width: u32) -> BV {
        let Ok(offset) = u32::try_from(offset) else { return self.fresh_bv("load", width) };
        let base = addr.bvadd(BV::from_u64(u64::from(offset), 32));
        if self.st.pristine {
            let constant = base.simplify().as_u64();
            let data = constant.and_then(|a| self.cx.module.data_at(a, usize::from(bytes)));
            if let Some(data) = data {
                let mut raw = 0u64;
                for (k, b) in data.iter().enumerate().take(8) {
                    raw |= u64::from(*b) << (8 * k);
                }
                let v = BV::from_u64(raw, u32::from(bytes) * 8);
                return extend_to(v, width, signed);
            }
        }
        let mut acc: Option<BV> = None;
        for k in 0..u32::from(bytes) {
            let a = base.bvadd(BV::from_u64(u64::from(k), 32));
            let Some(byte) = self.st.mem.select(&a).as_bv() else { return self.fresh_bv("load", width) };
            acc = Some(match acc {
                None => byte,
                Some(low) => byte.concat(&low),
            });
        }
        let Some(v) = acc else { return self.fresh_bv("load", width) };
        extend_to(v, width, signed)
    }

    fn store(&mut self, addr: &BV, offset: u64, bytes: u8, value: &BV) {
        let Ok(offset) = u32::try_from(offset) else {
            self.st.mem = self.fresh_mem();
            return;
        };
        let base = addr.bvadd(BV::from_u64(u64::from(offset), 32));
        self.st.pristine = false;
        let mut mem = self.st.mem.clone();
        for k in 0..u32::from(bytes) {
            if 8 * k + 7 >= value.get_size() {
                break;
            }
            let a = base.bvadd(BV::from_u64(u64::from(k), 32));
            mem = mem.store(&a, &value.extract(8 * k + 7, 8 * k));
        }
        self.st.mem = mem;
    }

    fn unary(&mut self, w: Width, op: UnOp) {
        let n = bits(w);
        let x = self.pop(n);
        let v = match op {
            UnOp::Eqz => bool_to_i32(&is_zero(&x)),
            UnOp::Extend8S => x.extract(7, 0).sign_ext(n - 8),
            UnOp::Extend16S => x.extract(15, 0).sign_ext(n - 16),
            UnOp::Extend32S if n == 64 => x.extract(31, 0).sign_ext(32),
            UnOp::Extend32S => x,
            UnOp::Clz | UnOp::Ctz | UnOp::Popcnt => {
                self.notes.unsupported.insert(format!("{}", Op::Unary(w, op)));
                self.fresh_bv("bitcount", n)
            }
        };
        self.push(v);
    }

    fn binary(&mut self, w: Width, op: BinOp) {
        let n = bits(w);
        let b = self.pop(n);
        let a = self.pop(n);
        let mask = BV::from_u64(u64::from(n - 1), n);
        let nonzero = is_zero(&b).not();
        let v = match op {
            BinOp::Add => a.bvadd(&b),
            BinOp::Sub => a.bvsub(&b),
            BinOp::Mul => a.bvmul(&b),
            BinOp::DivU | BinOp::DivS | BinOp::RemU | BinOp::RemS => {
                // Division by zero traps: only executions with a non-zero divisor go on.
                self.guard = Bool::and(&[self.guard.clone(), nonzero]);
                match op {
                    BinOp::DivU => a.bvudiv(&b),
                    BinOp::DivS => a.bvsdiv(&b),
                    BinOp::RemU => a.bvurem(&b),
                    _ => a.bvsrem(&b),
                }
            }
            BinOp::And => a.bvand(&b),
            BinOp::Or => a.bvor(&b),
            BinOp::Xor => a.bvxor(&b),
            BinOp::Shl => a.bvshl(b.bvand(&mask)),
            BinOp::ShrS => a.bvashr(b.bvand(&mask)),
            BinOp::ShrU => a.bvlshr(b.bvand(&mask)),
            BinOp::Rotl => a.bvrotl(b.bvand(&mask)),
            BinOp::Rotr => a.bvrotr(b.bvand(&mask)),
        };
        self.push(v);
    }
}

/// `v` sign- or zero-extended (or truncated) to `width` bits.
fn extend_to(v: BV, width: u32, signed: bool) -> BV {
    let got = v.get_size();
    if got >= width {
        return if got == width { v } else { v.extract(width - 1, 0) };
    }
    if signed {
        v.sign_ext(width - got)
    } else {
        v.zero_ext(width - got)
    }
}

/// Result width of an [`Op::Other`] instruction, from its name (`F64Div`, `I32TruncF64S`,
/// `I64x2Add`).
fn other_result_width(name: &str) -> u32 {
    let lower = name.to_ascii_lowercase();
    if ["v128", "i8x16", "i16x8", "i32x4", "i64x2", "f32x4", "f64x2"].iter().any(|p| lower.starts_with(p)) {
        128
    } else if lower.starts_with("i64") || lower.starts_with("f64") {
        64
    } else {
        32
    }
}

/// Whether an [`Op::Other`] instruction may write linear memory (bulk memory, atomic and SIMD
/// stores, read-modify-writes).
fn writes_memory(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("memory") || ["store", "rmw", "cmpxchg"].iter().any(|w| lower.contains(w))
}
