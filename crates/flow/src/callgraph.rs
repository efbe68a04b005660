//! The call graph: one node per function (imports are host-call leaves), one edge per call site
//! and possible target. `call_indirect` targets are the functions placed in the called table by
//! element segments whose signature equals the expected type.

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::{Bfs, EdgeRef};
use petgraph::Direction;
use std::collections::{BTreeSet, HashMap};
use wasmaudit_front::{FuncSig, Module, Op};

/// One call instruction and one of its possible targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallSite {
    /// Instruction index in the caller's body.
    pub instr: usize,
    pub indirect: bool,
}

#[derive(Debug)]
pub struct CallGraph {
    pub graph: DiGraph<u32, CallSite, u32>,
    nodes: Vec<NodeIndex<u32>>,
    /// Exported functions and the start function, sorted.
    pub roots: Vec<u32>,
    /// Per function: `(instr, targets)` for each call instruction, in body order.
    sites: Vec<Vec<(usize, Vec<u32>)>>,
}

impl CallGraph {
    pub fn build(module: &Module) -> CallGraph {
        let mut graph = DiGraph::default();
        let nodes: Vec<_> = module.functions.iter().map(|f| graph.add_node(f.index)).collect();
        let tables = indirect_targets(module);
        let mut sites = vec![Vec::new(); module.functions.len()];
        for f in module.functions.iter().filter(|f| !f.is_import()) {
            for (i, instr) in f.body.iter().enumerate() {
                let (targets, indirect): (Vec<u32>, bool) = match &instr.op {
                    Op::Call(t) | Op::ReturnCall(t) => (vec![*t], false),
                    Op::CallIndirect { type_index, table } | Op::ReturnCallIndirect { type_index, table } => {
                        (resolve_indirect(module, &tables, *table, *type_index), true)
                    }
                    _ => continue,
                };
                for &t in &targets {
                    if let (Some(&from), Some(&to)) = (nodes.get(f.index as usize), nodes.get(t as usize)) {
                        graph.add_edge(from, to, CallSite { instr: i, indirect });
                    }
                }
                if let Some(s) = sites.get_mut(f.index as usize) {
                    s.push((i, targets));
                }
            }
        }
        let mut roots: BTreeSet<u32> = module.exported_funcs().map(|(_, i)| i).collect();
        roots.extend(module.start);
        CallGraph { graph, nodes, roots: roots.into_iter().collect(), sites }
    }

    /// The same graph with the targets of some call sites replaced: `(function, instruction,
    /// targets)`, each a subset of the site's targets.
    pub(crate) fn with_targets(mut self, replace: Vec<(u32, usize, Vec<u32>)>) -> CallGraph {
        for (f, instr, targets) in replace {
            let Some(sites) = self.sites.get_mut(f as usize) else { continue };
            if let Ok(k) = sites.binary_search_by_key(&instr, |(i, _)| *i) {
                sites[k].1 = targets;
            }
        }
        // Whether a site is indirect is a fact of its instruction: read once from the old edges
        // (a site keeps a subset of its targets).
        let indirect_sites: std::collections::BTreeSet<(u32, usize)> = self
            .graph
            .edge_references()
            .filter(|e| e.weight().indirect)
            .map(|e| (self.graph[e.source()], e.weight().instr))
            .collect();
        let mut graph = DiGraph::default();
        let nodes: Vec<_> = (0..self.nodes.len()).map(|f| graph.add_node(f as u32)).collect();
        for (f, sites) in self.sites.iter().enumerate() {
            for (instr, targets) in sites {
                let indirect = indirect_sites.contains(&(f as u32, *instr));
                for &t in targets {
                    if let (Some(&from), Some(&to)) = (nodes.get(f), nodes.get(t as usize)) {
                        graph.add_edge(from, to, CallSite { instr: *instr, indirect });
                    }
                }
            }
        }
        self.graph = graph;
        self.nodes = nodes;
        self
    }

    /// Call instructions of `func` with their possible targets, in body order.
    pub fn call_sites(&self, func: u32) -> &[(usize, Vec<u32>)] {
        self.sites.get(func as usize).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Possible targets of the call at instruction `instr` of `func`.
    pub fn targets_at(&self, func: u32, instr: usize) -> &[u32] {
        let sites = self.call_sites(func);
        match sites.binary_search_by_key(&instr, |(i, _)| *i) {
            Ok(k) => &sites[k].1,
            Err(_) => &[],
        }
    }

    /// Direct and indirect callers of `func`, each with the call instruction index.
    pub fn callers(&self, func: u32) -> Vec<(u32, CallSite)> {
        let Some(&n) = self.nodes.get(func as usize) else { return Vec::new() };
        let mut out: Vec<_> = self
            .graph
            .edges_directed(n, Direction::Incoming)
            .map(|e| (self.graph[e.source()], *e.weight()))
            .collect();
        out.sort_by_key(|(f, s)| (*f, s.instr));
        out.dedup();
        out
    }

    /// Functions reachable from `root` (including it), sorted.
    pub fn reachable_from(&self, root: u32) -> Vec<u32> {
        let Some(&n) = self.nodes.get(root as usize) else { return Vec::new() };
        let mut bfs = Bfs::new(&self.graph, n);
        let mut out = Vec::new();
        while let Some(x) = bfs.next(&self.graph) {
            out.push(self.graph[x]);
        }
        out.sort_unstable();
        out
    }
}

/// For each table: slot contents from active element segments with constant offsets; passive
/// and declared segments (usable through `table.init`/`ref.func`) are added as unknown slots.
/// The slot functions are grouped by signature (each group sorted), so resolving a call site is
/// one lookup: scanning the table per site made a module with many sites and a large table
/// quadratic (tens of seconds for a 1 MB module).
fn indirect_targets(module: &Module) -> Vec<HashMap<&FuncSig, Vec<u32>>> {
    let mut tables = vec![BTreeSet::new(); module.tables.len().max(1)];
    for seg in &module.elements {
        if let Some(t) = tables.get_mut(seg.table as usize) {
            t.extend(seg.funcs.iter().flatten().copied());
        }
    }
    tables
        .into_iter()
        .map(|slots| {
            let mut by_sig: HashMap<&FuncSig, Vec<u32>> = HashMap::new();
            for f in slots {
                if let Some(sig) = module.func_sig(f) {
                    by_sig.entry(sig).or_default().push(f);
                }
            }
            by_sig
        })
        .collect()
}

/// The slot functions of `table` whose signature equals type `type_index`, sorted.
fn resolve_indirect(
    module: &Module,
    tables: &[HashMap<&FuncSig, Vec<u32>>],
    table: u32,
    type_index: u32,
) -> Vec<u32> {
    let Some(expected) = module.types.get(type_index as usize) else { return Vec::new() };
    tables.get(table as usize).and_then(|t| t.get(expected)).cloned().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indirect_calls_resolve_by_table_and_type() {
        let bytes = wat::parse_str(
            r#"(module
                (import "env" "host" (func $host (param i32)))
                (type $t (func (param i32)))
                (table 4 funcref)
                (elem (i32.const 1) func $a $b $c)
                (func $a (param i32) local.get 0 call $host)
                (func $b (param i32))
                (func $c (result i32) i32.const 0)
                (func $main (export "main")
                    i32.const 7
                    i32.const 1
                    call_indirect (type $t)))"#,
        )
        .expect("valid WAT");
        let m = wasmaudit_front::parse(&bytes).expect("valid");
        let cg = CallGraph::build(&m);
        let main = 4;
        let site = cg.call_sites(main)[0].0;
        assert_eq!(cg.targets_at(main, site), &[1, 2], "$c has another type");
        assert_eq!(cg.roots, vec![main]);
        assert_eq!(cg.reachable_from(main), vec![0, 1, 2, 4]);
        let callers: Vec<u32> = cg.callers(0).into_iter().map(|(f, _)| f).collect();
        assert_eq!(callers, vec![1]);
        assert!(cg.callers(1)[0].1.indirect);
    }
}
