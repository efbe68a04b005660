//! Host actions queued as tagged records and issued later by a dispatcher.
//!
//! An SDK may not call the host where the contract asks for an action. near-sdk's `Promise`
//! builder appends a `PromiseAction` enum value (a tag byte, then the fields) to a vector, and
//! when the promise is dropped or returned one generic function walks the vector and `match`es
//! on each tag, issuing `promise_batch_action_add_key_with_full_access` for one tag,
//! `promise_batch_action_delete_account` for another. Seen from the host call, every action
//! looks reachable from every entry point that builds any promise; seen from the entry point,
//! nothing calls the host.
//!
//! This module joins the two ends by data, not by names:
//! - a **switch** is a `br_table` whose selector is a value loaded from memory behind a
//!   pointer (tag at a constant offset `K`, `W` bytes wide), and whose arms issue different host
//!   calls; each table index gives the host calls of its arm (the code between the end of the
//!   target block and the end of the block around it, and the callees that code calls, two
//!   levels down);
//! - a **queue site** is where a function writes a constant tag `c` (a `W`-byte store at `R +
//!   K`) into a record at `R` and then hands the record over: passes `R` to the switch's
//!   function, to a function that copies from that parameter (`memory.copy`, the vector push),
//!   or copies from `R` itself.
//!
//! A queue site of tag `c` schedules the host calls of arm `c`: detectors treat it as the place
//! where the entry point asks for the action (guards before it protect it, the record's
//! contents are the action's arguments).

use crate::Context;
use std::collections::{BTreeMap, BTreeSet};
use wasmaudit_flow::{Addr, Base, ValueDef, ValueId};
use wasmaudit_front::{Module, Op};

/// One action a function queues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    /// Function that queues the record.
    pub func: u32,
    /// Instruction that hands the record over (a call or a `memory.copy`).
    pub instr: usize,
    /// Operand of that instruction that points at the record.
    pub arg: u32,
    /// Host import the dispatcher issues for the record's tag.
    pub host: u32,
    /// Function holding the switch on the tag.
    pub dispatcher: u32,
}

/// Every queued action of the module, in function and instruction order (computed once).
pub fn queued(cx: &Context<'_>) -> std::rc::Rc<QueuedActions> {
    cx.memo(|cx| QueuedActions(find(cx)))
}

/// The queued actions of a module ([`queued`]).
pub struct QueuedActions(pub Vec<Queued>);

impl QueuedActions {
    /// Queued actions whose host call has effect `e`.
    pub fn with<'s>(
        &'s self,
        cx: &'s Context<'_>,
        e: wasmaudit_platform::Effect,
    ) -> impl Iterator<Item = &'s Queued> + 's {
        self.0.iter().filter(move |q| cx.host_has(q.host, e))
    }
}

/// A switch on a tag loaded from memory.
struct Switch {
    func: u32,
    /// Offset of the tag from the record pointer.
    offset: i64,
    /// Width of the tag in bytes.
    width: u8,
    /// Host imports each tag's arm issues.
    arms: BTreeMap<i64, BTreeSet<u32>>,
}

/// Levels of calls below an arm whose host calls count as the arm's.
const ARM_DEPTH: u32 = 2;
/// Levels of calls a record may be passed down before something copies it.
const COPY_DEPTH: u32 = 2;
/// Levels of calls between a function a record is handed to and the dispatcher (near-sdk:
/// `drop_in_place<Promise>` → `Promise::drop` → `construct_recursively`).
const REACH_DEPTH: u32 = 3;
/// Bytes of an object a call is taken to hand over from the pointer it is given.
const CALL_SPAN: i64 = 64;

/// A call operand or `memory.copy` source: the instruction, the operand, the address's offset
/// from its base value and how many bytes from there it hands over.
struct Handover {
    instr: usize,
    arg: u32,
    offset: i64,
    span: i64,
}

fn find(cx: &Context<'_>) -> Vec<Queued> {
    let switches: Vec<Switch> = cx
        .module
        .functions
        .iter()
        .filter(|f| !f.is_import())
        .flat_map(|f| switches_in(cx, f.index))
        .collect();
    if switches.is_empty() {
        return Vec::new();
    }
    let mut copies_memo = BTreeMap::new();
    let mut reach_memo = BTreeMap::new();
    let mut out = Vec::new();
    for f in cx.module.functions.iter().filter(|f| !f.is_import()) {
        let (Some(values), Some(ev)) = (cx.program.values(f.index), cx.evaluator(f.index)) else { continue };
        // Hand-over candidates: each call operand and `memory.copy` source, by base value, with
        // the offset and the bytes handed over (a copy's constant length; a call: 64).
        let mut handovers: BTreeMap<ValueId, Vec<Handover>> = BTreeMap::new();
        for (i, ins) in f.body.iter().enumerate() {
            let ops = values.operands(i);
            let (positions, span): (&[u32], i64) = match &ins.op {
                Op::Call(_) => (&[0, 1, 2, 3, 4, 5, 6, 7], CALL_SPAN),
                Op::Other { name: "MemoryCopy", .. } => {
                    (&[1], ops.get(2).and_then(|&n| ev.constant(n)).unwrap_or(CALL_SPAN))
                }
                _ => continue,
            };
            for &p in positions {
                let Some(&v) = ops.get(p as usize) else { break };
                let a = ev.address(v, 0);
                if let Base::Value(b) = a.base {
                    handovers.entry(b).or_default().push(Handover {
                        instr: i,
                        arg: p,
                        offset: a.offset,
                        span,
                    });
                }
            }
        }
        if handovers.is_empty() {
            continue;
        }
        // The first hand-over of the record after its tag is written must be one that passes
        // it on to switch `sw`'s dispatcher: a copy, the dispatcher itself, a function that copies from that
        // parameter, or one that reaches the dispatcher.
        let mut passes_on = |h: &Handover, s: usize, sw: &Switch| {
            h.instr > s
                && match f.body[h.instr].op {
                    Op::Call(callee) => {
                        callee == sw.func
                            || copies_param(cx.module, cx, callee, h.arg, COPY_DEPTH, &mut copies_memo)
                            || reaches(cx, callee, sw.func, REACH_DEPTH, &mut reach_memo)
                    }
                    _ => true,
                }
        };
        for (addr, stores) in ev.store_slots() {
            if !matches!(addr.base, Base::Value(_)) {
                continue;
            }
            for &(s, val, width) in stores {
                let Some(c) = ev.constant(val) else { continue };
                for sw in switches.iter().filter(|sw| sw.width == width) {
                    let tag = c & mask(width);
                    let Some(hosts) = sw.arms.get(&tag) else { continue };
                    let record = Addr { base: addr.base, offset: addr.offset.wrapping_sub(sw.offset) };
                    // The record itself handed over, or the object holding a pointer to it (a
                    // vector whose buffer the record was written into).
                    let mut handed = None;
                    if let Base::Value(b) = record.base {
                        handed = handovers
                            .get(&b)
                            .and_then(|hs| hs.iter().find(|h| h.instr > s && h.offset == record.offset))
                            .filter(|h| passes_on(h, s, sw))
                            .map(|h| (h.instr, h.arg));
                        if handed.is_none() && record.offset == 0 {
                            if let Some(holder) = loaded_from(values, ev, b) {
                                if let Base::Value(hb) = holder.base {
                                    handed = handovers
                                        .get(&hb)
                                        .and_then(|hs| {
                                            hs.iter().find(|h| {
                                                h.instr > s
                                                    && (h.offset..h.offset.saturating_add(h.span))
                                                        .contains(&holder.offset)
                                            })
                                        })
                                        .filter(|h| passes_on(h, s, sw))
                                        .map(|h| (h.instr, h.arg));
                                }
                            }
                        }
                    }
                    let Some((instr, arg)) = handed else { continue };
                    for &host in hosts {
                        out.push(Queued { func: f.index, instr, arg, host, dispatcher: sw.func });
                    }
                }
            }
        }
    }
    out.sort_by_key(|q| (q.func, q.instr, q.host, q.dispatcher, q.arg));
    out.dedup();
    out
}

/// The address `v` was loaded from, when `v` is a loaded pointer.
fn loaded_from(
    values: &wasmaudit_flow::FunctionValues,
    ev: &wasmaudit_flow::Evaluator<'_>,
    v: ValueId,
) -> Option<Addr> {
    let ValueDef::Result { instr, index: 0 } = values.def(v) else { return None };
    matches!(ev.func.body.get(*instr)?.op, Op::Load { .. }).then(|| ev.mem_address(*instr)).flatten()
}

/// Whether `from` calls `to` within `depth` levels (direct calls).
fn reaches(cx: &Context<'_>, from: u32, to: u32, depth: u32, memo: &mut BTreeMap<(u32, u32), bool>) -> bool {
    if let Some(&known) = memo.get(&(from, to)) {
        return known;
    }
    let mut frontier = vec![from];
    let mut seen = BTreeSet::from([from]);
    let mut found = false;
    for _ in 0..depth {
        let mut next = Vec::new();
        for f in frontier {
            for (_, c) in cx.direct_calls(f) {
                found |= c == to;
                if seen.insert(c) {
                    next.push(c);
                }
            }
        }
        if found {
            break;
        }
        frontier = next;
    }
    memo.insert((from, to), found);
    found
}

fn mask(width: u8) -> i64 {
    if width >= 8 {
        -1
    } else {
        (1i64 << (8 * width as u32)) - 1
    }
}

/// The switches on a loaded tag in `func` whose arms issue different host calls.
fn switches_in(cx: &Context<'_>, func: u32) -> Vec<Switch> {
    let (Some(f), Some(values), Some(ev)) =
        (cx.module.function(func), cx.program.values(func), cx.evaluator(func))
    else {
        return Vec::new();
    };
    if !f.body.iter().any(|i| matches!(i.op, Op::BrTable { .. })) {
        return Vec::new();
    }
    let nesting = wasmaudit_flow::Nesting::of(&f.body);
    let mut open: Vec<usize> = Vec::new();
    let mut out = Vec::new();
    for (i, ins) in f.body.iter().enumerate() {
        match &ins.op {
            Op::Block(_) | Op::Loop(_) | Op::If(_) => open.push(i),
            Op::End => {
                open.pop();
            }
            Op::BrTable { targets, default } => {
                let Some(&sel) = values.operands(i).first() else { continue };
                let Some((load, shift)) = loaded_tag(cx, func, sel) else { continue };
                let Some(addr) = ev.mem_address(load) else { continue };
                let Op::Load { kind, .. } = f.body[load].op else { continue };
                if !matches!(addr.base, Base::Value(_)) {
                    continue;
                }
                let mut arms: BTreeMap<i64, BTreeSet<u32>> = BTreeMap::new();
                // Cases share labels: each label's arm is walked once.
                let mut by_depth: BTreeMap<u32, Option<BTreeSet<u32>>> = BTreeMap::new();
                for (index, &depth) in targets.iter().enumerate() {
                    if depth == *default {
                        continue;
                    }
                    let hosts = by_depth
                        .entry(depth)
                        .or_insert_with(|| arm_hosts(cx, func, &f.body, &nesting, &open, depth));
                    let Some(hosts) = hosts else { continue };
                    if !hosts.is_empty() {
                        arms.insert((index as i64).wrapping_sub(shift) & mask(kind.bytes), hosts.clone());
                    }
                }
                let distinct: BTreeSet<&BTreeSet<u32>> = arms.values().collect();
                if distinct.len() >= 2 {
                    out.push(Switch { func, offset: addr.offset, width: kind.bytes, arms });
                }
            }
            _ => {}
        }
    }
    out
}

/// The load a `br_table` selector comes from, through conversions and a constant added to it
/// (returned: the selector is the loaded tag plus this constant).
fn loaded_tag(cx: &Context<'_>, func: u32, mut v: ValueId) -> Option<(usize, i64)> {
    let (values, f, ev) = (cx.program.values(func)?, cx.module.function(func)?, cx.evaluator(func)?);
    let mut shift = 0i64;
    for _ in 0..4 {
        let ValueDef::Result { instr, index: 0 } = values.def(v) else { return None };
        let ops = values.operands(*instr);
        match &f.body.get(*instr)?.op {
            Op::Load { .. } => return Some((*instr, shift)),
            Op::Convert(_) => v = *ops.first()?,
            Op::Binary(_, op @ (wasmaudit_front::BinOp::Add | wasmaudit_front::BinOp::Sub)) => {
                let (a, b) = (*ops.first()?, *ops.get(1)?);
                let k = ev.constant(b)?;
                shift =
                    shift.wrapping_add(if *op == wasmaudit_front::BinOp::Sub { k.wrapping_neg() } else { k });
                v = a;
            }
            _ => return None,
        }
    }
    None
}

/// Host imports with a modelled effect that the arm a `br_table` branch of `depth` leads to
/// issues: the code after the target block's `end` up to the end of the block around it, and
/// what it calls within [`ARM_DEPTH`] levels. `None` for a branch to a loop (not an arm).
fn arm_hosts(
    cx: &Context<'_>,
    func: u32,
    body: &[wasmaudit_front::Instr],
    nesting: &wasmaudit_flow::Nesting,
    open: &[usize],
    depth: u32,
) -> Option<BTreeSet<u32>> {
    let k = open.len().checked_sub(1 + depth as usize)?;
    let target = open[k];
    if matches!(body[target].op, Op::Loop(_)) {
        return None;
    }
    let start = nesting.end(target)? + 1;
    let stop = k.checked_sub(1).and_then(|p| nesting.end(open[p])).unwrap_or(body.len());
    let mut hosts = BTreeSet::new();
    let mut frontier = Vec::new();
    for ins in body.get(start..stop)? {
        if let Op::Call(c) = ins.op {
            frontier.push(c);
        }
    }
    let mut seen = BTreeSet::from([func]);
    for level in 0..=ARM_DEPTH {
        let mut next = Vec::new();
        for c in frontier {
            if cx.module.function(c).is_some_and(|g| g.is_import()) {
                if cx.host_fn(c).is_some_and(|h| !h.effects.is_empty()) {
                    hosts.insert(c);
                }
            } else if level < ARM_DEPTH && seen.insert(c) {
                next.extend(cx.direct_calls(c).map(|(_, t)| t));
            }
        }
        frontier = next;
    }
    Some(hosts)
}

/// Whether `callee` copies memory from its parameter `param` (`memory.copy` with it as the
/// source), itself or through a call that passes it on, within `depth` levels.
fn copies_param(
    module: &Module,
    cx: &Context<'_>,
    callee: u32,
    param: u32,
    depth: u32,
    memo: &mut BTreeMap<(u32, u32), bool>,
) -> bool {
    if let Some(&known) = memo.get(&(callee, param)) {
        return known;
    }
    memo.insert((callee, param), false);
    let found = (|| {
        let (f, values, ev) = (module.function(callee)?, cx.program.values(callee)?, cx.evaluator(callee)?);
        let from_param =
            |v: ValueId| matches!(ev.address(v, 0).base, Base::Value(b) if *values.def(b) == ValueDef::Param(param));
        for (i, ins) in f.body.iter().enumerate() {
            let ops = values.operands(i);
            match ins.op {
                Op::Other { name: "MemoryCopy", .. } if ops.get(1).is_some_and(|&v| from_param(v)) => {
                    return Some(true);
                }
                Op::Call(next) if depth > 1 => {
                    for (p, &v) in ops.iter().enumerate() {
                        if from_param(v)
                            && ev.address(v, 0).offset == 0
                            && copies_param(module, cx, next, p as u32, depth - 1, memo)
                        {
                            return Some(true);
                        }
                    }
                }
                _ => {}
            }
        }
        Some(false)
    })()
    .unwrap_or(false);
    memo.insert((callee, param), found);
    found
}
