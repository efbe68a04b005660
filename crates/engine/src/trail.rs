//! The way from an entry point to a flagged instruction: the shortest chain of calls in the call
//! graph from a root (an exported function or the start function) to the flagged function.
//! Computed once per flagged function and bounded, so a module with many findings or a huge
//! call graph costs little.

use std::collections::{BTreeMap, VecDeque};
use wasmaudit_flow::CallGraph;

/// Most call-graph edges looked at for one flagged function.
const MAX_EDGES: usize = 200_000;
/// Longest call chain reported; a longer way is reported as none.
const MAX_DEPTH: usize = 64;

/// Per flagged function, the calls from a root down to it: `(caller, call instruction index)`,
/// outermost first. Empty when the function is itself a root or no root reaches it within the
/// bounds.
pub(crate) struct Chains<'a> {
    calls: &'a CallGraph,
    cache: BTreeMap<u32, Vec<(u32, usize)>>,
}

impl<'a> Chains<'a> {
    pub(crate) fn new(calls: &'a CallGraph) -> Self {
        Chains { calls, cache: BTreeMap::new() }
    }

    pub(crate) fn to(&mut self, func: u32) -> &[(u32, usize)] {
        let calls = self.calls;
        self.cache.entry(func).or_insert_with(|| shortest_chain(calls, func))
    }
}

/// Breadth-first up the callers of `func` until a root; callers are visited in (function,
/// instruction) order, so among the shortest chains the same one is always chosen.
fn shortest_chain(calls: &CallGraph, func: u32) -> Vec<(u32, usize)> {
    let is_root = |f: u32| calls.roots.binary_search(&f).is_ok();
    if is_root(func) {
        return Vec::new();
    }
    // For each function reached: the call it makes on the way down, (callee, instruction), and
    // its distance from `func`.
    let mut down: BTreeMap<u32, (u32, usize, usize)> = BTreeMap::new();
    let mut queue = VecDeque::from([(func, 0usize)]);
    let mut edges = 0usize;
    while let Some((callee, depth)) = queue.pop_front() {
        if depth >= MAX_DEPTH {
            continue;
        }
        for (caller, site) in calls.callers(callee) {
            edges += 1;
            if edges > MAX_EDGES {
                return Vec::new();
            }
            if caller == func || down.contains_key(&caller) {
                continue;
            }
            down.insert(caller, (callee, site.instr, depth + 1));
            if is_root(caller) {
                return unwind(&down, caller, func);
            }
            queue.push_back((caller, depth + 1));
        }
    }
    Vec::new()
}

fn unwind(down: &BTreeMap<u32, (u32, usize, usize)>, root: u32, func: u32) -> Vec<(u32, usize)> {
    let mut chain = Vec::new();
    let mut at = root;
    while at != func {
        let Some(&(callee, instr, _)) = down.get(&at) else { return Vec::new() };
        chain.push((at, instr));
        at = callee;
        if chain.len() > MAX_DEPTH {
            return Vec::new();
        }
    }
    chain
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(src: &str) -> CallGraph {
        let bytes = wat::parse_str(src).expect("valid WAT");
        let m = wasmaudit_front::parse(&bytes).expect("valid");
        CallGraph::build(&m)
    }

    #[test]
    fn the_shortest_chain_from_an_export_is_chosen() {
        // $long reaches $sink through $mid; $short calls it directly: the export $short wins.
        let cg = graph(
            r#"(module
                (func $sink)
                (func $mid call $sink)
                (func $long (export "long") nop call $mid)
                (func $short (export "short") nop nop call $sink))"#,
        );
        assert_eq!(Chains::new(&cg).to(0), &[(3, 2)]);
        assert_eq!(Chains::new(&cg).to(1), &[(2, 1)]);
        assert!(Chains::new(&cg).to(3).is_empty(), "a root has no chain above it");
    }

    #[test]
    fn unreachable_and_recursive_functions_have_no_chain() {
        let cg = graph(
            r#"(module
                (func $a call $b)
                (func $b call $a)
                (func (export "e") nop))"#,
        );
        assert!(Chains::new(&cg).to(0).is_empty());
    }
}
