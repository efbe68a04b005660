//! Control flow: a CFG per function (basic blocks, branch edges, dominators) and the module's
//! call graph (direct calls, `call_indirect` resolved through element segments by type, exports
//! as roots, imports as host-call leaves).
//!
//! Invariant: built from any module the front end accepted, without panicking; unreachable code
//! gets blocks of its own with no predecessors.

mod callgraph;
mod cfg;

pub use callgraph::{CallGraph, CallSite};
pub use cfg::{Block, BlockId, Cfg, EdgeKind};

use wasmaudit_front::Module;

/// CFGs of all defined functions plus the call graph.
#[derive(Debug)]
pub struct Program {
    /// Indexed by function index; `None` for imported functions.
    pub cfgs: Vec<Option<Cfg>>,
    pub calls: CallGraph,
}

impl Program {
    pub fn build(module: &Module) -> Program {
        let cfgs = module.functions.iter().map(|f| (!f.is_import()).then(|| Cfg::build(&f.body))).collect();
        Program { cfgs, calls: CallGraph::build(module) }
    }

    pub fn cfg(&self, func: u32) -> Option<&Cfg> {
        self.cfgs.get(func as usize).and_then(Option::as_ref)
    }
}
