//! Taint over lifted values, across memory and functions.
//!
//! Sources are host calls whose platform effects say they produce identities, input, chain data,
//! storage contents, call results or verification results ([`Label`]). A host call's result
//! carries its labels; so does memory it writes through an output pointer (`output`/`ptr`
//! argument roles) and, on NEAR, the register it fills. A hash (`crypto` effect) passes on what
//! it hashed, adding the `crypto` label, to its result and `hash`/`output` buffer, so a digest of
//! block data is still block data. Taint then flows through arithmetic,
//! phis, stores and loads of the same slot (a load sees the writes that may run before it: any
//! earlier one on a path to it, or one round a loop; which write comes last is not tracked),
//! and through calls:
//! every function gets a summary of what its result and the memory behind each pointer parameter
//! depend on ([`Taint::params`] / [`Taint::param_mem`] are symbolic "whatever argument i / the
//! memory argument i points to carries"), instantiated at each call site. Summaries are computed
//! bottom-up by repeated rounds until stable or a round cap is reached (recursion).
//!
//! A constant address passed on as a value (a static buffer turned into a slice by a callee)
//! carries what the nearest dominating host call wrote there (ink! reads every host output
//! into one static buffer, used like a register).
//!
//! Memory is modelled as slots `(base, offset)`; writes of unknown length (host output buffers,
//! callee writes through a pointer) cover [`WINDOW`] bytes. Different bases are taken not to alias;
//! a read through a merge of pointers (a phi) also sees the writes through each merged pointer.

use crate::Context;
use std::collections::BTreeMap;
use wasmaudit_flow::{Addr, Base, Cfg, Evaluator, ValueDef, ValueId};
use wasmaudit_front::{BinOp, Op};
use wasmaudit_platform::{Effect, HostFn, Platform};

/// Bytes a write of unknown length is taken to cover.
pub const WINDOW: i64 = 32;
/// Bytes of a `memcpy` of unknown length whose recorded writes are copied.
const MAX_COPY: i64 = 256;
/// Rounds of the module-wide summary fixpoint (deeper recursion keeps the last round's facts).
const MAX_ROUNDS: usize = 8;
/// Passes of the per-function fixpoint (loops carry taint around phis and memory).
const MAX_PASSES: usize = 6;
/// Levels of merged pointers (phis) whose memory a read through their merge sees.
const MAX_PHI_DEPTH: usize = 3;
/// Incoming pointers of one merge followed.
const MAX_PHI_OPERANDS: usize = 8;

/// A source label: one bit per effect that produces data.
pub type Label = u32;

pub const fn label(e: Effect) -> Label {
    1 << (e as u32 % 32)
}

/// Labels that identify who is calling: a check of the immediate caller or an authorization.
pub const IDENTITY: Label = label(Effect::CallerId) | label(Effect::AuthCheck);

/// Effects whose results are taint sources.
/// `CallValue` marks amounts that come from the value attached to the call (the caller's own
/// payment); it is data, never a guard ([`crate::guards`] drops it from branch conditions).
pub const SOURCE_EFFECTS: [Effect; 11] = [
    Effect::CallerId,
    Effect::OriginId,
    Effect::SelfId,
    Effect::Input,
    Effect::BlockInfo,
    Effect::Randomness,
    Effect::StorageRead,
    Effect::SignatureVerify,
    Effect::CallResult,
    Effect::AuthCheck,
    Effect::CallValue,
];

/// What a value (or a memory slot) depends on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Taint {
    /// Source labels ([`label`]).
    pub labels: u32,
    /// Parameters whose value flows here (bit i: parameter i), for summaries.
    pub params: u64,
    /// Parameters whose pointed-to memory flows here.
    pub param_mem: u64,
    /// Parameters naming a host register (NEAR) whose contents flow here.
    pub param_reg: u64,
    /// Constant registers (bit k: [`DataFlow::register_ids`]`[k]`) whose contents at function
    /// entry flow here: read before the function itself filled them, so what the caller last put
    /// there.
    pub entry_reg: u64,
}

impl Taint {
    pub fn of(labels: u32) -> Taint {
        Taint { labels, ..Taint::default() }
    }

    pub fn join(&mut self, o: Taint) -> bool {
        let before = *self;
        self.labels |= o.labels;
        self.params |= o.params;
        self.param_mem |= o.param_mem;
        self.param_reg |= o.param_reg;
        self.entry_reg |= o.entry_reg;
        *self != before
    }

    /// Whether joining `o` would add nothing.
    pub fn covers(&self, o: &Taint) -> bool {
        o.labels & !self.labels == 0
            && o.params & !self.params == 0
            && o.param_mem & !self.param_mem == 0
            && o.param_reg & !self.param_reg == 0
            && o.entry_reg & !self.entry_reg == 0
    }

    pub fn has(&self, e: Effect) -> bool {
        self.labels & label(e) != 0
    }

    pub fn has_any(&self, labels: u32) -> bool {
        self.labels & labels != 0
    }

    pub fn is_empty(&self) -> bool {
        *self == Taint::default()
    }
}

/// Defined functions in call-graph post-order: callees before their callers (cycles broken
/// arbitrarily but deterministically).
pub(crate) fn callees_first(cx: &Context<'_>) -> Vec<u32> {
    let g = &cx.program.calls.graph;
    let mut order = Vec::new();
    let mut dfs = petgraph::visit::DfsPostOrder::empty(g);
    for start in g.node_indices() {
        if dfs.discovered.contains(start.index()) {
            continue;
        }
        dfs.move_to(start);
        while let Some(n) = dfs.next(g) {
            let f = g[n];
            if cx.module.function(f).is_some_and(|x| !x.is_import()) {
                order.push(f);
            }
        }
    }
    order
}

/// Parameters a pointer value is derived from: through phis (a pointer walked in a loop) and
/// additions (pointer plus index), as in `memcmp(a, b, n)`.
fn pointer_params(ev: &Evaluator<'_>, v: ValueId) -> u64 {
    let mut out = 0;
    // Values visited: at most 65, so a fixed array searched in order (no allocation).
    let mut seen = [0 as ValueId; 65];
    let mut visited = 0usize;
    let mut work = vec![v];
    while let Some(v) = work.pop() {
        if visited > 64 || seen[..visited].contains(&v) {
            continue;
        }
        seen[visited] = v;
        visited += 1;
        match ev.values.def(v) {
            ValueDef::Param(p) => out |= bit(*p as usize),
            ValueDef::Phi { operands, .. } => work.extend(operands.iter().copied()),
            ValueDef::Result { instr, index: 0 } => {
                if let Some(
                    Op::Binary(_, wasmaudit_front::BinOp::Add | wasmaudit_front::BinOp::Sub)
                    | Op::Convert(wasmaudit_front::ConvOp::I64ExtendI32U | wasmaudit_front::ConvOp::I32WrapI64),
                ) = ev.func.body.get(*instr).map(|i| &i.op)
                {
                    work.extend(ev.values.operands(*instr).iter().copied());
                }
            }
            _ => {}
        }
    }
    out
}

/// Index of a base in [`FuncTaint::base_stamp`].
fn base_index(b: Base) -> usize {
    match b {
        Base::Absolute => 0,
        Base::Value(v) => v as usize + 1,
    }
}

fn bit(i: usize) -> u64 {
    if i < 64 {
        1 << i
    } else {
        0
    }
}

/// Constant register ids named by host calls (NEAR), sorted, at most 64.
fn constant_registers(cx: &Context<'_>) -> Vec<i64> {
    let mut ids = std::collections::BTreeSet::new();
    for f in cx.module.functions.iter().filter(|f| !f.is_import()) {
        let (Some(values), Some(ev)) = (cx.program.values(f.index), cx.evaluator(f.index)) else { continue };
        for (i, callee) in cx.direct_calls(f.index) {
            let Some(r) = cx.host_fn(callee).and_then(|h| h.arg("register")) else { continue };
            if let Some(c) = values.operands(i).get(r as usize).and_then(|v| ev.constant(*v)) {
                ids.insert(c);
            }
        }
    }
    ids.into_iter().take(64).collect()
}

/// Source labels of the parameters of `func` when it is an entry point whose arguments are data
/// rather than a host call's result. CosmWasm passes each entry point `Region` pointers to JSON:
/// `env` (block and contract data, chosen by the chain), then `info` (`MessageInfo`: the sender
/// and the funds) and `msg`, both chosen by whoever sends the message, so input; `reply`'s
/// message is the result of the contract's own submessage, so a call result as well.
pub fn entry_param_labels(cx: &Context<'_>, func: u32) -> Vec<u32> {
    if cx.platform != Platform::Cosmwasm {
        return Vec::new();
    }
    let Some(name) = cx.module.exported_funcs().find(|(_, f)| *f == func).map(|(n, _)| n) else {
        return Vec::new();
    };
    let data = match name {
        "instantiate" | "execute" | "migrate" | "sudo" | "query" => label(Effect::Input),
        "reply" => label(Effect::Input) | label(Effect::CallResult),
        n if n.starts_with("ibc_") => label(Effect::Input),
        _ => return Vec::new(),
    };
    let nparams = cx.module.func_sig(func).map(|s| s.params.len()).unwrap_or(0);
    (0..nparams).map(|i| if i == 0 { 0 } else { data }).collect()
}

/// Labels of the nearest host call before instruction `at` of the evaluated function that fills
/// register `reg` (a constant register argument) and dominates `at`: its source labels, or
/// `crypto` for a hash.
fn last_register_write(cx: &Context<'_>, ev: &Evaluator<'_>, reg: i64, at: usize) -> Option<u32> {
    last_host_write(cx, ev, at, true, |h, args| {
        h.arg("register").and_then(|r| args.get(r as usize)).is_some_and(|a| ev.constant(*a) == Some(reg))
    })
}

/// Labels of the nearest host call before instruction `at` of the evaluated function for which
/// `writes(host, arguments)` holds and that dominates `at`; with `sources_only`, the nearest
/// one with source labels (or a hash).
fn last_host_write(
    cx: &Context<'_>,
    ev: &Evaluator<'_>,
    at: usize,
    sources_only: bool,
    writes: impl Fn(&HostFn, &[ValueId]) -> bool,
) -> Option<u32> {
    let cfg = cx.program.cfg(ev.func.index)?;
    let calls = cx.host_calls_in(ev.func.index);
    let before = calls.partition_point(|c| c.instr < at);
    calls[..before].iter().rev().find_map(|c| {
        let j = c.instr;
        if !matches!(ev.func.body.get(j).map(|i| &i.op), Some(Op::Call(_))) {
            return None;
        }
        let h = c.host;
        // A digest put there is marked as hashed (what was hashed is not followed).
        let labels = host_labels(h) | if h.has(Effect::Crypto) { label(Effect::Crypto) } else { 0 };
        ((labels != 0 || !sources_only) && writes(h, ev.values.operands(j)) && cfg.dominates(j, at))
            .then_some(labels)
    })
}

/// An instruction and its function's graph, for flow-sensitive memory reads; `None` reads
/// every write of the function.
type At<'c> = Option<(&'c Cfg, usize)>;

/// Whether a write by instruction `w` may be seen at `at` (it may run before it).
fn may_precede(at: At<'_>, w: usize) -> bool {
    at.is_none_or(|(cfg, a)| cfg.instr_reaches(w, a))
}

/// The buffers a store at `addr` may index into: when the address is `x + y` of two values that
/// are not constants, where each operand's own address (plus the store's offset) starts.
pub fn indexed_buffers(
    ev: &Evaluator<'_>,
    values: &wasmaudit_flow::FunctionValues,
    addr: Addr,
) -> Option<Vec<Addr>> {
    let Base::Value(b) = addr.base else { return None };
    let ValueDef::Result { instr, index: 0 } = values.def(b) else { return None };
    if !matches!(ev.func.body.get(*instr).map(|i| &i.op), Some(Op::Binary(_, BinOp::Add))) {
        return None;
    }
    let ops = values.operands(*instr);
    if ops.len() != 2 || ops.iter().any(|o| ev.constant(*o).is_some()) {
        return None;
    }
    let out: Vec<Addr> = ops
        .iter()
        .map(|o| ev.address(*o, 0))
        .filter(|a| a.base != addr.base)
        .map(|a| Addr { base: a.base, offset: a.offset.saturating_add(addr.offset) })
        .collect();
    (!out.is_empty()).then_some(out)
}

/// Lowest constant taken for a static buffer's address (below it: counts, lengths, offsets).
const MIN_STATIC_ADDRESS: i64 = 1024;

/// The absolute address `v` is, when it is a constant at or above [`MIN_STATIC_ADDRESS`].
fn static_address(ev: &Evaluator<'_>, v: ValueId) -> Option<i64> {
    ev.constant(v).filter(|c| *c >= MIN_STATIC_ADDRESS)
}

/// Labels of the nearest host call before instruction `at` of the evaluated function that writes
/// its output at the constant address `addr` and dominates `at`. SDKs that read every host
/// output into one static buffer (ink!'s) use it as a register: what it holds at `at` is what
/// the last call put there, not everything any call ever did.
fn last_buffer_write(cx: &Context<'_>, ev: &Evaluator<'_>, addr: i64, at: usize) -> Option<u32> {
    // The nearest writer decides, source or not (a call value put there hides the caller).
    last_host_write(cx, ev, at, false, |h, args| {
        output_args(h).iter().any(|o| args.get(*o as usize).and_then(|v| ev.constant(*v)) == Some(addr))
    })
}

/// Whether `v` is a boolean: 0 or 1, a comparison, `eqz`, or a merge of booleans.
fn is_boolean(ev: &Evaluator<'_>, v: ValueId, depth: u32) -> bool {
    if depth > 4 {
        return false;
    }
    if let Some(c) = ev.constant(v) {
        return c == 0 || c == 1;
    }
    match ev.values.def(v) {
        ValueDef::Result { instr, index: 0 } => matches!(
            ev.func.body.get(*instr).map(|i| &i.op),
            Some(Op::Compare(..) | Op::Unary(_, wasmaudit_front::UnOp::Eqz))
        ),
        ValueDef::Phi { operands, .. } => operands.iter().all(|o| *o == v || is_boolean(ev, *o, depth + 1)),
        _ => false,
    }
}

/// Whether `v` is a merge (phi) one of whose incoming values is a constant.
fn merges_constant(ev: &Evaluator<'_>, v: ValueId) -> bool {
    matches!(ev.values.def(v), ValueDef::Phi { operands, .. } if operands.iter().any(|o| ev.constant(*o).is_some()))
}

/// What a call to a function does, in terms of its parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Taint of the results.
    pub ret: Taint,
    /// Taint written into the memory behind each pointer parameter.
    pub writes: Vec<Taint>,
    /// Taint of the memory behind the returned values (a returned buffer).
    pub ret_mem: Taint,
    /// Per pointer parameter: how far past the pointer its writes reach, in bytes (at least
    /// [`WINDOW`], at most [`MAX_COPY`]): a struct moved into it with a copy of known length
    /// (`memory.copy`) fills more than one window, and the caller repeats the write over it.
    pub spans: Vec<i64>,
}

/// A read extent ([`DataFlow::param_reads`]) that is not known.
pub const UNBOUNDED: i64 = i64::MAX;

/// [`DataFlow::param_reads`] of every function: for each pointer parameter, the end of the furthest
/// byte read behind it by a load at a constant offset from the parameter itself or by a callee
/// given the parameter plus a constant (the callee's own extent); [`UNBOUNDED`] when memory
/// derived from it is read any other way. Callees first, until stable.
fn read_extents(cx: &Context<'_>) -> Vec<Vec<i64>> {
    let n = cx.module.functions.len();
    let locals: Vec<LocalReads> = (0..n as u32)
        .map(|f| {
            let params = cx.module.func_sig(f).map(|s| s.params.len()).unwrap_or(0);
            match cx.evaluator(f).filter(|_| cx.host_fn(f).is_none()) {
                Some(ev) => local_reads(cx, ev, f, params),
                None => LocalReads { extents: vec![UNBOUNDED; params], calls: Vec::new() },
            }
        })
        .collect();
    let mut out: Vec<Vec<i64>> = locals.iter().map(|l| l.extents.clone()).collect();
    let order = callees_first(cx);
    let mut stable = false;
    for _ in 0..MAX_ROUNDS {
        let mut changed = false;
        for &f in &order {
            let Some(local) = locals.get(f as usize) else { continue };
            if local.calls.is_empty() {
                continue;
            }
            let mut next = local.extents.clone();
            for &(instr, j, p, offset) in &local.calls {
                if next.get(p).is_none_or(|e| *e == UNBOUNDED) {
                    continue;
                }
                let mut callee = 0i64;
                for &t in cx.program.calls.targets_at(f, instr) {
                    callee =
                        callee.max(out.get(t as usize).and_then(|r| r.get(j).copied()).unwrap_or(UNBOUNDED));
                }
                if let Some(e) = next.get_mut(p) {
                    *e =
                        if callee == UNBOUNDED { UNBOUNDED } else { (*e).max(offset.saturating_add(callee)) };
                }
            }
            if out[f as usize] != next {
                out[f as usize] = next;
                changed = true;
            }
        }
        if !changed {
            stable = true;
            break;
        }
    }
    // Extents still growing (a recursion handing on `p + 8`): every function that passes a
    // parameter on reads an unknown extent, as before extents were known.
    if !stable {
        for (f, local) in locals.iter().enumerate() {
            if !local.calls.is_empty() {
                if let Some(e) = out.get_mut(f) {
                    e.iter_mut().for_each(|x| *x = UNBOUNDED);
                }
            }
        }
    }
    out
}

/// The part of a function's [`DataFlow::param_reads`] its own code decides: extents of its loads
/// ([`UNBOUNDED`] for parameters read at a variable offset, followed through a pointer loaded
/// from behind them, handed to a host call, or handed to a call as anything but the parameter
/// plus a constant), and the calls that take a parameter plus a constant, whose callees'
/// extents are added at each round: `(instruction, argument, parameter, offset)`.
#[derive(Debug, Clone, Default)]
struct LocalReads {
    extents: Vec<i64>,
    calls: Vec<(usize, usize, usize, i64)>,
}

fn local_reads(cx: &Context<'_>, ev: &Evaluator<'_>, func: u32, n: usize) -> LocalReads {
    let mut out = LocalReads { extents: vec![0; n], calls: Vec::new() };
    if n == 0 {
        return out;
    }
    let values = ev.values;
    let mut walk = ParamWalk { ev, memo: vec![None; values.len()] };
    for (i, ins) in ev.func.body.iter().enumerate() {
        let mut ops = values.operands(i);
        let targets: &[u32] = match &ins.op {
            Op::Load { kind, .. } => {
                let Some(a) = ev.mem_address(i) else { continue };
                if let Some((p, offset)) = walk.param_at(a, &mut out.extents) {
                    out.extents[p] = out.extents[p].max(offset.saturating_add(i64::from(kind.bytes)));
                }
                continue;
            }
            Op::Other { name: "MemoryCopy", .. } => {
                for o in ops {
                    if let Base::Value(b) = ev.address(*o, 0).base {
                        let ps = walk.params_of(b);
                        unbounded(&mut out.extents, ps);
                    }
                }
                continue;
            }
            Op::Call(c) | Op::ReturnCall(c) => std::slice::from_ref(c),
            Op::CallIndirect { .. } | Op::ReturnCallIndirect { .. } => {
                ops = &ops[..ops.len().saturating_sub(1)];
                cx.program.calls.targets_at(func, i)
            }
            _ => continue,
        };
        let host = targets.iter().any(|t| cx.host_fn(*t).is_some());
        for (j, o) in ops.iter().enumerate() {
            // A host call may read any length behind what it is given.
            match walk.param_at(ev.address(*o, 0), &mut out.extents) {
                Some((p, _)) if host => out.extents[p] = UNBOUNDED,
                Some((p, offset)) => out.calls.push((i, j, p, offset)),
                None => {}
            }
        }
    }
    out
}

/// Sets the extents of the parameters `ps` (bits) to [`UNBOUNDED`].
fn unbounded(extents: &mut [i64], ps: u64) {
    for (p, x) in extents.iter_mut().enumerate() {
        if ps & bit(p) != 0 {
            *x = UNBOUNDED;
        }
    }
}

/// How the addresses of one function relate to its parameters, for [`local_reads`].
struct ParamWalk<'e, 'a> {
    ev: &'e Evaluator<'a>,
    /// Memo of [`pointer_params`] by value.
    memo: Vec<Option<u64>>,
}

impl ParamWalk<'_, '_> {
    fn params_of(&mut self, b: ValueId) -> u64 {
        match self.memo.get(b as usize) {
            Some(Some(p)) => *p,
            Some(None) => {
                let p = pointer_params(self.ev, b);
                self.memo[b as usize] = Some(p);
                p
            }
            None => pointer_params(self.ev, b),
        }
    }

    /// The parameter address `a` is at a constant, non-negative offset from, with the offset.
    /// Parameters `a` reaches any other way get an [`UNBOUNDED`] extent: derived with an index
    /// or a merge, or through a pointer loaded from behind them and followed (a lambda's
    /// captured reference, a vector's buffer: memory behind the parameter too, but not within
    /// its bytes, so the caller keeps reading a whole window there).
    fn param_at(&mut self, a: Addr, extents: &mut [i64]) -> Option<(usize, i64)> {
        let Base::Value(b) = a.base else { return None };
        let deep = self.followed(b);
        unbounded(extents, deep);
        match self.ev.values.def(b) {
            ValueDef::Param(p) if a.offset >= 0 && (*p as usize) < extents.len() => {
                Some((*p as usize, a.offset))
            }
            _ => {
                let ps = self.params_of(b);
                unbounded(extents, ps);
                None
            }
        }
    }

    /// The parameters behind which the pointers that `b` is derived from (through merges and
    /// additions) were loaded.
    fn followed(&mut self, b: ValueId) -> u64 {
        let (ev, values) = (self.ev, self.ev.values);
        let mut found = 0;
        let mut work = [0 as ValueId; 16];
        let (mut len, mut steps) = (1usize, 0usize);
        work[0] = b;
        while len > 0 && steps < 32 {
            len -= 1;
            steps += 1;
            let v = work[len];
            let mut push = |o: ValueId| {
                if len < work.len() {
                    work[len] = o;
                    len += 1;
                }
            };
            match values.def(v) {
                ValueDef::Phi { operands, .. } => operands.iter().for_each(|o| push(*o)),
                ValueDef::Result { instr, index: 0 } => match ev.func.body.get(*instr).map(|i| &i.op) {
                    Some(Op::Load { .. }) => {
                        if let Some(Addr { base: Base::Value(lb), .. }) = ev.mem_address(*instr) {
                            found |= self.params_of(lb);
                        }
                    }
                    Some(Op::Binary(_, BinOp::Add | BinOp::Sub)) => {
                        values.operands(*instr).iter().for_each(|o| push(*o));
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        found
    }
}

/// Pointers a merge of pointers stands for, with their offsets ([`FuncTaint::merged_pointers`]).
pub type MergedPointers = std::rc::Rc<[(Base, i64)]>;

/// One recorded write: its length, the instruction that makes it, what it writes.
type SlotWrite = (i64, usize, Taint);

/// The writes recorded at one slot start, with the join of their taints (a read whose taint
/// already covers it learns nothing from the slot and skips it).
#[derive(Debug, Default)]
struct Slot {
    all: Taint,
    writes: Vec<SlotWrite>,
}

/// Taint facts of one function.
#[derive(Debug, Default)]
pub struct FuncTaint {
    pub values: Vec<Taint>,
    /// Writes by base, then slot start: `base → offset → [(length, writing instruction, taint)]`,
    /// for range look-ups.
    writes: BTreeMap<Base, BTreeMap<i64, Slot>>,
    /// Changes made to `writes` so far (a write added or one's taint grown).
    write_count: u64,
    /// While the function is analyzed: per base (index 0 for absolute addresses, `v + 1` for
    /// value `v`), the `write_count` after the last change of a write at that base.
    base_stamp: Vec<u64>,
    /// Memo of [`pointer_params`] by base value (indexed by value id).
    pointer_params: std::cell::RefCell<Vec<Option<u64>>>,
    /// Memo of [`FuncTaint::merged_pointers`] by merge (phi) value.
    merged: std::cell::RefCell<BTreeMap<ValueId, MergedPointers>>,
    /// Source labels of each parameter, for entry points whose arguments carry data the
    /// platform hands in ([`entry_param_labels`]); empty otherwise.
    param_labels: Vec<u32>,
}

impl FuncTaint {
    pub fn value(&self, v: ValueId) -> Taint {
        self.values.get(v as usize).copied().unwrap_or_default()
    }

    /// The pointers a merge of pointers `b` (a phi) stands for, with their offsets from `b`:
    /// its incoming pointers, and theirs when they are merges too ([`MAX_PHI_DEPTH`] levels,
    /// [`MAX_PHI_OPERANDS`] per merge). A pointer walked in a loop (`p = p + k`) merges with
    /// itself and is not followed. Empty when `b` is not a merge.
    pub fn merged_pointers(&self, ev: &Evaluator<'_>, b: ValueId) -> MergedPointers {
        if let Some(m) = self.merged.borrow().get(&b) {
            return m.clone();
        }
        fn expand(ev: &Evaluator<'_>, b: ValueId, delta: i64, level: usize, out: &mut Vec<(Base, i64)>) {
            let ValueDef::Phi { operands, .. } = ev.values.def(b) else { return };
            for o in operands.iter().take(MAX_PHI_OPERANDS) {
                let a = ev.address(*o, 0);
                if a.base == Base::Value(b) {
                    continue;
                }
                let d = a.offset.saturating_add(delta);
                out.push((a.base, d));
                if let Base::Value(inner) = a.base {
                    if level + 1 < MAX_PHI_DEPTH {
                        expand(ev, inner, d, level + 1, out);
                    }
                }
            }
        }
        let mut out = Vec::new();
        expand(ev, b, 0, 0, &mut out);
        let m: MergedPointers = out.into();
        self.merged.borrow_mut().insert(b, m.clone());
        m
    }

    fn pointer_params(&self, ev: &Evaluator<'_>, base: ValueId) -> u64 {
        if let Some(Some(p)) = self.pointer_params.borrow().get(base as usize) {
            return *p;
        }
        let p = pointer_params(ev, base);
        let mut memo = self.pointer_params.borrow_mut();
        if memo.len() <= base as usize {
            memo.resize(base as usize + 1, None);
        }
        memo[base as usize] = Some(p);
        p
    }
}

/// Module-wide taint: per-function facts and summaries, and NEAR-style registers.
#[derive(Debug, Default)]
pub struct DataFlow {
    pub funcs: Vec<FuncTaint>,
    pub summaries: Vec<Summary>,
    /// Register id → what was put in it (flow-insensitive, module-wide).
    pub registers: BTreeMap<i64, Taint>,
    /// Constant register ids the module's host calls name, sorted (at most 64): the bits of
    /// [`Taint::entry_reg`].
    pub register_ids: Vec<i64>,
    /// Per function, per pointer parameter: how many bytes behind the pointer the function and
    /// its callees read, when every read is at a constant offset from it ([`UNBOUNDED`]
    /// otherwise: an index, a pointer walked in a loop or loaded from there and followed, a host
    /// call given the pointer). What the memory behind the parameter carries
    /// ([`Taint::param_mem`]) is what those bytes carry at the call, not the neighbouring slots
    /// of the caller's frame. Worked out before the taint: it depends on the code alone.
    param_reads: Vec<Vec<i64>>,
    /// Per function index: whether it is a host import that reads the memory behind its
    /// arguments (a copy, with `dst` and `src` arguments, or a hash), for
    /// [`DataFlow::reads_memory`].
    host_reads: Vec<bool>,
}

/// Labels a host call's result and outputs carry.
/// Labels whose remainder is a draw of chance: block data. Host randomness (NEAR `random_seed`,
/// Soroban's PRNG) is the platform's own draw and keeps its own label.
const DRAWN: u32 = label(Effect::BlockInfo);

/// A constant modulus that picks one of N outcomes: not 0 or 1, not a power of ten (decimal
/// digits of a formatted number).
fn is_draw_modulus(m: i64) -> bool {
    let mut n = m.unsigned_abs();
    if n < 2 {
        return false;
    }
    while n.is_multiple_of(10) {
        n /= 10;
    }
    n != 1
}

/// Whether `op` on `ops` draws one of N outcomes from a value `chance` accepts: a remainder by
/// a constant modulus ([`is_draw_modulus`]), or the low bits of it (`x & (2^k - 1)`, k at most
/// [`MAX_DRAW_BITS`]: `% 2` on an unsigned value compiles to `& 1`). Wider masks take bytes or
/// 7-bit groups of a number being encoded (LEB128, little-endian bytes), not a draw.
pub fn is_draw(ev: &Evaluator<'_>, op: &Op, ops: &[ValueId], chance: impl Fn(ValueId) -> bool) -> bool {
    use wasmaudit_front::BinOp;
    match op {
        Op::Binary(_, BinOp::RemU | BinOp::RemS) => {
            ops.first().is_some_and(|d| chance(*d))
                && ops.get(1).and_then(|m| ev.constant(*m)).is_some_and(is_draw_modulus)
        }
        Op::Binary(_, BinOp::And) => {
            let (Some(&a), Some(&b)) = (ops.first(), ops.get(1)) else { return false };
            let low_mask = |m: i64| m > 0 && m < (1 << MAX_DRAW_BITS) && (m & (m + 1)) == 0;
            // A flag byte or halfword (libc++'s short-string bit, a packed bool) is not a draw,
            // even where imprecise memory taint puts block data near it.
            let narrow = |v: ValueId| match ev.values.def(v) {
                ValueDef::Result { instr, .. } => {
                    matches!(ev.func.body.get(*instr).map(|i| &i.op), Some(Op::Load { kind, .. }) if kind.bytes < 4)
                }
                _ => false,
            };
            // A 32-bit value is a draw only when it is computed from a call's result without
            // passing memory (`tapos_block_prefix() & 1`): the low bits of a 32-bit word read
            // from memory are mostly a tag (an enum or a tagged pointer dispatched by a
            // `br_table`) that imprecise memory taint put block data on.
            let wide = matches!(op, Op::Binary(wasmaudit_front::Width::I64, _));
            let drawn = |v: ValueId| !narrow(v) && (wide || from_call(ev, v, 0)) && chance(v);
            match (ev.constant(a), ev.constant(b)) {
                (None, Some(m)) => low_mask(m) && drawn(a),
                (Some(m), None) => low_mask(m) && drawn(b),
                _ => false,
            }
        }
        _ => false,
    }
}

/// Whether `v` is computed from a call's result by arithmetic alone (no load, no merge).
fn from_call(ev: &Evaluator<'_>, v: ValueId, depth: u32) -> bool {
    if depth > 4 {
        return false;
    }
    let ValueDef::Result { instr, .. } = ev.values.def(v) else { return false };
    match ev.func.body.get(*instr).map(|i| &i.op) {
        Some(Op::Call(_)) => true,
        Some(Op::Binary(..) | Op::Unary(..) | Op::Convert(_)) => ev
            .values
            .operands(*instr)
            .iter()
            .any(|o| ev.constant(*o).is_none() && from_call(ev, *o, depth + 1)),
        _ => false,
    }
}

/// Widest low-bit mask taken as a draw (`& 63`).
const MAX_DRAW_BITS: u32 = 6;

pub fn host_labels(h: &HostFn) -> u32 {
    SOURCE_EFFECTS.iter().filter(|e| h.has(**e)).fold(0, |acc, e| acc | label(*e))
}

/// Argument indices through which a host function writes its output.
fn output_args(h: &HostFn) -> Vec<u32> {
    let produces = h.has(Effect::Input) || h.has(Effect::StorageRead) || h.has(Effect::CallResult);
    h.args
        .iter()
        .filter(|(role, _)| {
            matches!(role.as_str(), "output" | "ptr")
                || (produces && role.as_str() == "data")
                || (h.has(Effect::Crypto) && role.as_str() == "hash")
        })
        .map(|(_, i)| *i)
        .collect()
}

/// Joins summary `s` into `into`: taints joined, and each parameter's span the wider of the two
/// (a parameter only one of them has keeps its own; spans are never below [`WINDOW`]).
fn join_summary(into: &mut Summary, s: &Summary) {
    into.ret.join(s.ret);
    into.ret_mem.join(s.ret_mem);
    if into.writes.len() < s.writes.len() {
        into.writes.resize(s.writes.len(), Taint::default());
    }
    for (j, w) in into.writes.iter_mut().zip(&s.writes) {
        j.join(*w);
    }
    if into.spans.len() < s.spans.len() {
        into.spans.resize(s.spans.len(), WINDOW);
    }
    for (j, w) in into.spans.iter_mut().zip(&s.spans) {
        *j = (*j).max(*w);
    }
}

impl DataFlow {
    pub fn compute(cx: &Context<'_>) -> DataFlow {
        let n = cx.module.functions.len();
        let mut df = DataFlow {
            funcs: (0..n).map(|_| FuncTaint::default()).collect(),
            summaries: vec![Summary::default(); n],
            registers: BTreeMap::new(),
            register_ids: constant_registers(cx),
            param_reads: read_extents(cx),
            host_reads: (0..n)
                .map(|f| {
                    cx.host_fn(f as u32).is_some_and(|h| {
                        (h.arg("dst").is_some() && h.arg("src").is_some()) || h.has(Effect::Crypto)
                    })
                })
                .collect(),
        };
        // The register file depends only on host calls and constant register ids, not on taint:
        // filled once before the functions are analyzed.
        df.collect_registers(cx);
        // Components of the call graph one at a time, callees' components first: a function
        // outside every cycle runs once, on its callees' final summaries, and the functions of a
        // cycle are re-analyzed (only when a callee's summary changed) until their summaries are
        // stable. A component not stable within MAX_ROUNDS rounds leaves the order in which the
        // functions ran in its facts: the whole module is then analyzed again in the rounds of
        // [`DataFlow::compute_rounds`], whose facts for such a module are the reference.
        if df.compute_components(cx) {
            return df;
        }
        df.funcs = (0..n).map(|_| FuncTaint::default()).collect();
        df.summaries = vec![Summary::default(); n];
        df.compute_rounds(cx);
        df
    }

    /// Analyzes the defined functions one call-graph component (a cycle of calls, or one
    /// function) at a time, components whose functions are called first. Within a component the
    /// functions run in [`callees_first`] order, in rounds, a function again only when a
    /// callee's summary changed. Whether every component became stable within [`MAX_ROUNDS`]
    /// rounds.
    fn compute_components(&mut self, cx: &Context<'_>) -> bool {
        let n = cx.module.functions.len();
        let g = &cx.program.calls.graph;
        let order = callees_first(cx);
        let mut pos = vec![usize::MAX; n];
        for (k, &f) in order.iter().enumerate() {
            if let Some(p) = pos.get_mut(f as usize) {
                *p = k;
            }
        }
        let mut dirty = vec![true; n];
        let mut members: Vec<u32> = Vec::new();
        // Components come out of `kosaraju_scc` (iterative: no recursion on a deep call chain)
        // in post-order: every component after those it calls.
        for scc in petgraph::algo::kosaraju_scc(g) {
            members.clear();
            members.extend(
                scc.iter().map(|x| g[*x]).filter(|f| pos.get(*f as usize).is_some_and(|p| *p != usize::MAX)),
            );
            members.sort_unstable_by_key(|f| pos[*f as usize]);
            for _ in 0..MAX_ROUNDS {
                let mut any = false;
                for &f in &members {
                    if !std::mem::replace(&mut dirty[f as usize], false) {
                        continue;
                    }
                    any = true;
                    self.run(cx, f, &mut dirty);
                }
                if !any {
                    break;
                }
            }
            if members.iter().any(|f| dirty[*f as usize]) {
                return false;
            }
        }
        true
    }

    /// The module-wide summary fixpoint in rounds over every function in [`callees_first`]
    /// order: a function is re-analyzed only when a callee's summary changed, each at most
    /// [`MAX_ROUNDS`] times, and at most [`MAX_ROUNDS`] rounds.
    fn compute_rounds(&mut self, cx: &Context<'_>) {
        let n = cx.module.functions.len();
        let order = callees_first(cx);
        let mut dirty = vec![true; n];
        let mut runs = vec![0usize; n];
        for _ in 0..MAX_ROUNDS {
            let mut any = false;
            for &f in &order {
                if !std::mem::replace(&mut dirty[f as usize], false) || runs[f as usize] >= MAX_ROUNDS {
                    continue;
                }
                runs[f as usize] += 1;
                any = true;
                self.run(cx, f, &mut dirty);
            }
            if !any {
                break;
            }
        }
    }

    /// One step of the summary fixpoint: analyzes `func`, keeps its facts and, when its summary
    /// changed, marks its callers `dirty`.
    fn run(&mut self, cx: &Context<'_>, func: u32, dirty: &mut [bool]) {
        let (ft, summary) = self.analyze(cx, func);
        if summary != self.summaries[func as usize] {
            self.summaries[func as usize] = summary;
            for (caller, _) in cx.program.calls.callers(func) {
                if let Some(d) = dirty.get_mut(caller as usize) {
                    *d = true;
                }
            }
        }
        self.funcs[func as usize] = ft;
    }

    /// Registers filled by source host calls with a constant register id.
    fn collect_registers(&mut self, cx: &Context<'_>) {
        for f in cx.module.functions.iter().filter(|f| !f.is_import()) {
            let (Some(values), Some(ev)) = (cx.program.values(f.index), cx.evaluator(f.index)) else {
                continue;
            };
            for (i, callee) in cx.direct_calls(f.index) {
                let Some(h) = cx.host_fn(callee) else { continue };
                let labels = host_labels(h);
                let Some(reg_arg) = h.arg("register") else { continue };
                if labels == 0 {
                    continue;
                }
                let Some(&r) = values.operands(i).get(reg_arg as usize) else { continue };
                if let Some(r) = ev.constant(r) {
                    self.registers.entry(r).or_default().join(Taint::of(labels));
                }
            }
        }
    }

    fn analyze(&self, cx: &Context<'_>, func: u32) -> (FuncTaint, Summary) {
        let nparams = cx.module.func_sig(func).map(|s| s.params.len()).unwrap_or(0);
        let mut summary = Summary {
            ret: Taint::default(),
            writes: vec![Taint::default(); nparams],
            ret_mem: Taint::default(),
            spans: vec![WINDOW; nparams],
        };
        let (Some(f), Some(values), Some(ev)) =
            (cx.module.function(func), cx.program.values(func), cx.evaluator(func))
        else {
            return (FuncTaint::default(), summary);
        };
        let mut ft = FuncTaint {
            values: vec![Taint::default(); values.len()],
            param_labels: entry_param_labels(cx, func),
            ..FuncTaint::default()
        };
        for (v, def) in values.defs.iter().enumerate() {
            if let ValueDef::Param(i) = def {
                let labels = ft.param_labels.get(*i as usize).copied().unwrap_or(0);
                ft.values[v] = Taint { labels, params: bit(*i as usize), ..Taint::default() };
            }
        }
        // Passes are incremental: an instruction (or phi) runs again only when something it reads
        // changed since it last ran: one of its operands, or, for an instruction that reads
        // memory, a recorded write. (What a read sees besides the writes is the taint of its
        // address's base, which reaches the address operand through constant offsets.) Skipped
        // instructions would only have joined facts already there, so each pass ends with the
        // facts a full pass would give. A change of a value marks the instructions and phis that
        // read it, so a pass finds what is due without looking at every operand.
        // For each instruction that reads memory, the bases whose writes it may see: its
        // address's (a load) or its arguments' (a call), and those a merge of pointers stands
        // for. It runs again only when a write at one of them changed since it last ran.
        // (All instructions' bases in one pool: `read_bases[i]` is the range of instruction i's.)
        let mut base_pool: Vec<Base> = Vec::new();
        let mut scratch: Vec<Base> = Vec::new();
        let read_bases: Vec<Option<(u32, u32)>> = f
            .body
            .iter()
            .enumerate()
            .map(|(i, ins)| {
                if !self.reads_memory(cx, func, i, &ins.op) {
                    return None;
                }
                scratch.clear();
                let add = |a: Addr, scratch: &mut Vec<Base>| {
                    scratch.push(a.base);
                    if let Base::Value(b) = a.base {
                        if matches!(ev.values.def(b), ValueDef::Phi { .. }) {
                            scratch.extend(ft.merged_pointers(ev, b).iter().map(|(base, _)| *base));
                        }
                    }
                };
                match ins.op {
                    Op::Load { .. } => {
                        if let Some(a) = ev.mem_address(i) {
                            add(a, &mut scratch);
                        }
                    }
                    _ => {
                        for a in values.operands(i) {
                            add(ev.address(*a, 0), &mut scratch);
                        }
                    }
                }
                scratch.sort_unstable();
                scratch.dedup();
                let start = base_pool.len() as u32;
                base_pool.extend_from_slice(&scratch);
                Some((start, base_pool.len() as u32))
            })
            .collect();
        ft.base_stamp = vec![0; values.len() + 1];
        // Who reads each value: instructions (by index) and phis (by `body.len() + value`), so a
        // change marks exactly those that would find an operand changed since they last ran.
        let nb = f.body.len();
        let nv = values.len();
        let phis: Vec<usize> = values
            .defs
            .iter()
            .enumerate()
            .filter(|(_, d)| matches!(d, ValueDef::Phi { .. }))
            .map(|(v, _)| v)
            .collect();
        let phi_operands = |v: usize| match values.defs.get(v) {
            Some(ValueDef::Phi { operands, .. }) => operands.as_slice(),
            _ => &[],
        };
        let mut user_start = vec![0u32; nv + 1];
        let count = |o: &ValueId, user_start: &mut Vec<u32>| {
            if let Some(c) = user_start.get_mut(*o as usize + 1) {
                *c += 1;
            }
        };
        for i in 0..nb {
            values.operands(i).iter().for_each(|o| count(o, &mut user_start));
        }
        for &v in &phis {
            phi_operands(v).iter().for_each(|o| count(o, &mut user_start));
        }
        for k in 1..user_start.len() {
            user_start[k] += user_start[k - 1];
        }
        let mut fill = user_start.clone();
        let mut users = vec![0u32; user_start.last().copied().unwrap_or(0) as usize];
        let mut add = |o: &ValueId, u: usize| {
            if (*o as usize) < nv {
                users[fill[*o as usize] as usize] = u as u32;
                fill[*o as usize] += 1;
            }
        };
        for i in 0..nb {
            values.operands(i).iter().for_each(|o| add(o, i));
        }
        for &v in &phis {
            phi_operands(v).iter().for_each(|o| add(o, nb + v));
        }
        let mut dirty = vec![true; nb + nv];
        let mark = |dirty: &mut Vec<bool>, v: ValueId| {
            let (Some(&s), Some(&e)) = (user_start.get(v as usize), user_start.get(v as usize + 1)) else {
                return;
            };
            for u in &users[s as usize..e as usize] {
                dirty[*u as usize] = true;
            }
        };
        let mut ran_writes: Vec<u64> = vec![0; nb];
        let mut before: Vec<Taint> = Vec::new();
        for _ in 0..MAX_PASSES {
            let mut changed = false;
            for &v in &phis {
                if !std::mem::replace(&mut dirty[nb + v], false) {
                    continue;
                }
                let mut t = ft.values[v];
                for o in phi_operands(v) {
                    t.join(ft.value(*o));
                }
                if ft.values[v].join(t) {
                    changed = true;
                    mark(&mut dirty, v as ValueId);
                }
            }
            for (i, ins) in f.body.iter().enumerate() {
                if !std::mem::replace(&mut dirty[i], false) {
                    let due = read_bases[i].is_some_and(|(start, end)| {
                        base_pool[start as usize..end as usize]
                            .iter()
                            .any(|b| ft.base_stamp.get(base_index(*b)).is_some_and(|s| *s > ran_writes[i]))
                    });
                    if !due {
                        continue;
                    }
                }
                let results = values.results(i);
                before.clear();
                before.extend(results.iter().map(|r| ft.value(*r)));
                ran_writes[i] = ft.write_count;
                if self.transfer(cx, ev, values, &mut ft, &mut summary, i, &ins.op) {
                    changed = true;
                    for (r, b) in results.iter().zip(&before) {
                        if ft.value(*r) != *b {
                            mark(&mut dirty, *r);
                        }
                    }
                }
            }
            if !changed {
                break;
            }
        }
        // Result taint: operands of `return` and of the final `end`.
        let mut returned = Vec::new();
        for i in f.exits() {
            for v in values.operands(i) {
                summary.ret.join(ft.value(*v));
                let mem =
                    self.mem_taint(ev, &ft, ev.address(*v, 0), WINDOW, cx.program.cfg(func).map(|c| (c, i)));
                summary.ret_mem.join(mem);
                returned.push(*v);
            }
        }
        // A predicate (every return yields a constant, not all the same: `memcmp`-style
        // `return 1` / `return 0`; or a boolean merged from a constant and a comparison, as
        // `<[u8] as PartialEq>::eq`'s `len_a == len_b && bcmp(..) == 0`) tells its caller which
        // way its branches went: its result carries the taint of its branch conditions (an
        // implicit flow).
        let constants: Vec<Option<i64>> = returned.iter().map(|v| ev.constant(*v)).collect();
        let is_predicate = (returned.len() > 1
            && constants.iter().all(Option::is_some)
            && constants.iter().any(|c| *c != constants[0]))
            || (!returned.is_empty()
                && returned.iter().all(|v| is_boolean(ev, *v, 0))
                && returned.iter().any(|v| merges_constant(ev, *v)));
        if is_predicate {
            for (i, ins) in f.body.iter().enumerate() {
                if matches!(ins.op, Op::If(_) | Op::BrIf(_) | Op::BrTable { .. }) {
                    if let Some(c) = values.operands(i).last() {
                        summary.ret.join(ft.value(*c));
                    }
                }
            }
        }
        ft.base_stamp = Vec::new();
        (ft, summary)
    }

    /// How many bytes behind pointer parameter `param` the functions `callees` (the targets of
    /// one call) read ([`DataFlow::param_reads`], the widest of them), at most `len`: the length
    /// to read behind the argument a caller passes there. `len` when none is known to read.
    pub fn param_read_len(&self, callees: &[u32], param: usize, len: i64) -> i64 {
        let read = callees.iter().fold(0i64, |m, f| {
            m.max(self.param_reads.get(*f as usize).and_then(|r| r.get(param)).copied().unwrap_or(UNBOUNDED))
        });
        if read > 0 {
            read.min(len)
        } else {
            len
        }
    }

    /// Whether instruction `i` of `func` reads memory (or anything besides its operands) when
    /// taint is transferred through it: loads, and calls whose callee reads the memory behind
    /// its arguments (a copy, a hash, a summary with [`Taint::param_mem`]).
    fn reads_memory(&self, cx: &Context<'_>, func: u32, i: usize, op: &Op) -> bool {
        let targets: &[u32] = match op {
            Op::Load { .. } | Op::Other { name: "MemoryCopy", .. } => return true,
            Op::Call(c) | Op::ReturnCall(c) => std::slice::from_ref(c),
            Op::CallIndirect { .. } | Op::ReturnCallIndirect { .. } => cx.program.calls.targets_at(func, i),
            _ => return false,
        };
        targets.iter().any(|&t| match cx.host_fn(t) {
            Some(_) => self.host_reads.get(t as usize).copied().unwrap_or(false),
            // (A static buffer handed on by address reads what the nearest host call put there,
            // fixed by the code: no memory read to redo.)
            None => self.summaries.get(t as usize).is_some_and(|s| {
                s.ret.param_mem != 0 || s.ret_mem.param_mem != 0 || s.writes.iter().any(|w| w.param_mem != 0)
            }),
        })
    }

    /// What the `len` bytes that `ptr` points to in `func` carry (writes of unknown length count
    /// as [`WINDOW`] bytes), including the pointer parameter they belong to ([`Taint::param_mem`]).
    pub fn memory(&self, cx: &Context<'_>, func: u32, ptr: ValueId, len: i64) -> Taint {
        match (cx.evaluator(func), self.funcs.get(func as usize)) {
            (Some(ev), Some(ft)) => self.mem_taint(ev, ft, ev.address(ptr, 0), len, None),
            _ => Taint::default(),
        }
    }

    /// Taint of the `len` bytes at `ptr` in `func` as the call (or other instruction) at
    /// `instr` sees them: only writes that may run before it, so what the call itself writes
    /// there (an out-parameter it fills) does not flow back into its arguments.
    pub fn memory_before(&self, cx: &Context<'_>, func: u32, ptr: ValueId, len: i64, instr: usize) -> Taint {
        match (cx.evaluator(func), self.funcs.get(func as usize), cx.program.cfg(func)) {
            (Some(ev), Some(ft), Some(cfg)) => {
                self.mem_taint(ev, ft, ev.address(ptr, 0), len, Some((cfg, instr)))
            }
            _ => Taint::default(),
        }
    }

    /// Taint of the memory `addr` covers for `len` bytes, plus the parameter it points into.
    fn mem_taint(&self, ev: &Evaluator<'_>, ft: &FuncTaint, addr: Addr, len: i64, at: At<'_>) -> Taint {
        let mut t = Taint::default();
        Self::recorded_writes(ev, ft, addr, len, at, &mut t);
        if let Base::Value(b) = addr.base {
            let params = ft.pointer_params(ev, b);
            t.param_mem |= params;
            for (p, labels) in ft.param_labels.iter().enumerate() {
                if params & bit(p) != 0 {
                    t.labels |= labels;
                }
            }
            // Memory reached through a pointer the input chose is input as well (a decoder
            // walking a message buffer, an index taken from the message). In a summary the
            // pointer may have been loaded from a parameter's memory (a buffer pointer read out
            // of a `Vec` or a CosmWasm `Region`): what it points to is taken to come from there.
            let pointer = ft.value(b);
            t.labels |= pointer.labels & label(Effect::Input);
            t.param_mem |= pointer.param_mem;
        }
        t
    }

    /// Joins into `t` the writes recorded in the `len` bytes at `addr` and, when the base is a
    /// merge of pointers (a row either found in the cache or freshly read and unpacked, a buffer
    /// on the stack or the heap), the writes at the same offset of each merged pointer.
    fn recorded_writes(ev: &Evaluator<'_>, ft: &FuncTaint, addr: Addr, len: i64, at: At<'_>, t: &mut Taint) {
        Self::writes_at(ft, addr, len, at, t);
        let Base::Value(b) = addr.base else { return };
        if !matches!(ev.values.def(b), ValueDef::Phi { .. }) {
            return;
        }
        for (base, delta) in ft.merged_pointers(ev, b).iter() {
            Self::writes_at(ft, Addr { base: *base, offset: delta.saturating_add(addr.offset) }, len, at, t);
        }
    }

    /// Joins into `t` the writes recorded in the `len` bytes at `addr` itself; with `at`, only
    /// the writes that may run before instruction `at` (flow-sensitive in the order of the code:
    /// a slot reused by a later, unrelated part of the function does not flow back).
    fn writes_at(ft: &FuncTaint, addr: Addr, len: i64, at: At<'_>, t: &mut Taint) {
        // Writes are at most WINDOW long, so only starts in (offset - WINDOW, offset + len) overlap.
        let Some(slots) = ft.writes.get(&addr.base) else { return };
        let from = addr.offset.saturating_sub(WINDOW - 1);
        let to = addr.offset.saturating_add(len);
        if from < to {
            for (start, slot) in slots.range(from..to) {
                if t.covers(&slot.all) {
                    continue;
                }
                for (wlen, w, taint) in &slot.writes {
                    // (What `t` already holds needs no check of the order.)
                    if addr.offset < start.saturating_add(*wlen) && !t.covers(taint) && may_precede(at, *w) {
                        t.join(*taint);
                        if t.covers(&slot.all) {
                            break;
                        }
                    }
                }
            }
        }
    }

    /// What a hash host call's digest carries: what was hashed (the data argument's value and the
    /// memory it points to, over `data_len` bytes when that is a constant), plus the `crypto`
    /// label marking the value as hashed.
    fn digest_taint(
        &self,
        h: &HostFn,
        ev: &Evaluator<'_>,
        ft: &FuncTaint,
        args: &[ValueId],
        at: At<'_>,
    ) -> Taint {
        let mut out = Taint::of(label(Effect::Crypto));
        let len = ["data_len", "input_len", "message_len"]
            .iter()
            .find_map(|r| h.arg(r).and_then(|i| args.get(i as usize)).and_then(|v| ev.constant(*v)))
            .map_or(WINDOW, |n| n.clamp(1, 8 * WINDOW));
        for role in ["data", "input", "message"] {
            if let Some(&a) = h.arg(role).and_then(|i| args.get(i as usize)) {
                out.join(ft.value(a));
                out.join(self.mem_taint(ev, ft, ev.address(a, 0), len, at));
            }
        }
        out
    }

    /// Replaces parameter references in a callee's taint by the caller's arguments (of the call
    /// at instruction `at`).
    #[allow(clippy::too_many_arguments)]
    fn instantiate(
        &self,
        cx: &Context<'_>,
        ev: &Evaluator<'_>,
        ft: &FuncTaint,
        t: Taint,
        args: &[ValueId],
        targets: &[u32],
        at: usize,
    ) -> Taint {
        let mut out = Taint::of(t.labels);
        for (i, a) in args.iter().enumerate() {
            if t.params & bit(i) != 0 {
                out.join(ft.value(*a));
                // A constant address handed on as a value (a static buffer a host call filled,
                // turned into a slice by a callee) carries what that buffer holds.
                if let Some(c) = static_address(ev, *a) {
                    out.labels |= last_buffer_write(cx, ev, c, at).unwrap_or(0);
                }
            }
            if t.param_mem & bit(i) != 0 {
                // Only the bytes the callees read behind the parameter.
                let len = self.param_read_len(targets, i, WINDOW);
                out.join(self.mem_taint(
                    ev,
                    ft,
                    ev.address(*a, 0),
                    len,
                    cx.program.cfg(ev.func.index).map(|c| (c, at)),
                ));
            }
            if t.param_reg & bit(i) != 0 {
                out.join(self.register_taint(cx, ev, ft, *a, at));
            }
        }
        for (k, c) in self.register_ids.iter().enumerate() {
            if t.entry_reg & bit(k) != 0 {
                out.join(self.constant_register(cx, ev, *c, at));
            }
        }
        out
    }

    /// What reading the register named by `r` at instruction `at` yields: when `r` is a constant,
    /// what the nearest earlier host call that fills that register and dominates `at` put there
    /// (near-sdk reuses one register for the caller, the input and storage reads, so the
    /// module-wide contents would mix them), else the register's module-wide contents; a symbolic
    /// reference when `r` is a parameter.
    fn register_taint(
        &self,
        cx: &Context<'_>,
        ev: &Evaluator<'_>,
        ft: &FuncTaint,
        r: ValueId,
        at: usize,
    ) -> Taint {
        match ev.constant(r) {
            Some(c) => self.constant_register(cx, ev, c, at),
            None => Taint { param_reg: ft.value(r).params, ..Taint::default() },
        }
    }

    /// What constant register `c` holds at instruction `at`: what the nearest dominating host
    /// call of the function put there, else what it held when the function was entered
    /// (symbolic, [`Taint::entry_reg`]), else its module-wide contents.
    fn constant_register(&self, cx: &Context<'_>, ev: &Evaluator<'_>, c: i64, at: usize) -> Taint {
        if let Some(labels) = last_register_write(cx, ev, c, at) {
            return Taint::of(labels);
        }
        match self.register_ids.binary_search(&c) {
            Ok(k) => Taint { entry_reg: bit(k), ..Taint::default() },
            Err(_) => self.registers.get(&c).copied().unwrap_or_default(),
        }
    }

    /// [`Self::add_write`] of `taint` over `span` bytes from `addr`, one window at a time (at
    /// least one).
    #[allow(clippy::too_many_arguments)]
    fn add_write_span(
        ev: &Evaluator<'_>,
        ft: &mut FuncTaint,
        summary: &mut Summary,
        addr: Addr,
        span: i64,
        taint: Taint,
        at: usize,
    ) -> bool {
        let mut changed = false;
        let mut rel = 0;
        loop {
            let at_rel = Addr { base: addr.base, offset: addr.offset.saturating_add(rel) };
            changed |= Self::add_write(ev, ft, summary, at_rel, WINDOW, taint, at);
            rel += WINDOW;
            if rel >= span {
                return changed;
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn add_write(
        ev: &Evaluator<'_>,
        ft: &mut FuncTaint,
        summary: &mut Summary,
        addr: Addr,
        len: i64,
        taint: Taint,
        at: usize,
    ) -> bool {
        if taint.is_empty() {
            return false;
        }
        if let Base::Value(b) = addr.base {
            let params = ft.pointer_params(ev, b);
            for (p, w) in summary.writes.iter_mut().enumerate() {
                if params & bit(p) != 0 {
                    w.join(taint);
                }
            }
        }
        let len = len.clamp(1, WINDOW);
        let slot = ft.writes.entry(addr.base).or_default().entry(addr.offset).or_default();
        let grew = match slot.writes.iter_mut().find(|(l, w, _)| *l == len && *w == at) {
            Some((_, _, t)) => t.join(taint),
            None => {
                slot.writes.push((len, at, taint));
                true
            }
        };
        slot.all.join(taint);
        if grew {
            ft.write_count = ft.write_count.wrapping_add(1);
            if let Some(s) = ft.base_stamp.get_mut(base_index(addr.base)) {
                *s = ft.write_count;
            }
        }
        grew
    }

    #[allow(clippy::too_many_arguments)]
    fn transfer(
        &self,
        cx: &Context<'_>,
        ev: &Evaluator<'_>,
        values: &wasmaudit_flow::FunctionValues,
        ft: &mut FuncTaint,
        summary: &mut Summary,
        i: usize,
        op: &Op,
    ) -> bool {
        let ops = values.operands(i);
        let results = values.results(i);
        let mut changed = false;
        let mut set_results = |ft: &mut FuncTaint, t: Taint| {
            let mut c = false;
            for r in results {
                if let Some(slot) = ft.values.get_mut(*r as usize) {
                    c |= slot.join(t);
                }
            }
            c
        };
        match op {
            Op::Other { name: "MemoryCopy", .. } => {
                // `memory.copy` (bulk memory: rustc moves structs with it, a decoded contract
                // state into its out-pointer): a copy like the host's memcpy.
                if let [dst, src, len] = ops {
                    let cfg = cx.program.cfg(ev.func.index);
                    changed |= self.copy_memory(ev, ft, summary, *dst, *src, ev.constant(*len), (cfg, i));
                }
            }
            Op::Binary(..)
            | Op::Compare(..)
            | Op::Unary(..)
            | Op::Convert(_)
            | Op::Select
            | Op::Other { .. } => {
                let mut t = Taint::default();
                for o in ops {
                    t.join(ft.value(*o));
                }
                // A remainder of block data by a constant is a draw (`now % 6 + 1`): it
                // carries the `crypto` label, as a hash of the same data would, so detectors tell
                // it from a deadline (block time compared with a stored time). Remainders by
                // powers of ten take decimal digits (a timestamp formatted as text) and are none.
                if is_draw(ev, op, ops, |v| ft.value(v).has_any(DRAWN)) {
                    t.labels |= label(Effect::Crypto);
                }
                changed |= set_results(ft, t);
            }
            Op::Load { kind, .. } => {
                if let Some(addr) = ev.mem_address(i) {
                    let t = self.mem_taint(
                        ev,
                        ft,
                        addr,
                        i64::from(kind.bytes),
                        cx.program.cfg(ev.func.index).map(|c| (c, i)),
                    );
                    changed |= set_results(ft, t);
                }
            }
            Op::Store { kind, .. } => {
                if let (Some(addr), Some(&v)) = (ev.mem_address(i), ops.get(1)) {
                    let mut t = ft.value(v);
                    // A buffer pointer stored into a container (a `Vec`'s data pointer written
                    // into the struct an out-pointer names) hands on what the buffer holds: when
                    // the call's input was written behind the pointer before the store, the
                    // stored pointer carries input, and memory reached through it later is
                    // input ([`Self::mem_taint`]).
                    if kind.bytes >= 4 && ev.constant(v).is_none() {
                        let mut pointee = Taint::default();
                        let at = cx.program.cfg(ev.func.index).map(|c| (c, i));
                        Self::writes_at(ft, Addr { base: Base::Value(v), offset: 0 }, 1, at, &mut pointee);
                        t.labels |= pointee.labels & label(Effect::Input);
                    }
                    changed |= Self::add_write(ev, ft, summary, addr, i64::from(kind.bytes), t, i);
                    // A store at `buffer + index` (a loop filling a buffer byte by byte or word by
                    // word, the byte reversal of a big-endian host value into a `U256`) writes
                    // somewhere in the buffer: it is recorded over the window at the buffer's
                    // start as well, so later loads at fixed offsets of the buffer see it.
                    if let Some(buffers) = indexed_buffers(ev, values, addr) {
                        for start in buffers {
                            changed |= Self::add_write(ev, ft, summary, start, WINDOW, t, i);
                        }
                    }
                }
            }
            Op::Call(callee) | Op::ReturnCall(callee) => {
                changed |= self.call(cx, ev, ft, summary, &[*callee], ops, results, i, &mut set_results);
            }
            Op::CallIndirect { .. } | Op::ReturnCallIndirect { .. } => {
                let targets = cx.program.calls.targets_at(ev.func.index, i);
                let args = &ops[..ops.len().saturating_sub(1)];
                changed |= self.call(cx, ev, ft, summary, targets, args, results, i, &mut set_results);
            }
            _ => {}
        }
        changed
    }

    /// `memcpy(dst, src, len)`: each write recorded in the `len` source bytes (at most
    /// [`MAX_COPY`] when `len` is not a constant) is repeated at the same distance from `dst`,
    /// and what the source's own pointer parameters carry goes along.
    #[allow(clippy::too_many_arguments)]
    fn copy_memory(
        &self,
        ev: &Evaluator<'_>,
        ft: &mut FuncTaint,
        summary: &mut Summary,
        dst: ValueId,
        src: ValueId,
        len: Option<i64>,
        at: (Option<&Cfg>, usize),
    ) -> bool {
        let known_len = len.is_some();
        let len = len.map_or(MAX_COPY, |n| n.clamp(0, MAX_COPY));
        let (from, to) = (ev.address(src, 0), ev.address(dst, 0));
        let mut copies: Vec<(i64, i64, Taint)> = Vec::new();
        let lo = from.offset.saturating_sub(WINDOW - 1);
        let hi = from.offset.saturating_add(len);
        if let (Some(slots), true) = (ft.writes.get(&from.base), lo < hi) {
            for (start, slot) in slots.range(lo..hi) {
                for (wlen, w, taint) in &slot.writes {
                    if from.offset < start.saturating_add(*wlen) && may_precede(at.0.map(|c| (c, at.1)), *w) {
                        let rel = start.saturating_sub(from.offset).max(0);
                        copies.push((rel, *wlen, *taint));
                    }
                }
            }
        }
        let mut symbolic = Taint::default();
        if let Base::Value(b) = from.base {
            symbolic.param_mem = ft.pointer_params(ev, b) | ft.value(b).param_mem;
            symbolic.labels = ft.value(b).labels & label(Effect::Input);
        }
        let mut changed = false;
        for (rel, wlen, taint) in copies {
            let addr = Addr { base: to.base, offset: to.offset.saturating_add(rel) };
            changed |= Self::add_write(ev, ft, summary, addr, wlen, taint, at.1);
        }
        // What the source's parameters carry covers the bytes copied (a struct moved whole).
        let span = if known_len { len } else { WINDOW };
        // A copy of a known length into a parameter's memory (a decoded struct moved into the
        // out-pointer) writes every byte of it: the parameter's span reaches its end. (Stores of
        // single fields do not widen it: the summary's one taint per parameter would spread
        // each field's sources over the bytes between them.)
        if let (Base::Value(b), true) = (to.base, known_len) {
            if let ValueDef::Param(p) = ev.values.def(b) {
                if let Some(s) = summary.spans.get_mut(*p as usize) {
                    *s = (*s).max(to.offset.saturating_add(len).min(MAX_COPY));
                }
            }
        }
        changed | Self::add_write_span(ev, ft, summary, to, span, symbolic, at.1)
    }

    #[allow(clippy::too_many_arguments)]
    fn call(
        &self,
        cx: &Context<'_>,
        ev: &Evaluator<'_>,
        ft: &mut FuncTaint,
        summary: &mut Summary,
        targets: &[u32],
        args: &[ValueId],
        results: &[ValueId],
        at: usize,
        set_results: &mut dyn FnMut(&mut FuncTaint, Taint) -> bool,
    ) -> bool {
        let mut changed = false;
        // The summary of the only defined target, or the join of several (cloned only then).
        let mut first: Option<&Summary> = None;
        let mut joined: Option<Summary> = None;
        for &t in targets {
            if let Some(h) = cx.host_fn(t) {
                if let (Some(d), Some(s)) = (h.arg("dst"), h.arg("src")) {
                    // memcpy/memmove: what the source bytes carry moves to the destination.
                    let len = h.arg("len").and_then(|l| args.get(l as usize)).and_then(|v| ev.constant(*v));
                    if let (Some(&dst), Some(&src)) = (args.get(d as usize), args.get(s as usize)) {
                        let cfg = cx.program.cfg(ev.func.index);
                        changed |= self.copy_memory(ev, ft, summary, dst, src, len, (cfg, at));
                    }
                    continue;
                }
                if h.effects.is_empty() && h.args.is_empty() {
                    // A library routine the host provides (compiler-rt soft float, 128-bit
                    // arithmetic): its result comes from its arguments; one without a result
                    // returns through the pointer in its first argument.
                    let mut out = Taint::default();
                    for a in args.iter().skip(usize::from(results.is_empty())) {
                        out.join(ft.value(*a));
                    }
                    if results.is_empty() {
                        if let Some(&p) = args.first() {
                            changed |= Self::add_write(ev, ft, summary, ev.address(p, 0), 16, out, at);
                        }
                    }
                    changed |= set_results(ft, out);
                    continue;
                }
                let labels = host_labels(h);
                let mut out = Taint::of(labels);
                if h.has(Effect::AuthCheck) || h.has(Effect::SignatureVerify) {
                    // The verdict depends on what was checked.
                    for a in args {
                        out.join(ft.value(*a));
                    }
                }
                // A comparison of host-held buffers (MultiversX `mBufferEq` on two handles): the
                // result depends on what they hold, followed like memory behind the handle.
                for (role, i) in &h.args {
                    if let (true, Some(&a)) = (role.starts_with("operand"), args.get(*i as usize)) {
                        out.join(ft.value(a));
                        let at = cx.program.cfg(ev.func.index).map(|c| (c, at));
                        out.join(self.mem_taint(ev, ft, ev.address(a, 0), WINDOW, at));
                    }
                }
                if let Some(&r) = h.arg("register").and_then(|r| args.get(r as usize)) {
                    if labels == 0 {
                        // read_register / register_len: the register's contents come out.
                        out.join(self.register_taint(cx, ev, ft, r, at));
                    }
                }
                if h.has(Effect::Crypto) {
                    out.join(self.digest_taint(
                        h,
                        ev,
                        ft,
                        args,
                        cx.program.cfg(ev.func.index).map(|c| (c, at)),
                    ));
                }
                for o in output_args(h) {
                    if let Some(&p) = args.get(o as usize) {
                        changed |= Self::add_write(ev, ft, summary, ev.address(p, 0), WINDOW, out, at);
                    }
                }
                changed |= set_results(ft, out);
            } else if let Some(s) = self.summaries.get(t as usize) {
                // Defined targets are taken together: instantiating a summary distributes over
                // joins, so one instantiation of the joined summaries of every target (a
                // `call_indirect` with hundreds) records what one per target would.
                match (first, &mut joined) {
                    (None, _) => first = Some(s),
                    (Some(f), None) => {
                        let mut j = f.clone();
                        join_summary(&mut j, s);
                        joined = Some(j);
                    }
                    (Some(_), Some(j)) => join_summary(j, s),
                }
            }
        }
        if let Some(s) = joined.as_ref().or(first) {
            let ret = self.instantiate(cx, ev, ft, s.ret, args, targets, at);
            changed |= set_results(ft, ret);
            if !s.ret_mem.is_empty() {
                let mem = self.instantiate(cx, ev, ft, s.ret_mem, args, targets, at);
                for r in results {
                    changed |= Self::add_write(ev, ft, summary, ev.address(*r, 0), WINDOW, mem, at);
                }
            }
            for (i, w) in s.writes.iter().enumerate() {
                if w.is_empty() {
                    continue;
                }
                if let Some(&p) = args.get(i) {
                    let t = self.instantiate(cx, ev, ft, *w, args, targets, at);
                    // Repeated over the callees' span of the parameter, one window at a time.
                    let span = s.spans.get(i).copied().unwrap_or(WINDOW).clamp(WINDOW, MAX_COPY);
                    changed |= Self::add_write_span(ev, ft, summary, ev.address(p, 0), span, t, at);
                }
            }
        }
        changed
    }
}
