//! NEAR: the contract's own methods that an SDK promise builder schedules as callbacks.
//!
//! A low-level NEAR contract names the method of a cross-contract call in the host call itself
//! (`promise_then(.., "on_done", ..)`), and [`crate::authz::near_callbacks`] reads it there.
//! near-sdk 5's high-level calls (`ext_contract` traits, `Self::ext(..).on_done(..)`) do not:
//! the generated code copies the method name into a heap `String` (`to_vec(dst, "on_done", 7)`)
//! and hands the string to the builder (`Promise::function_call_weight(promise, &name, &args,
//! ..)`), which only queues the action; the host call that issues it runs much later, when the
//! promise is returned, and reads the name from the heap.
//!
//! This module joins the two by data, in the function that builds the calls:
//! - a **named string** is a call whose arguments are a frame address `D`, a constant pointer and
//!   a constant length that spell an identifier (`[A-Za-z0-9_]`): a string copied from a
//!   literal into the frame; or, where rustc inlined that copy (short names), a frame `String`
//!   at `D` (`{cap, ptr, len}`: a constant length at `D + 8`, a pointer `P` at `D + 4`) whose
//!   bytes are stored at `P` from loads of the literal's constant addresses;
//! - its **builder slot** is the first later call in the same function that takes `D` (the same
//!   frame address) as an argument: the callee and the argument position;
//! - a builder slot that receives, in one function, both the name of one of the module's own
//!   exported methods and a name the module does not export is where method names of calls are
//!   given, and the function schedules its own method after a call to another contract's method:
//!   a callback. (A contract that only calls itself, a deploy followed by `migrate` in one batch,
//!   names no foreign method there.)
//!
//! Only modules that can chain a promise after another (`promise_then`, `promise_batch_then`)
//! are searched.

use crate::Context;
use std::collections::{BTreeMap, BTreeSet};
use wasmaudit_flow::Base;
use wasmaudit_front::Op;
use wasmaudit_platform::Platform;

/// One of the module's own methods scheduled through a promise builder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltCallback {
    /// The method's export name.
    pub name: String,
    /// Function that builds the call.
    pub func: u32,
    /// The builder call that receives the method name.
    pub instr: usize,
}

/// Longest method name followed (NEAR allows 256 bytes; SDK method names are far shorter).
const MAX_NAME: i64 = 128;

/// NEAR host calls that run a promise after another one: only a module that imports one can
/// have callbacks.
pub const PROMISE_CHAINING: [&str; 2] = ["promise_then", "promise_batch_then"];

/// The bytes as a method name, when they spell an identifier (`[A-Za-z0-9_]`).
fn identifier(bytes: &[u8]) -> Option<String> {
    let ok = !bytes.is_empty() && bytes.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_');
    ok.then(|| String::from_utf8_lossy(bytes).into_owned())
}

/// The module's own methods that a promise builder schedules after a call to another contract's
/// method (computed once per module).
pub fn built_callbacks(cx: &Context<'_>) -> std::rc::Rc<Vec<BuiltCallback>> {
    cx.memo(find)
}

fn find(cx: &Context<'_>) -> Vec<BuiltCallback> {
    let mut out = Vec::new();
    if cx.platform != Platform::Near {
        return out;
    }
    let imports = cx.module.num_imported_funcs;
    let chains =
        (0..imports).any(|f| cx.host_fn(f).is_some_and(|h| PROMISE_CHAINING.contains(&h.name.as_str())));
    if !chains {
        return out;
    }
    let exported: BTreeSet<&str> = cx.entry_points().into_iter().map(|(n, _)| n).collect();
    for f in cx.module.functions.iter().filter(|f| !f.is_import()) {
        // (builder callee, argument) -> (names given there, the first builder call of each).
        let mut slots: BTreeMap<(u32, usize), Vec<(String, usize)>> = BTreeMap::new();
        for (at, name, dst) in named_strings(cx, f.index) {
            if let Some((instr, callee, arg)) = builder_slot(cx, f.index, at, dst) {
                let names = slots.entry((callee, arg)).or_default();
                if !names.iter().any(|(n, _)| *n == name) {
                    names.push((name, instr));
                }
            }
        }
        for names in slots.values() {
            let foreign = names.iter().any(|(n, _)| !exported.contains(n.as_str()));
            if !foreign {
                continue;
            }
            for (name, instr) in names.iter().filter(|(n, _)| exported.contains(n.as_str())) {
                out.push(BuiltCallback { name: name.clone(), func: f.index, instr: *instr });
            }
        }
    }
    out
}

/// Calls of `func` that copy an identifier literal into the frame: `(instruction, the
/// identifier, the frame address it is copied to)`.
fn named_strings(cx: &Context<'_>, func: u32) -> Vec<(usize, String, wasmaudit_flow::Addr)> {
    let Some(f) = cx.module.function(func) else { return Vec::new() };
    let body = &f.body;
    // Cheap filter on the instruction stream before any value is looked at: a direct call whose
    // last two arguments are pushed as constants.
    let candidates: Vec<usize> = (2..body.len())
        .filter(|&i| {
            matches!(body[i].op, Op::Call(_))
                && matches!(body[i - 1].op, Op::I32Const(l) if l > 0 && i64::from(l) <= MAX_NAME)
                && matches!(body[i - 2].op, Op::I32Const(_))
        })
        .collect();
    if candidates.is_empty() {
        return Vec::new();
    }
    let (Some(values), Some(ev)) = (cx.program.values(func), cx.evaluator(func)) else { return Vec::new() };
    let mut out = Vec::new();
    for i in candidates {
        let ops = values.operands(i);
        let [dst, ptr, len] = ops else { continue };
        let Some(len) = ev.constant(*len).and_then(|l| usize::try_from(l).ok()) else { continue };
        let Some(name) = ev.data_bytes(*ptr, len).and_then(identifier) else { continue };
        let addr = ev.address(*dst, 0);
        if matches!(addr.base, Base::Absolute) {
            continue;
        }
        out.push((i, name, addr));
    }
    out.extend(inlined_strings(cx, func));
    out
}

/// Frame `String`s (`{cap, ptr, len}`, 32-bit fields) whose bytes the function copies from a
/// literal itself, as rustc inlines `"name".to_string()` for short names: `(the store of the
/// length, the identifier, the frame address of the String)`.
fn inlined_strings(cx: &Context<'_>, func: u32) -> Vec<(usize, String, wasmaudit_flow::Addr)> {
    let (Some(f), Some(values), Some(ev)) =
        (cx.module.function(func), cx.program.values(func), cx.evaluator(func))
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (len_at, stores) in ev.store_slots() {
        if matches!(len_at.base, Base::Absolute) {
            continue;
        }
        for &(store, v, width) in stores {
            let Some(len) = ev.constant(v).filter(|l| width == 4 && *l > 0 && *l <= MAX_NAME) else {
                continue;
            };
            let (Some(string_at), Some(ptr_off)) =
                (len_at.offset.checked_sub(8), len_at.offset.checked_sub(4))
            else {
                continue;
            };
            let string = wasmaudit_flow::Addr { base: len_at.base, offset: string_at };
            let ptr_at = wasmaudit_flow::Addr { base: len_at.base, offset: ptr_off };
            for &(_, p, _) in ev.stored_at(ptr_at) {
                if let Some(name) = copied_literal(cx, f, values, ev, p, len) {
                    out.push((store, name, string));
                }
            }
        }
    }
    out
}

/// The identifier the function stores at the address `p` holds, `len` bytes long, when every
/// byte comes from a load of a constant data address (a literal copied word by word).
fn copied_literal(
    cx: &Context<'_>,
    f: &wasmaudit_front::Function,
    values: &wasmaudit_flow::FunctionValues,
    ev: &wasmaudit_flow::Evaluator<'_>,
    p: wasmaudit_flow::ValueId,
    len: i64,
) -> Option<String> {
    let base = ev.address(p, 0);
    if matches!(base.base, Base::Absolute) || base.offset != 0 {
        return None;
    }
    let n = usize::try_from(len).ok()?;
    let mut bytes: Vec<Option<u8>> = vec![None; n];
    let from = wasmaudit_flow::Addr { base: base.base, offset: 0 };
    let to = wasmaudit_flow::Addr { base: base.base, offset: len };
    for (at, stores) in ev.store_slots().range(from..to) {
        for &(_, v, width) in stores {
            let wasmaudit_flow::ValueDef::Result { instr, .. } = values.def(v) else { return None };
            if !matches!(f.body.get(*instr).map(|i| &i.op), Some(Op::Load { .. })) {
                return None;
            }
            let src = ev.mem_address(*instr)?;
            if !matches!(src.base, Base::Absolute) {
                return None;
            }
            let data = cx.module.data_at(u64::try_from(src.offset).ok()?, usize::from(width))?;
            for (k, b) in data.iter().enumerate() {
                let i = usize::try_from(at.offset).ok()? + k;
                if let Some(slot) = bytes.get_mut(i) {
                    *slot = Some(*b);
                }
            }
        }
    }
    let bytes: Vec<u8> = bytes.into_iter().collect::<Option<_>>()?;
    identifier(&bytes)
}

/// The first call after `at` in `func` (in instruction order) that takes frame address `dst` as
/// an argument, to another callee than the copy at `at` (when that is a call): `(instruction,
/// callee, argument)`.
fn builder_slot(
    cx: &Context<'_>,
    func: u32,
    at: usize,
    dst: wasmaudit_flow::Addr,
) -> Option<(usize, u32, usize)> {
    let f = cx.module.function(func)?;
    let (values, ev) = (cx.program.values(func)?, cx.evaluator(func)?);
    // The copy itself, when it is a call, is not the builder.
    let copier = match f.body.get(at)?.op {
        Op::Call(c) => Some(c),
        _ => None,
    };
    for (i, ins) in f.body.iter().enumerate().skip(at + 1) {
        let Op::Call(callee) = ins.op else { continue };
        if Some(callee) == copier {
            continue;
        }
        if let Some(arg) = values.operands(i).iter().position(|v| ev.address(*v, 0) == dst) {
            return Some((i, callee, arg));
        }
    }
    None
}
