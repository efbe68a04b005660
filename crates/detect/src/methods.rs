//! Method names of dispatching host calls: which method a ChainMaker `sys_call` or a
//! XuperChain/WXVM `_call_method` invokes, so that `sys_call(header("PutState"), ...)` can be
//! treated as a storage write.
//!
//! # What is resolved
//!
//! A *dispatching import* is a host function whose platform model has a method table
//! ([`wasmaudit_platform::MethodDispatch`]). Its name argument is traced backwards through the
//! lifted values of the calling function to string constants in data segments:
//!
//! * `encoding: utf8` (`_call_method(name, name_len, ...)`): the name pointer itself is traced.
//! * `encoding: easycodec-header` (`sys_call(header, header_len, body, body_len)`): the header
//!   pointer is traced to the call that produced the serialized header (an output slot filled by
//!   `get_req_header(&mut out, ctx, "PutState", 8)` or a returned buffer); the method is then the
//!   value that producer pairs with the EasyCodec key `"method"`, read from a per-function
//!   *header summary*: which of the producer's parameters (or which constant strings) end up as
//!   the value of key `"method"`, found where the key string is used — as a `(ptr, len)`
//!   argument pair next to the value (`add_string(codec, "method", 6, ptr, len)`,
//!   `add_val(codec, 0, "method", 6, 1, &value)`, JSON `insert(obj, "method", 6, &value)`) or as
//!   a field stored into the same object as the value (TinyGo `EasyCodecItem{Key: "method",
//!   Value: ...}`). Summaries compose through up to [`MAX_SUMMARY_DEPTH`] nested producers.
//!
//! Tracing follows constants, parameters, phis and `select`s, and memory: a load reads the
//! nearest earlier writer of its slot in the same function — a store to that slot (a 64-bit
//! store of a packed `(ptr, len)` pair included), or a call that receives the slot's address
//! (a string copied into a caller-provided buffer, `to_vec(&mut out, ptr, len)` or
//! `std::string::assign(&s, ptr, strlen(ptr))`: the call's adjacent `(ptr, len)` arguments are
//! the string). "Nearest" is in instruction order: exact for straight-line code, a practical
//! approximation across branches. Strings are read with their constant length, or up to a NUL
//! when the length is not constant (C strings), and only plausible method names count
//! (1 to 64 ASCII letters, digits or `_`, not starting with a digit).
//!
//! When the name (or the header, or the object holding it) comes from a parameter of the
//! calling function, that function is a wrapper: the parameter (pointer, length, or memory
//! behind a pointer parameter) is tracked into each call site of the wrapper, context-sensitively,
//! up to [`MAX_CALLER_DEPTH`] levels of callers. Each such call site is then a dispatch site of
//! its own ([`MethodSite`]); the import call inside the wrapper is represented by them. A site is
//! *resolved* when at least one name was found and every name is in the model's method table.
//!
//! API: [`method_call_sites`] lists every dispatch site; [`resolve_method`] and [`effects_at`]
//! answer for one call instruction (an import call, all of its contexts; a wrapper call, the
//! names at that call), [`effects_at`] turning names into effects through the model's method
//! table (`sys_call` with `"PutState"` is a `storage-write`); [`MethodIndex`] computes the sites
//! once for detectors that ask about many calls.
//!
//! Not resolved: names computed at run time (concatenation, input-derived), names reaching a
//! wrapper through an exported function or more than [`MAX_CALLER_DEPTH`] levels of callers, and
//! headers built by code with no `"method"` key in reach.

use crate::Context;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use wasmaudit_flow::{Addr, Base, Evaluator, ValueDef, ValueId};
use wasmaudit_front::Op;
use wasmaudit_platform::{Effect, HostFn, NameEncoding};

/// Levels of callers a wrapper's name parameter is followed up.
pub const MAX_CALLER_DEPTH: usize = 4;
/// Levels of nested header producers a summary looks through.
pub const MAX_SUMMARY_DEPTH: usize = 3;
/// Recursion depth of one backward trace.
const MAX_TRACE_DEPTH: u32 = 24;
/// Steps of one backward trace.
const MAX_TRACE_STEPS: u32 = 4_000;
/// Dispatch sites one import call may expand into.
const MAX_CONTEXTS: usize = 512;
/// Longest method name read.
const MAX_NAME_LEN: usize = 64;
/// Bytes a call that receives the address of a struct is taken to fill.
const STRUCT_WINDOW: i64 = 16;
/// Fields of one object (the EasyCodec item holding the `"method"` key) searched for its value.
const OBJECT_WINDOW: i64 = 32;
/// The EasyCodec header key whose value is the method name.
const METHOD_KEY: &[u8] = b"method";

/// One call that dispatches on a method name: a direct call of a dispatching import, or a call
/// of a wrapper that forwards its name parameter to one.
#[derive(Debug, Clone)]
pub struct MethodSite {
    /// Calling function and call instruction.
    pub func: u32,
    pub instr: usize,
    /// The dispatching import (its `methods` table says what each name does).
    pub host: &'static HostFn,
    /// Method names found, sorted; empty when none was found.
    pub methods: Vec<String>,
    /// The call chain from this site down to the import call: `(func, instr)` of each call,
    /// this site first and the import call last (one element for a direct call).
    pub path: Vec<(u32, usize)>,
}

impl MethodSite {
    /// At least one name was found and every name is in the host's method table.
    pub fn resolved(&self) -> bool {
        let Some(table) = self.host.methods.as_ref().map(|m| &m.table) else { return false };
        !self.methods.is_empty() && self.methods.iter().all(|m| table.contains_key(m))
    }

    /// Effects of the site: the host's own plus those of every name found in its method table.
    pub fn effects(&self) -> Vec<Effect> {
        let mut out: BTreeSet<Effect> = self.host.effects.iter().copied().collect();
        if let Some(m) = &self.host.methods {
            for name in &self.methods {
                out.extend(m.effects_of(name).iter().copied());
            }
        }
        out.into_iter().collect()
    }
}

/// Every dispatch site of the module, in (import call, context) order: each direct call of a
/// dispatching import whose name is determined in its own function, and, for import calls in
/// wrappers, each call site of the wrapper (recursively up to [`MAX_CALLER_DEPTH`] levels).
pub fn method_call_sites(cx: &Context<'_>) -> Vec<MethodSite> {
    let r = Resolver::new(cx);
    let mut out = Vec::new();
    for (func, instr, host) in dispatch_calls(cx) {
        r.expand(func, instr, host, &mut out);
    }
    out
}

/// All dispatch sites of a module, indexed by every call on their call chains: for detectors
/// that ask about many calls (each [`resolve_method`] / [`effects_at`] query traces afresh).
#[derive(Debug, Clone, Default)]
pub struct MethodIndex {
    sites: Vec<MethodSite>,
    by_call: BTreeMap<(u32, usize), Vec<usize>>,
}

impl MethodIndex {
    pub fn new(cx: &Context<'_>) -> MethodIndex {
        let sites = method_call_sites(cx);
        let mut by_call: BTreeMap<(u32, usize), Vec<usize>> = BTreeMap::new();
        for (k, s) in sites.iter().enumerate() {
            for call in &s.path {
                let v = by_call.entry(*call).or_default();
                if v.last() != Some(&k) {
                    v.push(k);
                }
            }
        }
        MethodIndex { sites, by_call }
    }

    /// Every dispatch site, as [`method_call_sites`] lists them.
    pub fn sites(&self) -> &[MethodSite] {
        &self.sites
    }

    /// Dispatch sites whose call chain passes through the call at `instr` of `func`.
    pub fn sites_at(&self, func: u32, instr: usize) -> impl Iterator<Item = &MethodSite> {
        self.by_call.get(&(func, instr)).into_iter().flatten().filter_map(|k| self.sites.get(*k))
    }

    /// As [`resolve_method`].
    pub fn methods_at(&self, func: u32, instr: usize) -> Vec<String> {
        let names: BTreeSet<&String> = self.sites_at(func, instr).flat_map(|s| &s.methods).collect();
        names.into_iter().cloned().collect()
    }

    /// As [`effects_at`].
    pub fn effects_at(&self, func: u32, instr: usize) -> Vec<Effect> {
        let out: BTreeSet<Effect> = self.sites_at(func, instr).flat_map(|s| s.effects()).collect();
        out.into_iter().collect()
    }
}

/// Direct calls of dispatching imports: `(function, instruction, host model)`, in order.
pub fn dispatch_calls(cx: &Context<'_>) -> Vec<(u32, usize, &'static HostFn)> {
    let mut out = Vec::new();
    for f in cx.module.functions.iter().filter(|f| !f.is_import()) {
        for (instr, callee) in cx.direct_calls(f.index) {
            if let Some(host) = dispatching(cx, callee) {
                out.push((f.index, instr, host));
            }
        }
    }
    out
}

/// Method names the call at `instr` of `func` can invoke: a direct call of a dispatching import
/// (all contexts when the name is a parameter of `func`), or a call of a wrapper that forwards
/// to one (the names at this call site). Sorted; empty when nothing was found.
pub fn resolve_method(cx: &Context<'_>, func: u32, instr: usize) -> Vec<String> {
    let names: BTreeSet<String> =
        sites_through(cx, func, instr).into_iter().flat_map(|s| s.methods).collect();
    names.into_iter().collect()
}

/// Effects of the call at `instr` of `func` through the method names it dispatches on
/// ([`resolve_method`], turned into effects by the model's method table), plus the dispatching
/// import's own effects. Empty when the call dispatches on nothing known.
pub fn effects_at(cx: &Context<'_>, func: u32, instr: usize) -> Vec<Effect> {
    let out: BTreeSet<Effect> = sites_through(cx, func, instr).iter().flat_map(|s| s.effects()).collect();
    out.into_iter().collect()
}

/// Dispatch sites whose call chain passes through the call at `instr` of `func`.
fn sites_through(cx: &Context<'_>, func: u32, instr: usize) -> Vec<MethodSite> {
    let r = Resolver::new(cx);
    let mut sites = Vec::new();
    // Import calls reachable from this call within the wrapper depth.
    let mut frontier: Vec<u32> = cx.program.calls.targets_at(func, instr).to_vec();
    let mut seen: BTreeSet<u32> = BTreeSet::new();
    let mut direct = Vec::new();
    if let Some(host) = frontier.iter().find_map(|&t| dispatching(cx, t)) {
        direct.push((func, instr, host));
    }
    for _ in 0..MAX_CALLER_DEPTH {
        let mut next = Vec::new();
        for f in frontier {
            if !seen.insert(f) || cx.module.function(f).is_none_or(|x| x.is_import()) {
                continue;
            }
            for (i, targets) in cx.program.calls.call_sites(f) {
                if let Some(host) = targets.iter().find_map(|&t| dispatching(cx, t)) {
                    direct.push((f, *i, host));
                }
                next.extend(targets.iter().copied());
            }
        }
        frontier = next;
    }
    for (f, i, host) in direct {
        r.expand(f, i, host, &mut sites);
    }
    sites.retain(|s| s.path.contains(&(func, instr)));
    sites
}

fn dispatching(cx: &Context<'_>, func: u32) -> Option<&'static HostFn> {
    cx.host_fn(func).filter(|h| h.methods.is_some())
}

/// What is traced: a method-name string, or a serialized header holding one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Mode {
    Str,
    Header,
}

/// Where a traced string (or header) comes from, in the terms of the function traced in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Origin {
    /// A constant method name.
    Name(String),
    /// Parameter `ptr` (its length in parameter `len`, when known).
    Param { mode: Mode, ptr: u32, len: Option<u32> },
    /// Memory at `offset` from the address in parameter `param` (a string or buffer object
    /// passed by reference).
    MemParam { mode: Mode, param: u32, offset: i64 },
}

/// A use of the `"method"` key string.
#[derive(Debug, Clone, Copy)]
enum KeyUse {
    /// Passed as the `(ptr, len)` arguments `key_arg`, `key_arg + 1` of a call.
    Call { instr: usize, key_arg: usize },
    /// Stored (as a pointer) at `addr`, a field of the object that holds the value too
    /// (TinyGo `EasyCodecItem`).
    Store { addr: Addr },
}

/// A call instruction with its arguments and their split addresses.
struct CallArgs {
    instr: usize,
    args: Vec<ValueId>,
    addrs: Vec<Addr>,
}

/// The calls of one function, in body order, indexed by the addresses they receive.
#[derive(Default)]
struct Calls {
    list: Vec<CallArgs>,
    by_addr: BTreeMap<Addr, Vec<usize>>,
}

impl Calls {
    /// The last call before `at` (accepted by `keep`) that receives the address of `slot`, or
    /// failing that of a struct starting up to [`STRUCT_WINDOW`] bytes before it.
    fn filler(&self, slot: Addr, at: usize, keep: impl Fn(usize) -> bool) -> Option<&CallArgs> {
        let last = |ks: &mut dyn Iterator<Item = &usize>| {
            ks.filter_map(|k| self.list.get(*k))
                .filter(|c| c.instr < at && keep(c.instr))
                .max_by_key(|c| c.instr)
        };
        if let Some(c) = self.by_addr.get(&slot).and_then(|ks| last(&mut ks.iter())) {
            return Some(c);
        }
        let lo = Addr { base: slot.base, offset: slot.offset.saturating_sub(STRUCT_WINDOW) };
        last(&mut self.by_addr.range(lo..=slot).flat_map(|(_, ks)| ks.iter()))
    }
}

/// Step and depth limits of one backward trace.
struct Trace {
    steps: Cell<u32>,
}

impl Trace {
    fn new() -> Trace {
        Trace { steps: Cell::new(MAX_TRACE_STEPS) }
    }

    fn step(&self, depth: u32) -> bool {
        let s = self.steps.get();
        if s == 0 || depth > MAX_TRACE_DEPTH {
            return false;
        }
        self.steps.set(s - 1);
        true
    }
}

type Origins = BTreeSet<Origin>;

struct Resolver<'c, 'a> {
    cx: &'c Context<'a>,
    /// Header summaries by (function, remaining depth).
    summaries: RefCell<BTreeMap<(u32, usize), Rc<Origins>>>,
    in_progress: RefCell<BTreeSet<u32>>,
    key_uses: RefCell<BTreeMap<u32, Rc<Vec<KeyUse>>>>,
    calls: RefCell<BTreeMap<u32, Rc<Calls>>>,
}

impl<'c, 'a> Resolver<'c, 'a> {
    fn new(cx: &'c Context<'a>) -> Self {
        Resolver {
            cx,
            summaries: RefCell::default(),
            in_progress: RefCell::default(),
            key_uses: RefCell::default(),
            calls: RefCell::default(),
        }
    }

    fn ev(&self, f: u32) -> Option<&'c Evaluator<'a>> {
        self.cx.evaluator(f)
    }

    /// Arguments of the call at `instr` of `f` (the table index of `call_indirect` dropped).
    fn args_of(&self, f: u32, instr: usize) -> Vec<ValueId> {
        let Some(ev) = self.ev(f) else { return Vec::new() };
        let ops = ev.values.operands(instr);
        match ev.func.body.get(instr).map(|i| &i.op) {
            Some(Op::CallIndirect { .. } | Op::ReturnCallIndirect { .. }) => {
                ops[..ops.len().saturating_sub(1)].to_vec()
            }
            Some(Op::Call(_) | Op::ReturnCall(_)) => ops.to_vec(),
            _ => Vec::new(),
        }
    }

    /// Expands the import call at `instr` of `func` into its dispatch sites.
    fn expand(&self, func: u32, instr: usize, host: &'static HostFn, out: &mut Vec<MethodSite>) {
        let Some(md) = &host.methods else { return };
        let args = self.args_of(func, instr);
        let mut origins = Origins::new();
        if let Some(&ptr) = args.get(md.name_ptr_arg as usize) {
            let t = Trace::new();
            match md.encoding {
                NameEncoding::Utf8 => {
                    let len = md.name_len_arg.and_then(|j| args.get(j as usize).copied());
                    self.value(func, ptr, len, Mode::Str, &t, 0, &mut origins);
                }
                NameEncoding::EasycodecHeader => {
                    self.value(func, ptr, None, Mode::Header, &t, 0, &mut origins)
                }
            }
        }
        let start = out.len();
        self.contexts(vec![(func, instr)], BTreeSet::new(), origins, host, 0, start, out);
    }

    /// Records the site at the head of `path`, or follows parameter origins into the callers.
    #[allow(clippy::too_many_arguments)]
    fn contexts(
        &self,
        path: Vec<(u32, usize)>,
        mut names: BTreeSet<String>,
        origins: Origins,
        host: &'static HostFn,
        depth: usize,
        start: usize,
        out: &mut Vec<MethodSite>,
    ) {
        let Some(&(func, instr)) = path.first() else { return };
        let mut params = Vec::new();
        for o in origins {
            match o {
                Origin::Name(n) => {
                    names.insert(n);
                }
                p => params.push(p),
            }
        }
        let callers: Vec<(u32, usize)> = if params.is_empty() || depth >= MAX_CALLER_DEPTH {
            Vec::new()
        } else {
            let mut c: Vec<(u32, usize)> = self
                .cx
                .program
                .calls
                .callers(func)
                .into_iter()
                .map(|(g, site)| (g, site.instr))
                .filter(|(g, _)| !path.iter().any(|(p, _)| p == g))
                .collect();
            c.dedup();
            c
        };
        if callers.is_empty() || out.len() - start >= MAX_CONTEXTS {
            out.push(MethodSite { func, instr, host, methods: names.into_iter().collect(), path });
            return;
        }
        for (g, j) in callers {
            let args = self.args_of(g, j);
            let mut at_caller = Origins::new();
            let t = Trace::new();
            for p in &params {
                self.substitute(g, j, &args, p, &t, &mut at_caller);
            }
            let mut p2 = Vec::with_capacity(path.len() + 1);
            p2.push((g, j));
            p2.extend(path.iter().copied());
            self.contexts(p2, names.clone(), at_caller, host, depth + 1, start, out);
        }
    }

    /// Rewrites a callee-side origin into the caller `f`, at the call `instr` with `args`.
    fn substitute(&self, f: u32, instr: usize, args: &[ValueId], o: &Origin, t: &Trace, out: &mut Origins) {
        match o {
            Origin::Name(n) => {
                out.insert(Origin::Name(n.clone()));
            }
            Origin::Param { mode, ptr, len } => {
                if let Some(&v) = args.get(*ptr as usize) {
                    let len = len.and_then(|j| args.get(j as usize).copied());
                    self.value(f, v, len, *mode, t, 0, out);
                }
            }
            Origin::MemParam { mode, param, offset } => {
                let (Some(&v), Some(ev)) = (args.get(*param as usize), self.ev(f)) else { return };
                let a = ev.address(v, 0);
                let slot = Addr { base: a.base, offset: a.offset.wrapping_add(*offset) };
                self.slot(f, slot, instr, *mode, t, 0, out);
            }
        }
    }

    /// Origins of value `v` of function `f` (with its length `len`, when paired).
    #[allow(clippy::too_many_arguments)]
    fn value(
        &self,
        f: u32,
        v: ValueId,
        len: Option<ValueId>,
        mode: Mode,
        t: &Trace,
        depth: u32,
        out: &mut Origins,
    ) {
        if !t.step(depth) {
            return;
        }
        let Some(ev) = self.ev(f) else { return };
        // A load from a frame or heap slot reads its nearest writer, a call filling the slot
        // included (constant folding sees only the function's own stores).
        if let ValueDef::Result { instr, index: 0 } = ev.values.def(v) {
            if let Some(Op::Load { kind, .. }) = ev.func.body.get(*instr).map(|i| &i.op) {
                match ev.mem_address(*instr) {
                    Some(a) if kind.bytes >= 4 && a.base != Base::Absolute => {
                        self.slot(f, a, *instr, mode, t, depth + 1, out);
                        return;
                    }
                    _ => {}
                }
            }
        }
        if let Some(c) = ev.constant(v) {
            if mode == Mode::Str {
                if let Some(n) = self.name_at(ev, c, len) {
                    out.insert(Origin::Name(n));
                }
            }
            return;
        }
        match ev.values.def(v) {
            ValueDef::Param(p) => {
                let len = len.and_then(|l| match ev.values.def(l) {
                    ValueDef::Param(q) => Some(*q),
                    _ => None,
                });
                out.insert(Origin::Param { mode, ptr: *p, len });
            }
            ValueDef::Phi { instr, operands } => {
                let lens = paired_phi(ev, len, *instr, operands.len());
                for (k, o) in operands.iter().enumerate() {
                    if *o != v {
                        let l = lens.as_ref().map_or(len, |ls| ls.get(k).copied());
                        self.value(f, *o, l, mode, t, depth + 1, out);
                    }
                }
            }
            ValueDef::Result { instr, index: 0 } => match ev.func.body.get(*instr).map(|i| &i.op) {
                Some(Op::Select) => {
                    let ops = ev.values.operands(*instr);
                    let lens = len.and_then(|l| match ev.values.def(l) {
                        ValueDef::Result { instr: li, index: 0 }
                            if matches!(ev.func.body.get(*li).map(|i| &i.op), Some(Op::Select)) =>
                        {
                            Some(ev.values.operands(*li).to_vec())
                        }
                        _ => None,
                    });
                    for k in 0..2 {
                        if let Some(&o) = ops.get(k) {
                            let l = lens.as_ref().map_or(len, |ls| ls.get(k).copied());
                            self.value(f, o, l, mode, t, depth + 1, out);
                        }
                    }
                }
                Some(Op::Load { kind, .. }) if kind.bytes >= 4 => {
                    if let Some(a) = ev.mem_address(*instr) {
                        self.slot(f, a, *instr, mode, t, depth + 1, out);
                    }
                }
                Some(Op::Call(_) | Op::CallIndirect { .. }) if mode == Mode::Header => {
                    self.call_methods(f, *instr, t, depth + 1, out);
                }
                _ => {}
            },
            _ => {}
        }
    }

    /// Origins of the string (or header) whose pointer is stored at `slot` when instruction
    /// `at` of `f` runs: the nearest earlier writer of the slot.
    #[allow(clippy::too_many_arguments)]
    fn slot(&self, f: u32, slot: Addr, at: usize, mode: Mode, t: &Trace, depth: u32, out: &mut Origins) {
        if !t.step(depth) {
            return;
        }
        let Some(ev) = self.ev(f) else { return };
        let store = ev.stored_at(slot).iter().filter(|(i, _, _)| *i < at).max_by_key(|(i, _, _)| *i).copied();
        let calls = self.calls_of(f);
        let filler = calls.filler(slot, at, |i| !self.is_dispatch_call(f, i));
        let store = store.filter(|(si, _, _)| filler.is_none_or(|c| c.instr < *si));
        match (store, filler) {
            (Some((_, val, width)), _) => {
                let len = if width >= 8 { None } else { stored_len(ev, slot, at) };
                self.value(f, val, len, mode, t, depth + 1, out);
            }
            (None, Some(c)) => match mode {
                Mode::Str => self.copied_strings(f, c, slot, t, depth + 1, out),
                Mode::Header => self.call_methods(f, c.instr, t, depth + 1, out),
            },
            (None, None) => match slot.base {
                Base::Value(b) => {
                    if let ValueDef::Param(p) = ev.values.def(b) {
                        out.insert(Origin::MemParam { mode, param: *p, offset: slot.offset });
                    }
                }
                Base::Absolute if mode == Mode::Str => {
                    // A static string object in a data segment: pointer, then length.
                    let word = |off: i64| -> Option<i64> {
                        let raw = ev.module.data_at(u64::try_from(off).ok()?, 4)?;
                        Some(i64::from(u32::from_le_bytes(raw.try_into().ok()?)))
                    };
                    if let (Some(p), Some(l)) = (word(slot.offset), word(slot.offset.wrapping_add(4))) {
                        if let Some(n) = read_name(ev, p, Some(l)) {
                            out.insert(Origin::Name(n));
                        }
                    }
                }
                Base::Absolute => {}
            },
        }
    }

    fn is_dispatch_call(&self, f: u32, instr: usize) -> bool {
        self.cx.program.calls.targets_at(f, instr).iter().any(|&t| dispatching(self.cx, t).is_some())
    }

    /// Strings a call copies into the buffer at `slot` it receives: its adjacent `(ptr, len)`
    /// arguments other than the buffer's address.
    fn copied_strings(&self, f: u32, c: &CallArgs, slot: Addr, t: &Trace, depth: u32, out: &mut Origins) {
        let is_buf = |a: &Addr| within(a, &slot);
        let n = c.args.len();
        for i in 0..n {
            if c.addrs.get(i).is_some_and(is_buf) {
                continue;
            }
            let next = i + 1;
            let len = if next < n && !c.addrs.get(next).is_some_and(is_buf) {
                Some(c.args[next])
            } else if next >= n {
                None
            } else {
                continue;
            };
            self.value(f, c.args[i], len, Mode::Str, t, depth, out);
        }
    }

    /// Method origins of the header produced by the call at `instr` of `f`: the callee's header
    /// summary with its parameters replaced by this call's arguments.
    fn call_methods(&self, f: u32, instr: usize, t: &Trace, depth: u32, out: &mut Origins) {
        if !t.step(depth) {
            return;
        }
        let args = self.args_of(f, instr);
        for &y in self.cx.program.calls.targets_at(f, instr) {
            if self.cx.module.function(y).is_none_or(|x| x.is_import()) {
                continue;
            }
            let s = self.summary(y, MAX_SUMMARY_DEPTH);
            for o in s.iter() {
                self.substitute(f, instr, &args, o, t, out);
            }
        }
    }

    /// Which strings (constants, or parameters of `x`) the headers `x` produces carry as the
    /// value of key `"method"`, looking through `depth` levels of nested producers.
    fn summary(&self, x: u32, depth: usize) -> Rc<Origins> {
        if let Some(s) = self.summaries.borrow().get(&(x, depth)) {
            return s.clone();
        }
        if !self.in_progress.borrow_mut().insert(x) {
            return Rc::new(Origins::new());
        }
        let t = Trace::new();
        let mut out = Origins::new();
        for ku in self.key_uses_of(x).iter() {
            self.key_value(x, *ku, &t, &mut out);
        }
        if depth > 0 {
            for (instr, targets) in self.cx.program.calls.call_sites(x) {
                let args = self.args_of(x, *instr);
                for &y in targets {
                    if self.cx.module.function(y).is_none_or(|f| f.is_import()) {
                        continue;
                    }
                    let s = self.summary(y, depth - 1);
                    for o in s.iter() {
                        self.substitute(x, *instr, &args, o, &t, &mut out);
                    }
                }
            }
        }
        out.retain(|o| match o {
            Origin::Name(_) => true,
            Origin::Param { mode, .. } | Origin::MemParam { mode, .. } => *mode == Mode::Str,
        });
        self.in_progress.borrow_mut().remove(&x);
        let s = Rc::new(out);
        self.summaries.borrow_mut().insert((x, depth), s.clone());
        s
    }

    /// Origins of the value paired with one use of the `"method"` key in `x`.
    fn key_value(&self, x: u32, ku: KeyUse, t: &Trace, out: &mut Origins) {
        let Some(ev) = self.ev(x) else { return };
        match ku {
            KeyUse::Call { instr, key_arg } => {
                let args = self.args_of(x, instr);
                for j in key_arg + 2..args.len() {
                    let v = args[j];
                    // The value as a `(ptr, len)` pair of arguments ...
                    self.value(x, v, args.get(j + 1).copied(), Mode::Str, t, 0, out);
                    // ... or an object passed by address: a string buffer filled by a call, or
                    // fields holding the string or a pointer to it (an interface value).
                    let a = ev.address(v, 0);
                    if a.base != Base::Absolute {
                        self.slot(x, a, instr, Mode::Str, t, 0, out);
                        self.object_fields(x, a, STRUCT_WINDOW, &[], instr, t, out);
                    }
                }
            }
            KeyUse::Store { addr } => {
                // Other fields of the object the key is stored in (the key's length follows it).
                let start = Addr { base: addr.base, offset: addr.offset.wrapping_sub(OBJECT_WINDOW) };
                let skip = [addr.offset, addr.offset.wrapping_add(4)];
                self.object_fields(x, start, 2 * OBJECT_WINDOW + 1, &skip, usize::MAX, t, out);
            }
        }
    }

    /// Strings held by the fields of the object at `base` (`span` bytes, `skip` offsets left
    /// out) as last stored before `at`: a field pointing at a string, or at an object whose
    /// first field does.
    #[allow(clippy::too_many_arguments)]
    fn object_fields(
        &self,
        f: u32,
        base: Addr,
        span: i64,
        skip: &[i64],
        at: usize,
        t: &Trace,
        out: &mut Origins,
    ) {
        let Some(ev) = self.ev(f) else { return };
        let mut latest: BTreeMap<i64, (usize, ValueId, u8)> = BTreeMap::new();
        // Pointer fields: every 4 bytes from the start.
        for rel in (0..span).step_by(4) {
            let off = base.offset.wrapping_add(rel);
            if skip.contains(&off) {
                continue;
            }
            let field = Addr { base: base.base, offset: off };
            if let Some(s) =
                ev.stored_at(field).iter().filter(|(si, _, _)| *si < at).max_by_key(|(si, _, _)| *si)
            {
                latest.insert(off, *s);
            }
        }
        for (off, (_, v, w)) in latest {
            let field = Addr { base: base.base, offset: off };
            let len = if w >= 8 { None } else { stored_len(ev, field, at) };
            self.value(f, v, len, Mode::Str, t, 0, out);
            let pointee = ev.address(v, 0);
            if let Base::Value(b) = pointee.base {
                if !matches!(ev.values.def(b), ValueDef::Param(_)) {
                    self.slot(f, pointee, at, Mode::Str, t, 0, out);
                }
            }
        }
    }

    /// Uses of the `"method"` key string in `x`.
    fn key_uses_of(&self, x: u32) -> Rc<Vec<KeyUse>> {
        if let Some(k) = self.key_uses.borrow().get(&x) {
            return k.clone();
        }
        let mut out = Vec::new();
        if let Some(ev) = self.ev(x) {
            let is_key = |v: ValueId| ev.constant(v).is_some_and(|c| is_method_key(ev, c));
            for (i, ins) in ev.func.body.iter().enumerate() {
                match &ins.op {
                    Op::Call(_) | Op::CallIndirect { .. } => {
                        let args = self.args_of(x, i);
                        for k in 0..args.len().saturating_sub(1) {
                            if is_key(args[k]) && ev.constant(args[k + 1]) == Some(METHOD_KEY.len() as i64) {
                                out.push(KeyUse::Call { instr: i, key_arg: k });
                            }
                        }
                    }
                    Op::Store { kind, .. } if kind.bytes >= 4 => {
                        let ops = ev.values.operands(i);
                        let (Some(&val), Some(addr)) = (ops.get(1), ev.mem_address(i)) else { continue };
                        let Some(c) = ev.constant(val) else { continue };
                        if !is_method_key(ev, c & 0xffff_ffff) {
                            continue;
                        }
                        let len_ok = if kind.bytes >= 8 {
                            c >> 32 == METHOD_KEY.len() as i64
                        } else {
                            let len_slot = Addr { base: addr.base, offset: addr.offset.wrapping_add(4) };
                            ev.stored_at(len_slot).iter().any(|(_, v, _)| {
                                ev.constant(*v).is_some_and(|l| l & 0xffff_ffff == METHOD_KEY.len() as i64)
                            })
                        };
                        if len_ok {
                            out.push(KeyUse::Store { addr });
                        }
                    }
                    _ => {}
                }
            }
        }
        let out = Rc::new(out);
        self.key_uses.borrow_mut().insert(x, out.clone());
        out
    }

    /// Calls of `f` with their arguments' split addresses.
    fn calls_of(&self, f: u32) -> Rc<Calls> {
        if let Some(c) = self.calls.borrow().get(&f) {
            return c.clone();
        }
        let mut calls = Calls::default();
        if let Some(ev) = self.ev(f) {
            for (instr, _) in self.cx.program.calls.call_sites(f) {
                let args = self.args_of(f, *instr);
                let addrs: Vec<Addr> = args.iter().map(|v| ev.address(*v, 0)).collect();
                for a in &addrs {
                    calls.by_addr.entry(*a).or_default().push(calls.list.len());
                }
                calls.list.push(CallArgs { instr: *instr, args, addrs });
            }
        }
        let calls = Rc::new(calls);
        self.calls.borrow_mut().insert(f, calls.clone());
        calls
    }

    fn name_at(&self, ev: &Evaluator<'_>, c: i64, len: Option<ValueId>) -> Option<String> {
        let len = match len {
            Some(l) => ev.constant(l),
            // A packed 64-bit `(ptr, len)` pair.
            None if c >> 32 != 0 => Some(c >> 32),
            None => None,
        };
        read_name(ev, c & 0xffff_ffff, len)
    }
}

/// The string at constant address `ptr`: `len` bytes, or up to a NUL when `len` is unknown,
/// if it is a plausible method name.
fn read_name(ev: &Evaluator<'_>, ptr: i64, len: Option<i64>) -> Option<String> {
    let addr = u64::try_from(ptr).ok()?;
    let bytes = match len {
        Some(n) => {
            let n = usize::try_from(n).ok().filter(|n| (1..=MAX_NAME_LEN).contains(n))?;
            ev.module.data_at(addr, n)?
        }
        None => {
            let window = (1..=MAX_NAME_LEN + 1).rev().find_map(|n| ev.module.data_at(addr, n))?;
            let end = window.iter().position(|b| *b == 0)?;
            &window[..end]
        }
    };
    is_name(bytes).then(|| String::from_utf8_lossy(bytes).into_owned())
}

fn is_name(b: &[u8]) -> bool {
    !b.is_empty()
        && b.len() <= MAX_NAME_LEN
        && !b[0].is_ascii_digit()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

fn is_method_key(ev: &Evaluator<'_>, c: i64) -> bool {
    u64::try_from(c).ok().and_then(|a| ev.module.data_at(a, METHOD_KEY.len())) == Some(METHOD_KEY)
}

/// The length stored beside a pointer at `slot` (4 or 8 bytes after it) before `at`.
fn stored_len(ev: &Evaluator<'_>, slot: Addr, at: usize) -> Option<ValueId> {
    [4, 8].iter().find_map(|d| {
        let a = Addr { base: slot.base, offset: slot.offset.wrapping_add(*d) };
        ev.stored_at(a).iter().filter(|(i, _, _)| *i < at).max_by_key(|(i, _, _)| *i).map(|(_, v, _)| *v)
    })
}

/// Whether a struct starting at `start` covers `slot` (a call receiving `start` may fill it).
fn within(start: &Addr, slot: &Addr) -> bool {
    start.base == slot.base
        && slot.offset.checked_sub(start.offset).is_some_and(|d| (0..=STRUCT_WINDOW).contains(&d))
}

/// When `len` is a phi at the same join as the pointer's phi, its operands in the same order.
fn paired_phi(ev: &Evaluator<'_>, len: Option<ValueId>, at: usize, n: usize) -> Option<Vec<ValueId>> {
    match ev.values.def(len?) {
        ValueDef::Phi { instr, operands } if *instr == at && operands.len() == n => Some(operands.clone()),
        _ => None,
    }
}
