use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use wasmaudit_detect::authz::amounts_by_reference;
use wasmaudit_detect::taint::{indexed_buffers, label, WINDOW};
use wasmaudit_detect::{Class, Confidence, Context, Detector, DetectorMeta, Docs, Finding, Impact};
use wasmaudit_flow::{Addr, Base, ValueDef, ValueId};
use wasmaudit_front::{BinOp, Op, Width};
use wasmaudit_platform::{Effect, HostFn};

pub struct UncheckedArithmetic;

pub static META: DetectorMeta = DetectorMeta {
    id: "WA611",
    name: "unchecked-arithmetic",
    class: Class::UncheckedArithmetic,
    impact: Impact::High,
    confidence: Confidence::Low,
    summary: "Wrapping add/sub/mul on amounts from input or storage reaches a storage write or transfer unchecked",
    docs: Docs {
        what_it_does: "Finds `i64` `add`, `sub` and `mul` (and `i32` ones whose result is widened to a \
            64-bit value and never used as an address: on wasm32 other 32-bit arithmetic is pointer \
            and length arithmetic) of two non-constant operands at least one of which comes from \
            call input or from storage (taint, followed into callers for parameters), whose result flows — through \
            arithmetic, phis, memory slots, pointer arguments, function parameters and return values \
            — into the value of a storage write or the amount of a transfer or call. The operation \
            is checked when the function compares its result (or a value computed from it) with \
            anything, or compares its operands (or values computed from one of them, such as \
            `MAX - b`) with each other, and that comparison decides a branch, an assertion or a \
            `select`: the compare-and-panic code of Rust's `checked_add().expect()` and of \
            overflow-checked builds, saturating arithmetic, carry tests that decide a panic, and \
            EOSIO `asset` range assertions all count; so does a caller comparing the result of a \
            helper (compiler-rt `__multi3` under `checked_mul`). A carry that only feeds the next \
            limb of a multi-limb addition (through arithmetic or a select between comparisons) is \
            not a check by itself; it is when the next limb's overflow test, computed from it, \
            decides a branch (Rust's `checked_add`/`checked_sub` on `i128`). Compiler-rt's wide multiplication (`__multi3`, recognised by its shape) \
            wraps by design and is skipped. On Stylus, where amounts are 256-bit words passed by \
            reference, an operand's source is also looked for in the memory behind pointer \
            parameters (the caller's memory when it makes the call), and the result is followed \
            through loops that walk a buffer (the limb reversal between ruint's `U256` and the \
            host's big-endian word), stores at `buffer + index` and helpers that copy one buffer \
            into another (`copy_from_slice`). There the comparison and the arithmetic are separate \
            loops over the limbs (ruint's `have < amount`, then `have - amount`): an operation is \
            also checked when a limb of an operand's buffer is compared elsewhere in the function \
            with a value that is not a constant and that comparison decides a branch, and a sum \
            when another addition of the same buffer in the function is checked (an amount added \
            to a balance after the total supply's `checked_add` of it succeeded).",
        why_bad: "Balances and amounts wrap silently in WebAssembly: a subtraction below zero yields a \
            huge balance, an addition past the maximum yields a tiny one, and the result is stored \
            or paid out as if it were right. Token contracts have been drained this way (the BEC \
            `batchTransfer` overflow, EOSIO games whose bets overflowed the balance).",
        exploit_scenario: "A NEAR vault compiled without overflow checks computes `balance - amount` in \
            `withdraw` from the stored balance and the requested amount, stores the result and \
            transfers `amount`. Withdrawing one more than the balance stores 2^128 - 1 as the new \
            balance, after which every later withdrawal succeeds.",
        recommendation: "Use checked arithmetic (`checked_add`/`checked_sub` with an error, or \
            `overflow-checks = true` in the release profile), compare before subtracting, and use \
            the platform's safe amount types (EOSIO `asset`, cosmwasm `Uint128`).",
        known_false_positives: "The analysis does not know value ranges: an addition of two values \
            that are bounded elsewhere (a fee percentage, an amount already compared with a smaller \
            limit in another function) is reported, and a check made in another function than the \
            operation is not seen. Arithmetic on other quantities than amounts (counters, lengths, \
            timestamps) that reaches storage is reported too; the dominance of the check over the \
            sink is not verified, only that the comparison decides control flow in the same \
            function. A 64-bit (or 128-bit, limb by limb) addition is reported with medium impact, \
            since only operands near 2^64 wrap it; an addition of an unchecked amount the caller \
            chose freely is as serious as a product and is under-graded; so is a product that \
            only feeds a reported sum (`value * n` credited with `+`: one finding, graded as the \
            sum). On Stylus the limb arithmetic of ruint's software division (`div_rem_by_ref`: \
            multiply-subtract with add-back) is reported when a quotient of input or stored \
            amounts is stored (`fee = amount * bps / 10_000`), though it cannot wrap the quotient.",
    },
    platforms: &[],
};

impl Detector for UncheckedArithmetic {
    fn meta(&self) -> &'static DetectorMeta {
        &META
    }

    fn run(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let a = Analysis {
            cx,
            by_reference: amounts_by_reference(cx.platform),
            index: RefCell::new(BTreeMap::new()),
            summaries: RefCell::new(BTreeMap::new()),
            sources_up: RefCell::new(HashMap::new()),
        };
        if !a.has_sinks() {
            return;
        }
        let sources = label(Effect::Input) | label(Effect::StorageRead);
        for f in cx.module.functions.iter().filter(|f| !f.is_import()) {
            let mut found: Vec<(usize, ValueId, Finding)> = Vec::new();
            let (Some(values), Some(ev)) = (cx.program.values(f.index), cx.evaluator(f.index)) else {
                continue;
            };
            let Some(ft) = cx.dataflow().funcs.get(f.index as usize) else { continue };
            if is_wide_multiply_builtin(cx, f.index) {
                continue;
            }
            for (i, ins) in f.body.iter().enumerate() {
                let Op::Binary(width, op @ (BinOp::Add | BinOp::Sub | BinOp::Mul)) = ins.op else { continue };
                let ops = values.operands(i);
                let (Some(&x), Some(&y)) = (ops.first(), ops.get(1)) else { continue };
                if ev.constant(x).is_some() || ev.constant(y).is_some() {
                    continue;
                }
                if a.sources(f.index, ft.value(x), 0) & sources == 0
                    && a.sources(f.index, ft.value(y), 0) & sources == 0
                {
                    continue;
                }
                let Some(&r) = values.results(i).first() else { continue };
                // On wasm32, 32-bit arithmetic is pointer and length arithmetic unless its result
                // is widened into a 64-bit value.
                if width == Width::I32 && !a.widened(f.index, r) {
                    continue;
                }
                if a.used_as_address(f.index, r) || a.checked(f.index, i, r, x, y) {
                    continue;
                }
                let Some(sink) = a.reaches_sink(f.index, r) else { continue };
                let name = match (width, op) {
                    (Width::I32, BinOp::Add) => "i32.add",
                    (Width::I32, BinOp::Sub) => "i32.sub",
                    (Width::I32, _) => "i32.mul",
                    (Width::I64, BinOp::Add) => "i64.add",
                    (Width::I64, BinOp::Sub) => "i64.sub",
                    (Width::I64, _) => "i64.mul",
                };
                let what = match op {
                    BinOp::Sub => "underflow",
                    _ => "overflow",
                };
                let finding = Finding::at(
                    cx,
                    &META,
                    f.index,
                    i,
                    format!(
                        "`{name}` on a value from call input or storage can {what} and its result reaches \
                         {sink} with no comparison of the result or operands deciding a branch: a wrapped \
                         amount is stored or paid"
                    ),
                );
                // A 64-bit (or wider, limb by limb) sum wraps only when an operand is near 2^64,
                // which no real balance or supply reaches; a product, or a difference below zero,
                // wraps with ordinary amounts. The sum is graded medium, the others keep high.
                let finding = match (width, op) {
                    (Width::I64, BinOp::Add) => finding.with_impact(Impact::Medium),
                    _ => finding,
                };
                found.push((i, r, finding));
            }
            // One finding per chain: an operation whose result (or carry) feeds another reported
            // one is part of it (the limbs of a 128-bit addition).
            for (i, r, finding) in &found {
                let feeds = a.carried(f.index, *r);
                let part_of_other = found
                    .iter()
                    .any(|(j, _, _)| j != i && values.operands(*j).iter().any(|o| feeds.contains(o)));
                if !part_of_other {
                    out.push(finding.clone());
                }
            }
        }
    }
}

/// A compiler-rt wide multiplication (`__multi3`: `(out: *mut u128, a_lo, a_hi, b_lo, b_hi)`):
/// a leaf with no calls and no loads, an out pointer and 64-bit limbs, multiplying. Its partial
/// products wrap by design; overflow is for its callers to check (`checked_mul` compares the
/// operands' high limbs before the call).
fn is_wide_multiply_builtin(cx: &Context<'_>, func: u32) -> bool {
    use wasmaudit_front::ValType;
    let (Some(f), Some(sig)) = (cx.module.function(func), cx.module.func_sig(func)) else { return false };
    let shape = sig.results.is_empty()
        && sig.params.len() >= 3
        && sig.params.first() == Some(&ValType::I32)
        && sig.params.iter().skip(1).all(|p| *p == ValType::I64);
    shape
        && f.body.iter().any(|i| matches!(i.op, Op::Binary(Width::I64, BinOp::Mul)))
        && !f.body.iter().any(|i| {
            matches!(
                i.op,
                Op::Load { .. }
                    | Op::Call(_)
                    | Op::CallIndirect { .. }
                    | Op::ReturnCall(_)
                    | Op::ReturnCallIndirect { .. }
            )
        })
}

/// Argument roles that carry the value a storage write stores or a call/transfer moves.
fn sink_roles(h: &HostFn) -> Vec<u32> {
    let mut roles: Vec<&str> = Vec::new();
    if h.has(Effect::StorageWrite) {
        roles.extend(["value", "data"]);
    }
    if h.has(Effect::ValueTransfer) || h.has(Effect::ExternalCall) {
        roles.extend(["amount", "action"]);
    }
    roles.iter().filter_map(|r| h.arg(r)).collect()
}

/// Bytes a pointer argument is taken to cover.
const POINTER_WINDOW: i64 = 64;
/// Callers a value returned from a function is followed into.
const MAX_UP: u32 = 3;
/// Bytes of an amount passed by reference (a `U256`): loads this close to a buffer's start read
/// limbs of the same amount.
const AMOUNT_BYTES: i64 = 32;
/// Values one slice may collect.
const MAX_SLICE: usize = 4096;

/// Per-function use lists.
#[derive(Default)]
struct FuncIndex {
    uses: HashMap<ValueId, Vec<(usize, usize)>>,
    phi_uses: HashMap<ValueId, Vec<ValueId>>,
    /// Loads by address base: (offset, bytes, result).
    loads: HashMap<Base, Vec<(i64, i64, ValueId)>>,
    /// Call arguments (not the table index) by the base of the address they hold:
    /// (call instruction, argument index, offset).
    call_args: HashMap<Base, Vec<(usize, usize, i64)>>,
    exits: Vec<usize>,
}

/// What values of one function reach.
#[derive(Default, Clone)]
struct Reach {
    sink: Option<String>,
    returned: bool,
    /// Pointer parameters whose memory receives the value (an out-parameter, a returned struct),
    /// with the byte range written relative to the pointer.
    param_mem: BTreeMap<u32, (i64, i64)>,
}

/// What a function does with its parameters.
#[derive(Default, Clone)]
struct Summary {
    /// Per parameter: the sink its value reaches.
    value_sink: Vec<Option<String>>,
    /// Per parameter: the sink the memory it points to reaches.
    mem_sink: Vec<Option<String>>,
    /// Parameters whose value flows into the result.
    returned: Vec<bool>,
}

struct Analysis<'c, 'a> {
    cx: &'c Context<'a>,
    /// Amounts are words passed by reference ([`amounts_by_reference`]): follow them through
    /// pointer parameters, buffer-walking loops and copying helpers.
    by_reference: bool,
    index: RefCell<BTreeMap<u32, std::rc::Rc<FuncIndex>>>,
    summaries: RefCell<BTreeMap<u32, Option<std::rc::Rc<Summary>>>>,
    /// Labels [`Analysis::sources`] found through the callers, by function, parameter sets
    /// (values, memory) and depth.
    sources_up: RefCell<HashMap<(u32, u64, u64, u32), u32>>,
}

impl Analysis<'_, '_> {
    /// Source labels of a value with taint `t` in `func`, parameters resolved through the
    /// arguments of `func`'s callers (a few levels up).
    fn sources(&self, func: u32, t: wasmaudit_detect::taint::Taint, depth: u32) -> u32 {
        let param_mem = if self.by_reference { t.param_mem } else { 0 };
        if (t.params == 0 && param_mem == 0) || depth >= MAX_UP {
            return t.labels;
        }
        let memo = (func, t.params, param_mem, depth);
        if let Some(up) = self.sources_up.borrow().get(&memo) {
            return t.labels | up;
        }
        let mut labels = 0;
        for (caller, site) in self.cx.program.calls.callers(func) {
            let (Some(values), Some(ft)) =
                (self.cx.program.values(caller), self.cx.dataflow().funcs.get(caller as usize))
            else {
                continue;
            };
            let ops = values.operands(site.instr);
            for (p, a) in ops.iter().enumerate().take(64) {
                if t.params & (1u64 << p) != 0 {
                    labels |= self.sources(caller, ft.value(*a), depth + 1);
                }
                // An amount passed by reference (a `U256` behind a pointer): what the caller's
                // memory there holds when it makes the call.
                if param_mem & (1u64 << p) != 0 {
                    let m = self.cx.dataflow().memory_before(self.cx, caller, *a, 32, site.instr);
                    labels |= self.sources(caller, m, depth + 1);
                }
            }
        }
        self.sources_up.borrow_mut().insert(memo, labels);
        t.labels | labels
    }

    fn has_sinks(&self) -> bool {
        self.cx
            .module
            .functions
            .iter()
            .any(|f| self.cx.host_fn(f.index).is_some_and(|h| !sink_roles(h).is_empty()))
    }

    fn index(&self, func: u32) -> std::rc::Rc<FuncIndex> {
        if let Some(ix) = self.index.borrow().get(&func) {
            return ix.clone();
        }
        let mut ix = FuncIndex::default();
        if let (Some(f), Some(values), Some(ev)) =
            (self.cx.module.function(func), self.cx.program.values(func), self.cx.evaluator(func))
        {
            for (i, ins) in f.body.iter().enumerate() {
                let ops = values.operands(i);
                for (k, v) in ops.iter().enumerate() {
                    ix.uses.entry(*v).or_default().push((i, k));
                }
                match ins.op {
                    Op::Load { kind, .. } => {
                        if let (Some(a), Some(&r)) = (ev.mem_address(i), values.results(i).first()) {
                            ix.loads.entry(a.base).or_default().push((a.offset, i64::from(kind.bytes), r));
                            // A load through a pointer a loop walks (`p = buf + 24; ...; p -= 8`,
                            // the limbs of a `U256` reversed): it reads around where the walk
                            // starts in each buffer the pointer comes from.
                            if let (true, Base::Value(b), Some(ft)) =
                                (self.by_reference, a.base, self.cx.dataflow().funcs.get(func as usize))
                            {
                                for (base, delta) in ft.merged_pointers(ev, b).iter() {
                                    let at = delta.saturating_add(a.offset);
                                    ix.loads.entry(*base).or_default().push((
                                        at.saturating_sub(WINDOW - 8),
                                        2 * WINDOW,
                                        r,
                                    ));
                                }
                            }
                        }
                    }
                    Op::Call(_)
                    | Op::ReturnCall(_)
                    | Op::CallIndirect { .. }
                    | Op::ReturnCallIndirect { .. } => {
                        let table = usize::from(matches!(
                            ins.op,
                            Op::CallIndirect { .. } | Op::ReturnCallIndirect { .. }
                        ));
                        for (k, a) in ops[..ops.len().saturating_sub(table)].iter().enumerate() {
                            let p = ev.address(self.strip(func, *a), 0);
                            ix.call_args.entry(p.base).or_default().push((i, k, p.offset));
                        }
                    }
                    Op::Return => ix.exits.push(i),
                    Op::End if i + 1 == f.body.len() => ix.exits.push(i),
                    _ => {}
                }
            }
            for (v, def) in values.defs.iter().enumerate() {
                if let ValueDef::Phi { operands, .. } = def {
                    for o in operands {
                        ix.phi_uses.entry(*o).or_default().push(v as ValueId);
                    }
                }
            }
        }
        let ix = std::rc::Rc::new(ix);
        self.index.borrow_mut().insert(func, ix.clone());
        ix
    }

    fn op(&self, func: u32, instr: usize) -> Option<&Op> {
        self.cx.module.function(func).and_then(|f| f.body.get(instr)).map(|i| &i.op)
    }

    /// Whether a value computed from `r` is widened to 64 bits and none is used as an address.
    fn widened(&self, func: u32, r: ValueId) -> bool {
        let derived = self.derived(func, &[r], 3);
        let ix = self.index(func);
        let as_address = derived.iter().any(|v| {
            ix.uses.get(v).into_iter().flatten().any(|(i, k)| {
                *k == 0 && matches!(self.op(func, *i), Some(Op::Load { .. } | Op::Store { .. }))
            })
        });
        let widened = derived.iter().any(|v| {
            ix.uses.get(v).into_iter().flatten().any(|(i, _)| {
                matches!(
                    self.op(func, *i),
                    Some(Op::Convert(
                        wasmaudit_front::ConvOp::I64ExtendI32U | wasmaudit_front::ConvOp::I64ExtendI32S
                    ))
                )
            })
        });
        widened && !as_address
    }

    /// Pointer arithmetic: the result is used as the address of a load or store.
    fn used_as_address(&self, func: u32, r: ValueId) -> bool {
        let ix = self.index(func);
        ix.uses
            .get(&r)
            .into_iter()
            .flatten()
            .any(|(i, k)| *k == 0 && matches!(self.op(func, *i), Some(Op::Load { .. } | Op::Store { .. })))
    }

    /// Whether a comparison of the result with anything, or of the operands with each other,
    /// decides a branch, an assertion or a select in `func`.
    fn checked(&self, func: u32, instr: usize, r: ValueId, x: ValueId, y: ValueId) -> bool {
        let Some(values) = self.cx.program.values(func) else { return false };
        let Some(f) = self.cx.module.function(func) else { return false };
        // The result and its carry (a wide addition checks the high limb, which the low limb's
        // carry flows into: `checked_add` on i128).
        let seeds: Vec<ValueId> = self.carried(func, r).into_iter().collect();
        let desc = self.derived(func, &seeds, 4);
        let anc = self.ancestors(func, &[x, y], 3);
        let near_anc = self.derived(func, &anc.iter().copied().collect::<Vec<_>>(), 1);
        for (c, ins) in f.body.iter().enumerate() {
            if c == instr || !matches!(ins.op, Op::Compare(..)) {
                continue;
            }
            let ops = values.operands(c);
            let (Some(p), Some(q)) = (ops.first(), ops.get(1)) else { continue };
            let on_result = desc.contains(p) || desc.contains(q);
            let on_operands = (anc.contains(p) || near_anc.contains(p))
                && (anc.contains(q) || near_anc.contains(q))
                && (anc.contains(p) || anc.contains(q))
                && p != q;
            if !(on_result || on_operands) {
                continue;
            }
            let Some(&cr) = values.results(c).first() else { continue };
            if self.decides_control(func, cr) {
                return true;
            }
            // A borrow or carry of the low limb (`a_lo < b_lo`) that the high limb's checked
            // operation takes in, and whose overflow test decides a branch.
            if self.compared(func, &[cr], &[]) {
                return true;
            }
        }
        self.by_reference && self.checked_by_reference(func, instr, x, y)
    }

    /// Amounts passed by reference (a `U256` behind a pointer, ruint's limb loops): the
    /// comparison and the arithmetic are separate loops over the limbs, each loading them again
    /// (`have < amount` in one loop, `have - amount` in the next). The operation is checked when
    /// a limb of an operand's buffer is compared, in another instruction of the function, with a
    /// value that is not a constant and the comparison decides a branch; a sum also when another
    /// addition of the function that takes the same buffer is checked (the amount added to a
    /// part of a total after the total's `checked_add` succeeded: the part cannot wrap unless
    /// the total did).
    fn checked_by_reference(&self, func: u32, instr: usize, x: ValueId, y: ValueId) -> bool {
        let buffers: Vec<Addr> = [x, y].iter().flat_map(|v| self.load_buffers(func, *v, 2)).collect();
        if buffers.is_empty() {
            return false;
        }
        let (Some(values), Some(f), Some(ev)) =
            (self.cx.program.values(func), self.cx.module.function(func), self.cx.evaluator(func))
        else {
            return false;
        };
        let same = |v: ValueId| {
            self.load_buffers(func, v, 0).iter().any(|a| {
                buffers.iter().any(|b| a.base == b.base && (a.offset - b.offset).abs() < AMOUNT_BYTES)
            })
        };
        let is_add = matches!(self.op(func, instr), Some(Op::Binary(_, BinOp::Add)));
        for (c, ins) in f.body.iter().enumerate() {
            if c == instr {
                continue;
            }
            let ops = values.operands(c);
            let (Some(&p), Some(&q)) = (ops.first(), ops.get(1)) else { continue };
            match ins.op {
                Op::Compare(..) => {
                    let limb = (same(p) && ev.constant(q).is_none()) || (same(q) && ev.constant(p).is_none());
                    if limb && values.results(c).first().is_some_and(|r| self.decides_control(func, *r)) {
                        return true;
                    }
                }
                Op::Binary(_, BinOp::Add) if is_add && (same(p) || same(q)) => {
                    if ev.constant(p).is_some() || ev.constant(q).is_some() {
                        continue;
                    }
                    let Some(&r) = values.results(c).first() else { continue };
                    let seeds: Vec<ValueId> = self.carried(func, r).into_iter().collect();
                    let desc = self.derived(func, &seeds, 4);
                    let checked = f.body.iter().enumerate().any(|(k, ins)| {
                        matches!(ins.op, Op::Compare(..))
                            && values.operands(k).iter().any(|o| desc.contains(o))
                            && values.results(k).first().is_some_and(|cr| self.compared(func, &[*cr], &[]))
                    });
                    if checked {
                        return true;
                    }
                }
                _ => {}
            }
        }
        false
    }

    /// The buffers `v` is a limb of: the memory a load (seen through conversions) reads, at the
    /// start of each buffer an indexed address (`buffer + index`) walks; with `depth`, also the
    /// loads `v` is computed from by that many arithmetic steps (a limb's difference, then its
    /// borrow subtracted).
    fn load_buffers(&self, func: u32, v: ValueId, depth: u32) -> Vec<Addr> {
        let (Some(values), Some(ev)) = (self.cx.program.values(func), self.cx.evaluator(func)) else {
            return Vec::new();
        };
        let v = self.strip(func, v);
        let ValueDef::Result { instr, index: 0 } = values.def(v) else { return Vec::new() };
        match self.op(func, *instr) {
            Some(Op::Load { .. }) => {
                let Some(addr) = ev.mem_address(*instr) else { return Vec::new() };
                indexed_buffers(ev, values, addr).unwrap_or_else(|| vec![addr])
            }
            Some(Op::Binary(..) | Op::Unary(..) | Op::Convert(_)) if depth > 0 => values
                .operands(*instr)
                .iter()
                .filter(|o| ev.constant(**o).is_none())
                .flat_map(|o| self.load_buffers(func, *o, depth - 1))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Whether `func` compares a value computed from `seeds` (or loaded from `mem`) and the
    /// comparison decides a branch, an assertion or a select.
    fn compared(&self, func: u32, seeds: &[ValueId], mem: &[(Base, i64, i64)]) -> bool {
        let ix = self.index(func);
        let Some(values) = self.cx.program.values(func) else { return false };
        let mut start: Vec<ValueId> = seeds.to_vec();
        for (base, lo, hi) in mem {
            for &(off, len, r) in ix.loads.get(base).into_iter().flatten() {
                if off < *hi && *lo < off + len {
                    start.push(r);
                }
            }
        }
        let desc = self.derived(func, &start, 3);
        let Some(f) = self.cx.module.function(func) else { return false };
        f.body.iter().enumerate().any(|(c, ins)| {
            matches!(ins.op, Op::Compare(..))
                && values.operands(c).iter().any(|o| desc.contains(o))
                && values.results(c).first().is_some_and(|r| self.decides_control(func, *r))
        })
    }

    /// Values computed from `seeds` (through arithmetic, conversions, selects and phis).
    fn derived(&self, func: u32, seeds: &[ValueId], depth: u32) -> BTreeSet<ValueId> {
        let ix = self.index(func);
        let Some(values) = self.cx.program.values(func) else { return BTreeSet::new() };
        let mut out: BTreeSet<ValueId> = seeds.iter().copied().collect();
        let mut frontier: Vec<ValueId> = seeds.to_vec();
        for _ in 0..depth {
            let mut next = Vec::new();
            for v in frontier {
                for (i, _) in ix.uses.get(&v).into_iter().flatten() {
                    if matches!(
                        self.op(func, *i),
                        Some(Op::Binary(..) | Op::Convert(_) | Op::Select | Op::Unary(..))
                    ) {
                        for r in values.results(*i) {
                            if out.insert(*r) {
                                next.push(*r);
                            }
                        }
                    }
                }
                for p in ix.phi_uses.get(&v).into_iter().flatten() {
                    if out.insert(*p) {
                        next.push(*p);
                    }
                }
            }
            frontier = next;
        }
        out
    }

    /// Values computed from `r` in a few steps, comparisons (carries) included.
    fn carried(&self, func: u32, r: ValueId) -> BTreeSet<ValueId> {
        let ix = self.index(func);
        let Some(values) = self.cx.program.values(func) else { return BTreeSet::new() };
        let mut out = BTreeSet::from([r]);
        let mut frontier = vec![r];
        for _ in 0..3 {
            let mut next = Vec::new();
            for v in frontier {
                for (i, _) in ix.uses.get(&v).into_iter().flatten() {
                    if matches!(self.op(func, *i), Some(Op::Compare(..) | Op::Convert(_) | Op::Select)) {
                        for x in values.results(*i) {
                            if out.insert(*x) {
                                next.push(*x);
                            }
                        }
                    }
                }
            }
            frontier = next;
        }
        out
    }

    /// `seeds` and the values they are copies or conversions of.
    fn ancestors(&self, func: u32, seeds: &[ValueId], depth: u32) -> BTreeSet<ValueId> {
        let Some(values) = self.cx.program.values(func) else { return BTreeSet::new() };
        let mut out: BTreeSet<ValueId> = seeds.iter().copied().collect();
        let mut frontier: Vec<ValueId> = seeds.to_vec();
        for _ in 0..depth {
            let mut next = Vec::new();
            for v in frontier {
                let more: Vec<ValueId> = match values.def(v) {
                    ValueDef::Phi { operands, .. } => operands.clone(),
                    ValueDef::Result { instr, .. }
                        if matches!(self.op(func, *instr), Some(Op::Convert(_))) =>
                    {
                        values.operands(*instr).to_vec()
                    }
                    _ => Vec::new(),
                };
                for m in more {
                    if out.insert(m) {
                        next.push(m);
                    }
                }
            }
            frontier = next;
        }
        out
    }

    /// Whether the comparison result `c` decides a branch, an assertion or a select.
    fn decides_control(&self, func: u32, c: ValueId) -> bool {
        let ix = self.index(func);
        let Some(values) = self.cx.program.values(func) else { return false };
        let mut seen = BTreeSet::from([c]);
        let mut work = vec![c];
        while let Some(v) = work.pop() {
            if seen.len() > 64 {
                break;
            }
            for (i, k) in ix.uses.get(&v).into_iter().flatten() {
                let op = self.op(func, *i);
                let follow =
                    match op {
                        Some(Op::If(_) | Op::BrIf(_) | Op::BrTable { .. }) => return true,
                        // Saturation (`select(MAX, r, overflowed)`) decides the value; a select
                        // between two comparisons is the next limb's carry and is followed.
                        Some(Op::Select) => {
                            let ops = values.operands(*i);
                            let ev = self.cx.evaluator(func);
                            let saturates = *k == 2
                                && ops.iter().take(2).any(|o| ev.is_some_and(|ev| ev.constant(*o).is_some()));
                            if saturates {
                                return true;
                            }
                            true
                        }
                        Some(Op::Call(callee)) => {
                            if self.cx.host_fn(*callee).is_some_and(|h| {
                                h.has(Effect::Abort) && h.arg("condition") == Some(*k as u32)
                            }) {
                                return true;
                            }
                            false
                        }
                        Some(Op::Unary(..) | Op::Convert(_) | Op::Compare(..)) => true,
                        Some(Op::Binary(_, BinOp::And | BinOp::Or | BinOp::Xor)) => true,
                        _ => false,
                    };
                if follow {
                    for r in values.results(*i) {
                        if seen.insert(*r) {
                            work.push(*r);
                        }
                    }
                }
            }
            for p in ix.phi_uses.get(&v).into_iter().flatten() {
                if seen.insert(*p) {
                    work.push(*p);
                }
            }
        }
        false
    }

    /// The sink the value `r` of `func` reaches, following returns into callers.
    fn reaches_sink(&self, func: u32, r: ValueId) -> Option<String> {
        self.reach_up(func, vec![r], Vec::new(), 0)
    }

    fn reach_up(
        &self,
        func: u32,
        seeds: Vec<ValueId>,
        mem: Vec<(Base, i64, i64)>,
        up: u32,
    ) -> Option<String> {
        // A helper's result checked by its caller (compiler-rt `__multi3` under `checked_mul`).
        if up > 0 && self.compared(func, &seeds, &mem) {
            return None;
        }
        let reach = self.slice(func, seeds, mem);
        if reach.sink.is_some() {
            return reach.sink;
        }
        if (!reach.returned && reach.param_mem.is_empty()) || up >= MAX_UP {
            return None;
        }
        for (caller, site) in self.cx.program.calls.callers(func) {
            let (Some(values), Some(ev)) = (self.cx.program.values(caller), self.cx.evaluator(caller)) else {
                continue;
            };
            let results = if reach.returned { values.results(site.instr).to_vec() } else { Vec::new() };
            let args = values.operands(site.instr);
            let mem: Vec<(Base, i64, i64)> = reach
                .param_mem
                .iter()
                .filter_map(|(p, range)| args.get(*p as usize).map(|a| (a, range)))
                .map(|(a, (lo, hi))| {
                    let addr = ev.address(self.strip(caller, *a), 0);
                    (addr.base, addr.offset + lo, addr.offset + hi)
                })
                .collect();
            if results.is_empty() && mem.is_empty() {
                continue;
            }
            if let Some(s) = self.reach_up(caller, results, mem, up + 1) {
                return Some(s);
            }
        }
        None
    }

    /// `v` seen through integer width conversions (NEAR passes pointers as `i64`).
    fn strip(&self, func: u32, mut v: ValueId) -> ValueId {
        let Some(values) = self.cx.program.values(func) else { return v };
        for _ in 0..4 {
            match values.def(v) {
                ValueDef::Result { instr, index: 0 }
                    if matches!(self.op(func, *instr), Some(Op::Convert(_))) =>
                {
                    match values.operands(*instr).first() {
                        Some(o) => v = *o,
                        None => break,
                    }
                }
                _ => break,
            }
        }
        v
    }

    /// Follows `seeds` (values) and `mem` (memory ranges) forward in `func`.
    fn slice(&self, func: u32, seeds: Vec<ValueId>, mem: Vec<(Base, i64, i64)>) -> Reach {
        let cx = self.cx;
        let mut reach = Reach::default();
        let (Some(values), Some(ev)) = (cx.program.values(func), cx.evaluator(func)) else { return reach };
        let ix = self.index(func);
        let mut vals: BTreeSet<ValueId> = seeds.iter().copied().collect();
        let mut work: Vec<ValueId> = seeds;
        let mut mem = mem;
        let mut mem_done = 0;
        let mut calls_done: BTreeSet<(usize, usize, bool)> = BTreeSet::new();
        loop {
            while let Some(v) = work.pop() {
                if vals.len() > MAX_SLICE {
                    return reach;
                }
                for p in ix.phi_uses.get(&v).into_iter().flatten() {
                    if vals.insert(*p) {
                        work.push(*p);
                    }
                }
                for &(i, k) in ix.uses.get(&v).into_iter().flatten() {
                    match self.op(func, i) {
                        Some(Op::Binary(..) | Op::Unary(..) | Op::Convert(_) | Op::Select) => {
                            for r in values.results(i) {
                                if vals.insert(*r) {
                                    work.push(*r);
                                }
                            }
                        }
                        Some(Op::Store { kind, .. }) if k == 1 => {
                            if let Some(a) = ev.mem_address(i) {
                                mem.push((a.base, a.offset, a.offset + i64::from(kind.bytes)));
                                // A store at `buffer + index` writes somewhere in the buffer.
                                let indexed =
                                    if self.by_reference { indexed_buffers(ev, values, a) } else { None };
                                for b in indexed.into_iter().flatten() {
                                    mem.push((b.base, b.offset, b.offset + WINDOW));
                                }
                                if let Base::Value(b) = a.base {
                                    if let ValueDef::Param(p) = values.def(b) {
                                        let end = a.offset + i64::from(kind.bytes);
                                        let r = reach.param_mem.entry(*p).or_insert((a.offset, end));
                                        *r = (r.0.min(a.offset), r.1.max(end));
                                    }
                                }
                            }
                        }
                        Some(Op::Return) => reach.returned = true,
                        Some(Op::End) if ix.exits.contains(&i) => reach.returned = true,
                        Some(
                            Op::Call(_)
                            | Op::ReturnCall(_)
                            | Op::CallIndirect { .. }
                            | Op::ReturnCallIndirect { .. },
                        ) if calls_done.insert((i, k, false)) => {
                            if let Some(s) = self.call_use(func, i, k, false, &mut vals, &mut work, &mut mem)
                            {
                                reach.sink = Some(s);
                                return reach;
                            }
                        }
                        _ => {}
                    }
                }
            }
            if mem_done == mem.len() {
                break;
            }
            let ranges: Vec<(Base, i64, i64)> = mem[mem_done..].to_vec();
            mem_done = mem.len();
            for (base, lo, hi) in ranges {
                for &(lo2, len, r) in ix.loads.get(&base).into_iter().flatten() {
                    if lo2 < hi && lo < lo2 + len && vals.insert(r) {
                        work.push(r);
                    }
                }
                for &(i, k, off) in ix.call_args.get(&base).into_iter().flatten() {
                    let covers = off < hi && lo < off + POINTER_WINDOW;
                    if covers && calls_done.insert((i, k, true)) {
                        if let Some(s) = self.call_use(func, i, k, true, &mut vals, &mut work, &mut mem) {
                            reach.sink = Some(s);
                            return reach;
                        }
                    }
                }
            }
            if work.is_empty() && mem_done == mem.len() {
                break;
            }
        }
        reach
    }

    /// Argument `k` of the call at `instr` carries the followed value (`by_memory`: it points to
    /// followed memory). Returns the sink when it is one; adds results that carry the value, and
    /// (amounts by reference) the memory a helper copies the followed memory into (`mem`).
    #[allow(clippy::too_many_arguments)]
    fn call_use(
        &self,
        func: u32,
        instr: usize,
        k: usize,
        by_memory: bool,
        vals: &mut BTreeSet<ValueId>,
        work: &mut Vec<ValueId>,
        mem: &mut Vec<(Base, i64, i64)>,
    ) -> Option<String> {
        let cx = self.cx;
        let values = cx.program.values(func)?;
        let mut copies: Vec<usize> = Vec::new();
        let is_indirect =
            matches!(self.op(func, instr), Some(Op::CallIndirect { .. } | Op::ReturnCallIndirect { .. }));
        if is_indirect && k + 1 == values.operands(instr).len() {
            return None;
        }
        for &t in cx.program.calls.targets_at(func, instr) {
            if let Some(h) = cx.host_fn(t) {
                if sink_roles(h).contains(&(k as u32)) {
                    return Some(format!("`{}`", cx.host_display_name(t)));
                }
                if !by_memory && h.effects.is_empty() {
                    // A conversion (Soroban `obj_from_i128_pieces`): the result carries the value.
                    for r in values.results(instr) {
                        if vals.insert(*r) {
                            work.push(*r);
                        }
                    }
                }
                continue;
            }
            let Some(s) = self.summary(t) else { continue };
            let sink = if by_memory { s.mem_sink.get(k) } else { s.value_sink.get(k) };
            if let Some(Some(sink)) = sink {
                return Some(format!("{sink} (through `{}`)", cx.func_name(t)));
            }
            // A helper that copies the followed memory behind another pointer argument
            // (`copy_from_slice`): that memory carries the value on.
            if by_memory && self.by_reference {
                if let Some(copy) = cx.dataflow().summaries.get(t as usize) {
                    for (j, w) in copy.writes.iter().enumerate() {
                        if j != k && w.param_mem & (1u64 << k.min(63)) != 0 {
                            copies.push(j);
                        }
                    }
                }
            }
            if !by_memory && s.returned.get(k).copied().unwrap_or(false) {
                for r in values.results(instr) {
                    if vals.insert(*r) {
                        work.push(*r);
                    }
                }
            }
        }
        copies.sort_unstable();
        copies.dedup();
        if let Some(ev) = cx.evaluator(func) {
            for j in copies {
                let Some(&a) = values.operands(instr).get(j) else { continue };
                let dst = ev.address(self.strip(func, a), 0);
                mem.push((dst.base, dst.offset, dst.offset + POINTER_WINDOW));
                for b in indexed_buffers(ev, values, dst).into_iter().flatten() {
                    mem.push((b.base, b.offset, b.offset + WINDOW));
                }
            }
        }
        None
    }

    /// What `func` does with its parameters (memoized; a recursive call sees nothing).
    fn summary(&self, func: u32) -> Option<std::rc::Rc<Summary>> {
        if let Some(s) = self.summaries.borrow().get(&func) {
            return s.clone();
        }
        self.summaries.borrow_mut().insert(func, None);
        let values = self.cx.program.values(func)?;
        let params: Vec<ValueId> = values
            .defs
            .iter()
            .enumerate()
            .filter_map(|(v, d)| match d {
                ValueDef::Param(p) => Some((*p, v as ValueId)),
                _ => None,
            })
            .collect::<BTreeMap<u32, ValueId>>()
            .into_values()
            .collect();
        let mut s = Summary::default();
        for v in params {
            let by_value = self.slice(func, vec![v], Vec::new());
            let by_memory = self.slice(func, Vec::new(), vec![(Base::Value(v), 0, 1 << 16)]);
            s.value_sink.push(by_value.sink.map(|x| strip_through(&x)));
            s.mem_sink.push(by_memory.sink.map(|x| strip_through(&x)));
            s.returned.push(by_value.returned);
        }
        let s = std::rc::Rc::new(s);
        self.summaries.borrow_mut().insert(func, Some(s.clone()));
        Some(s)
    }
}

/// A sink description without the chain of helpers it was reached through.
fn strip_through(s: &str) -> String {
    s.split(" (through").next().unwrap_or(s).to_string()
}
