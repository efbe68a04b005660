//! Control flow: a CFG per function (basic blocks, branch edges, dominators) and the module's
//! call graph (direct calls, `call_indirect` resolved through element segments by type, exports
//! as roots, imports as host-call leaves).
//!
//! Invariant: built from any module the front end accepted, without panicking; unreachable code
//! gets blocks of its own with no predecessors.

mod callgraph;
mod cfg;
pub mod consts;
mod indirect;
mod nesting;
pub mod values;

pub use callgraph::{CallGraph, CallSite};
pub use cfg::{Block, BlockId, Cfg, EdgeKind};
pub use consts::{compare, eval_op, extend, Addr, Base, Evaluator};
pub use nesting::Nesting;
pub use values::{FunctionValues, LiftContext, ValueDef, ValueId};

use std::collections::{BTreeMap, BTreeSet};
use wasmaudit_front::{BinOp, Module, Op, ValType, Width};

/// A count of analysis steps left. Every analysis that can run long on adversarial input takes
/// one and stops (with a sound but coarser result) when it runs out.
#[derive(Debug, Clone)]
pub struct Budget {
    remaining: u64,
}

impl Budget {
    pub fn new(steps: u64) -> Budget {
        Budget { remaining: steps }
    }

    /// Spends `n` steps; false when the budget is exhausted.
    pub fn step(&mut self, n: u64) -> bool {
        match self.remaining.checked_sub(n) {
            Some(r) => {
                self.remaining = r;
                true
            }
            None => {
                self.remaining = 0;
                false
            }
        }
    }

    pub fn exhausted(&self) -> bool {
        self.remaining == 0
    }
}

/// Default analysis budget per module, in steps (about one per instruction per pass).
pub const DEFAULT_STEPS: u64 = 50_000_000;

/// CFGs, lifted values of all defined functions, and the call graph.
#[derive(Debug)]
pub struct Program {
    /// Indexed by function index; `None` for imported functions.
    pub cfgs: Vec<Option<Cfg>>,
    /// Lifted values, indexed by function index; `None` for imported functions.
    pub values: Vec<Option<FunctionValues>>,
    pub calls: CallGraph,
    /// The shadow-stack pointer global, when the module has one.
    pub stack_pointer: Option<u32>,
    /// Whether some analysis stopped early on the step budget.
    pub truncated: bool,
}

impl Program {
    pub fn build(module: &Module) -> Program {
        Program::build_with_budget(module, &mut Budget::new(DEFAULT_STEPS))
    }

    pub fn build_with_budget(module: &Module, budget: &mut Budget) -> Program {
        let cfgs: Vec<Option<Cfg>> =
            module.functions.iter().map(|f| (!f.is_import()).then(|| Cfg::build(&f.body))).collect();
        let calls = CallGraph::build(module);
        let stack_pointer = stack_pointer(module);
        let assigned = assigned_globals(module, &calls);
        let cx = LiftContext { module, assigned_globals: &assigned, stack_pointer };
        let values: Vec<Option<FunctionValues>> =
            module.functions.iter().map(|f| (!f.is_import()).then(|| values::lift(&cx, f, budget))).collect();
        let truncated = values.iter().flatten().any(|v| v.truncated);
        let calls = indirect::refine(module, &values, &cfgs, calls);
        Program { cfgs, values, calls, stack_pointer, truncated }
    }

    /// CFGs and the call graph only, without lifting values (for benchmarks and callers that
    /// need no data flow).
    pub fn build_control_flow(module: &Module) -> Program {
        let cfgs = module.functions.iter().map(|f| (!f.is_import()).then(|| Cfg::build(&f.body))).collect();
        let calls = CallGraph::build(module);
        let values = module.functions.iter().map(|_| None).collect();
        Program { cfgs, values, calls, stack_pointer: stack_pointer(module), truncated: false }
    }

    pub fn cfg(&self, func: u32) -> Option<&Cfg> {
        self.cfgs.get(func as usize).and_then(Option::as_ref)
    }

    pub fn values(&self, func: u32) -> Option<&FunctionValues> {
        self.values.get(func as usize).and_then(Option::as_ref)
    }
}

/// The shadow-stack pointer: the mutable i32 global that function prologues decrement
/// (`global.get g; i32.const N; i32.sub`) most often. Unoptimized code (clang `-O0`) routes both
/// operands through locals first (`global.get g; local.set a; i32.const N; local.set b;
/// local.get a; local.get b; i32.sub`): the straight-line start of each function is read for
/// that shape too.
fn stack_pointer(module: &Module) -> Option<u32> {
    let mut votes: BTreeMap<u32, usize> = BTreeMap::new();
    for f in &module.functions {
        let mut adjacent = false;
        for w in f.body.windows(3) {
            if let (Op::GlobalGet(g), Op::I32Const(_), Op::Binary(Width::I32, BinOp::Sub)) =
                (&w[0].op, &w[1].op, &w[2].op)
            {
                *votes.entry(*g).or_default() += 1;
                adjacent = true;
            }
        }
        if !adjacent {
            if let Some(g) = prologue_through_locals(f) {
                *votes.entry(g).or_default() += 1;
            }
        }
    }
    votes
        .into_iter()
        .filter(|(g, _)| module.globals.get(*g as usize).is_some_and(|x| x.mutable && x.ty == ValType::I32))
        .max_by_key(|(g, n)| (*n, std::cmp::Reverse(*g)))
        .map(|(g, _)| g)
}

/// The global an unoptimized prologue decrements by a constant through locals: the function's
/// straight-line start is run on a stack of "global `g`", "a constant" and "something else"
/// until its first `i32.sub`.
fn prologue_through_locals(f: &wasmaudit_front::Function) -> Option<u32> {
    #[derive(Clone, Copy, PartialEq)]
    enum V {
        Global(u32),
        Const,
        Other,
    }
    let mut stack: Vec<V> = Vec::new();
    let mut locals: BTreeMap<u32, V> = BTreeMap::new();
    for ins in f.body.iter().take(16) {
        match ins.op {
            Op::GlobalGet(g) => stack.push(V::Global(g)),
            Op::I32Const(_) => stack.push(V::Const),
            Op::LocalGet(l) => stack.push(locals.get(&l).copied().unwrap_or(V::Other)),
            Op::LocalSet(l) => {
                locals.insert(l, stack.pop()?);
            }
            Op::LocalTee(l) => {
                locals.insert(l, *stack.last()?);
            }
            Op::Binary(Width::I32, BinOp::Sub) => {
                let (b, a) = (stack.pop()?, stack.pop()?);
                return match (a, b) {
                    (V::Global(g), V::Const) => Some(g),
                    _ => None,
                };
            }
            _ => return None,
        }
    }
    None
}

/// Globals each function may assign, directly or through the functions it calls.
fn assigned_globals(module: &Module, calls: &CallGraph) -> Vec<Vec<u32>> {
    let n = module.functions.len();
    let mut sets: Vec<BTreeSet<u32>> = module
        .functions
        .iter()
        .map(|f| {
            f.body.iter().filter_map(|i| if let Op::GlobalSet(g) = i.op { Some(g) } else { None }).collect()
        })
        .collect();
    // Propagate callee sets to callers until nothing changes; sets only grow, and the number of
    // rounds is capped for adversarial call chains (deeper chains keep a smaller, earlier set).
    for _ in 0..n.min(64) {
        let mut changed = false;
        for f in 0..n {
            let mut add = BTreeSet::new();
            for (_, targets) in calls.call_sites(f as u32) {
                for t in targets {
                    if let Some(s) = sets.get(*t as usize) {
                        add.extend(s.iter().copied());
                    }
                }
            }
            let before = sets[f].len();
            sets[f].extend(add);
            changed |= sets[f].len() != before;
        }
        if !changed {
            break;
        }
    }
    sets.into_iter().map(|s| s.into_iter().collect()).collect()
}
