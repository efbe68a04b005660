//! Size checks on the graphs a module would produce, done on the decoded module before the
//! graphs are built: an adversarial module is refused with a clear error instead of making the
//! flow layer allocate without bound.
//!
//! The counts mirror how `wasmaudit_flow` builds its graphs (a `Cfg` per body, a `CallGraph` with
//! `call_indirect` resolved by table and signature) as upper bounds, so a module within the
//! limits never builds more than the limits say.

use std::collections::{BTreeSet, HashMap};
use wasmaudit_front::{FuncSig, Limits, Module, Op};

pub(crate) fn check(module: &Module, limits: &Limits) -> Result<(), String> {
    let blocks = cfg_blocks_bound(module, limits.max_cfg_blocks);
    if blocks > limits.max_cfg_blocks as u64 {
        return Err(format!(
            "module's control-flow graphs need more than {} basic blocks (the limit)",
            limits.max_cfg_blocks
        ));
    }
    let edges = call_edges(module, limits.max_call_edges);
    if edges > limits.max_call_edges as u64 {
        return Err(format!(
            "module's call graph needs more than {} edges (the limit): too many call_indirect sites \
             times table entries",
            limits.max_call_edges
        ));
    }
    Ok(())
}

/// Upper bound on the basic blocks of all CFGs, counting stops once past `cap`.
///
/// Per body: the entry and exit blocks, plus what each control instruction may open: `block` its
/// continuation, `loop` its header and continuation, `if` the then, else and join blocks, `br_if`
/// the fall-through block, and `else`, `end` and every instruction after which control does not
/// fall through (the dead-code block that may follow it).
pub(crate) fn cfg_blocks_bound(module: &Module, cap: usize) -> u64 {
    let mut total = 0u64;
    for f in module.functions.iter().filter(|f| !f.is_import()) {
        total += 2;
        for i in &f.body {
            total += match i.op {
                Op::If(_) => 3,
                Op::Loop(_) => 2,
                Op::Block(_)
                | Op::BrIf(_)
                | Op::Else
                | Op::End
                | Op::Br(_)
                | Op::BrTable { .. }
                | Op::Return
                | Op::ReturnCall(_)
                | Op::ReturnCallIndirect { .. }
                | Op::Unreachable => 1,
                _ => 0,
            };
        }
        if total > cap as u64 {
            break;
        }
    }
    total
}

/// Edges of the call graph: one per direct call, and per `call_indirect` one per function of the
/// expected signature that element segments place in the table. Counting stops once past `cap`.
pub(crate) fn call_edges(module: &Module, cap: usize) -> u64 {
    let mut slots = vec![BTreeSet::new(); module.tables.len().max(1)];
    for seg in &module.elements {
        if let Some(t) = slots.get_mut(seg.table as usize) {
            t.extend(seg.funcs.iter().flatten().copied());
        }
    }
    // Per table, how many slot functions have each signature: one lookup per call site.
    let by_sig: Vec<HashMap<&FuncSig, u64>> = slots
        .iter()
        .map(|table| {
            let mut counts = HashMap::new();
            for sig in table.iter().filter_map(|&f| module.func_sig(f)) {
                *counts.entry(sig).or_insert(0) += 1;
            }
            counts
        })
        .collect();
    let indirect = |table: u32, type_index: u32| -> u64 {
        let Some(sig) = module.types.get(type_index as usize) else { return 0 };
        by_sig.get(table as usize).and_then(|t| t.get(sig)).copied().unwrap_or(0)
    };
    let mut total = 0u64;
    for f in module.functions.iter().filter(|f| !f.is_import()) {
        for i in &f.body {
            total += match i.op {
                Op::Call(_) | Op::ReturnCall(_) => 1,
                Op::CallIndirect { type_index, table } | Op::ReturnCallIndirect { type_index, table } => {
                    indirect(table, type_index)
                }
                _ => 0,
            };
        }
        if total > cap as u64 {
            break;
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmaudit_flow::Program;

    fn module(src: &str) -> Module {
        let bytes = wat::parse_str(src).expect("test WAT is valid");
        wasmaudit_front::parse(&bytes).expect("valid module")
    }

    const CONTROL: &str = r#"(module
        (type $t (func (param i32)))
        (table 4 funcref)
        (elem (i32.const 0) func $a $b $a)
        (func $a (param i32)
            block
              local.get 0
              br_if 0
              loop
                local.get 0
                if
                  br 1
                else
                  local.get 0
                  br_table 0 1 2
                  nop
                end
              end
              unreachable
              nop
            end
            return
            nop)
        (func $b (param i32)
            local.get 0
            local.get 0
            call_indirect (type $t)
            local.get 0
            call $a
            local.get 0
            if return end))"#;

    #[test]
    fn bounds_cover_what_flow_builds() {
        let m = module(CONTROL);
        let program = Program::build(&m);
        let blocks: usize = program.cfgs.iter().flatten().map(|c| c.num_blocks()).sum();
        let bound = cfg_blocks_bound(&m, usize::MAX);
        assert!(bound >= blocks as u64, "bound {bound} below actual {blocks}");
        assert!(bound <= 3 * blocks as u64, "bound {bound} far above actual {blocks}");
        // `$a` is in the table once (deduplicated) with the expected type, `$b` too: 2 + 1 direct.
        assert_eq!(call_edges(&m, usize::MAX), program.calls.graph.edge_count() as u64);
        assert_eq!(call_edges(&m, usize::MAX), 3);
    }

    #[test]
    fn the_default_step_budget_is_the_flow_layers() {
        assert_eq!(Limits::default().max_analysis_steps, wasmaudit_flow::DEFAULT_STEPS);
    }

    #[test]
    fn limits_give_clear_errors() {
        let m = module(CONTROL);
        let tight = Limits { max_cfg_blocks: 5, ..Limits::default() };
        let err = check(&m, &tight).expect_err("over the block limit");
        assert!(err.contains("more than 5 basic blocks"), "{err}");
        let tight = Limits { max_call_edges: 2, ..Limits::default() };
        let err = check(&m, &tight).expect_err("over the edge limit");
        assert!(err.contains("more than 2 edges"), "{err}");
        assert_eq!(check(&m, &Limits::default()), Ok(()));
    }
}
