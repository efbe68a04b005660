//! Ways that end in a trap through the caller: a function that fails by returning an error tag
//! its caller panics on.
//!
//! [`Context::doomed`] sees a trap inside one function. Rust code mostly fails one level up: a
//! decoder that meets bad input drops what it built (a collection whose drop flushes it to
//! storage) and returns `Err`, and its caller's `expect` panics. [`doomed_through_return`] asks
//! whether the way from an instruction out of its function writes a constant tag to the result
//! slot behind a pointer parameter (the `Result`/`Option` discriminant), and whether the caller,
//! reading that tag after the call, can only branch to a way that traps.

use crate::Context;
use wasmaudit_flow::{Base, BlockId, EdgeKind, ValueDef, ValueId};
use wasmaudit_front::{CmpOp, ConvOp, Op, UnOp};

/// Instructions after a call searched for the load of its result tag.
const TAG_WINDOW: usize = 32;

/// Whether every way from instruction `instr` of `func` out of it returns a constant tag that
/// the caller, at the call `site` of `caller`, turns into a certain trap.
pub fn doomed_through_return(cx: &Context<'_>, func: u32, instr: usize, caller: u32, site: usize) -> bool {
    let Some(tag) = returned_tag(cx, func, instr) else { return false };
    traps_on_tag(cx, caller, site, tag)
}

/// A store to a slot behind a parameter: its instruction and the constant it stores, if any.
type SlotStore = (usize, Option<i64>);

/// A constant written through a pointer parameter on the way out.
#[derive(Debug, Clone, Copy)]
struct Tag {
    param: u32,
    offset: i64,
    value: i64,
}

/// The tag the function holds in one slot behind a pointer parameter when it returns on a way
/// from `instr`: what the stores that may follow `instr` write (all the same constant), else
/// what the nearest store before it on every way wrote; the slot must also be written with
/// something else on another way (the other outcome).
fn returned_tag(cx: &Context<'_>, func: u32, instr: usize) -> Option<Tag> {
    let (f, values, ev, cfg) =
        (cx.module.function(func)?, cx.program.values(func)?, cx.evaluator(func)?, cx.program.cfg(func)?);
    let mut slots: std::collections::BTreeMap<(u32, i64), Vec<SlotStore>> = std::collections::BTreeMap::new();
    for (i, ins) in f.body.iter().enumerate() {
        let Op::Store { kind, .. } = ins.op else { continue };
        if kind.bytes > 4 {
            continue;
        }
        let Some(addr) = ev.mem_address(i) else { continue };
        let Base::Value(b) = addr.base else { continue };
        let ValueDef::Param(p) = values.def(b) else { continue };
        let stored = values.operands(i).get(1).and_then(|v| ev.constant(*v));
        slots.entry((*p, addr.offset)).or_default().push((i, stored));
    }
    slots.into_iter().find_map(|((param, offset), stores)| {
        let after: Vec<&SlotStore> = stores.iter().filter(|(i, _)| cfg.instr_reaches(instr, *i)).collect();
        let value = if after.is_empty() {
            let before = stores
                .iter()
                .filter(|(i, _)| *i != instr && cfg.dominates(*i, instr))
                .max_by_key(|(i, _)| *i);
            before?.1?
        } else {
            let first = after[0].1?;
            if !after.iter().all(|(_, v)| *v == Some(first)) {
                return None;
            }
            first
        };
        let other = stores.iter().any(|(_, v)| *v != Some(value));
        other.then_some(Tag { param, offset, value })
    })
}

/// Whether, after the call at `site` of `caller`, the first load of the tag slot decides a
/// branch whose side for `tag.value` can only trap.
fn traps_on_tag(cx: &Context<'_>, caller: u32, site: usize, tag: Tag) -> bool {
    let (Some(f), Some(values), Some(ev), Some(cfg)) =
        (cx.module.function(caller), cx.program.values(caller), cx.evaluator(caller), cx.program.cfg(caller))
    else {
        return false;
    };
    let Some(&ptr) = values.operands(site).get(tag.param as usize) else { return false };
    let slot = ev.address(ptr, 0);
    let slot = wasmaudit_flow::Addr { base: slot.base, offset: slot.offset.saturating_add(tag.offset) };
    let end = f.body.len().min(site + 1 + TAG_WINDOW);
    let Some(load) = (site + 1..end).find(|i| {
        matches!(f.body[*i].op, Op::Load { .. })
            && ev.mem_address(*i) == Some(slot)
            && cfg.dominates(site, *i)
    }) else {
        return false;
    };
    let Some(&loaded) = values.results(load).first() else { return false };
    // The first branch after the load whose condition is the tag or a test of it.
    (load + 1..end).any(|b| {
        let taken = match f.body[b].op {
            Op::If(_) | Op::BrIf(_) => {
                let Some(&c) = values.operands(b).last() else { return false };
                match eval(cx, caller, c, loaded, tag.value, 0) {
                    Some(v) => Some(if v != 0 { EdgeKind::True } else { EdgeKind::False }),
                    None => return false,
                }
            }
            _ => None,
        };
        let Some(kind) = taken else { return false };
        let Some(block) = cfg.block_of(b) else { return false };
        cfg.successors(block).filter(|(_, k)| *k == kind).all(|(s, _)| block_doomed(cx, caller, s, 0))
            && cfg.successors(block).any(|(_, k)| k == kind)
    })
}

/// Whether every way from block `b` of `func` traps.
fn block_doomed(cx: &Context<'_>, func: u32, b: BlockId, depth: u32) -> bool {
    let Some(cfg) = cx.program.cfg(func) else { return false };
    let block = &cfg.graph[b];
    if block.is_exit || depth > 4 {
        return false;
    }
    if block.start < block.end {
        return cx.doomed(func, block.start);
    }
    let mut succ = cfg.successors(b).peekable();
    succ.peek().is_some() && succ.all(|(s, _)| block_doomed(cx, func, s, depth + 1))
}

/// The value of `v` when `loaded` holds `tag`: constants, the tag, and comparisons, `eqz`,
/// masks and conversions of them.
fn eval(cx: &Context<'_>, func: u32, v: ValueId, loaded: ValueId, tag: i64, depth: u32) -> Option<i64> {
    if v == loaded {
        return Some(tag);
    }
    let (f, values, ev) = (cx.module.function(func)?, cx.program.values(func)?, cx.evaluator(func)?);
    if let Some(c) = ev.constant(v) {
        return Some(c);
    }
    if depth > 4 {
        return None;
    }
    let ValueDef::Result { instr, index: 0 } = values.def(v) else { return None };
    let ops = values.operands(*instr);
    let arg = |k: usize| ops.get(k).and_then(|o| eval(cx, func, *o, loaded, tag, depth + 1));
    match f.body.get(*instr)?.op {
        Op::Unary(_, UnOp::Eqz) => Some(i64::from(arg(0)? == 0)),
        Op::Convert(ConvOp::I64ExtendI32U | ConvOp::I64ExtendI32S | ConvOp::I32WrapI64) => arg(0),
        Op::Binary(_, wasmaudit_front::BinOp::And) => Some(arg(0)? & arg(1)?),
        Op::Compare(_, op) => {
            let (a, b) = (arg(0)?, arg(1)?);
            let r = match op {
                CmpOp::Eq => a == b,
                CmpOp::Ne => a != b,
                CmpOp::LtU => (a as u64) < (b as u64),
                CmpOp::GtU => (a as u64) > (b as u64),
                CmpOp::LeU => (a as u64) <= (b as u64),
                CmpOp::GeU => (a as u64) >= (b as u64),
                CmpOp::LtS => a < b,
                CmpOp::GtS => a > b,
                CmpOp::LeS => a <= b,
                CmpOp::GeS => a >= b,
            };
            Some(i64::from(r))
        }
        _ => None,
    }
}
