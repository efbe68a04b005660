//! Constants and addresses over lifted values.
//!
//! [`Evaluator::constant`] folds i32/i64 arithmetic, comparisons, conversions, `select`, phis
//! whose operands agree, immutable globals, loads from data segments, and loads from a memory
//! slot that every store in the function fills with the same constant (values stored then
//! reloaded through the shadow stack). [`Evaluator::address`] splits an address into a base value
//! and a constant offset, so `sp + 16` and a reload of `sp + 16` name the same slot.

use crate::values::{FunctionValues, ValueDef, ValueId};
use std::cell::RefCell;
use std::collections::BTreeMap;
use wasmaudit_front::{BinOp, CmpOp, ConvOp, Function, Module, Op, UnOp, Width};

/// Where an address points: a base and a constant byte offset from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Addr {
    pub base: Base,
    pub offset: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Base {
    /// An absolute address (a constant).
    Absolute,
    /// Relative to a value with no constant part (a parameter, the stack pointer, a load...).
    Value(ValueId),
}

const MAX_DEPTH: u32 = 48;

/// Constant folding and address analysis for one function, memoized.
pub struct Evaluator<'a> {
    pub module: &'a Module,
    pub func: &'a Function,
    pub values: &'a FunctionValues,
    /// Constant of each value once evaluated (`None` before; `Some(None)`: not a constant, or
    /// under evaluation), indexed by value id.
    memo: RefCell<Vec<Option<Option<i64>>>>,
    /// Split address of each value once asked ([`Evaluator::address`]), indexed by value id.
    splits: RefCell<Vec<Option<Addr>>>,
    /// Stores by slot: address → (store instruction, stored value, width in bytes).
    stores: BTreeMap<Addr, Vec<(usize, ValueId, u8)>>,
    /// Stores whose address could not be split (any of them may alias any slot).
    opaque_stores: usize,
    /// Split address of each load and store instruction.
    mem_addrs: Vec<Option<Addr>>,
    /// Addresses passed to calls: a callee may overwrite memory from there on.
    escaped: Vec<Addr>,
}

impl<'a> Evaluator<'a> {
    pub fn new(module: &'a Module, func: &'a Function, values: &'a FunctionValues) -> Evaluator<'a> {
        let mut ev = Evaluator {
            module,
            func,
            values,
            memo: RefCell::new(vec![None; values.len()]),
            splits: RefCell::new(Vec::new()),
            stores: BTreeMap::new(),
            opaque_stores: 0,
            mem_addrs: vec![None; func.body.len()],
            escaped: Vec::new(),
        };
        for (i, ins) in func.body.iter().enumerate() {
            match &ins.op {
                Op::Store { kind, offset, .. } => {
                    let ops = values.operands(i);
                    let (Some(&addr), Some(&val)) = (ops.first(), ops.get(1)) else { continue };
                    let a = ev.address(addr, *offset);
                    ev.mem_addrs[i] = Some(a);
                    ev.stores.entry(a).or_default().push((i, val, kind.bytes));
                }
                Op::Load { offset, .. } => {
                    if let Some(&addr) = values.operands(i).first() {
                        ev.mem_addrs[i] = Some(ev.address(addr, *offset));
                    }
                }
                Op::Call(_) | Op::CallIndirect { .. } | Op::ReturnCall(_) | Op::ReturnCallIndirect { .. } => {
                    for &a in values.operands(i) {
                        let addr = ev.address(a, 0);
                        if matches!(addr.base, Base::Value(_)) {
                            ev.escaped.push(addr);
                        }
                    }
                }
                _ => {}
            }
        }
        ev.opaque_stores = ev
            .stores
            .keys()
            .filter(|a| matches!(a.base, Base::Value(v) if is_opaque(values, func, v)))
            .count();
        ev
    }

    /// The split address a load or store instruction accesses.
    #[inline]
    pub fn mem_address(&self, instr: usize) -> Option<Addr> {
        self.mem_addrs.get(instr).copied().flatten()
    }

    /// The address `v + offset` as base and constant offset.
    pub fn address(&self, v: ValueId, offset: u64) -> Addr {
        let known = self.splits.borrow().get(v as usize).copied().flatten();
        let mut a = match known {
            Some(a) => a,
            None => {
                let a = self.split(v, 0);
                let mut splits = self.splits.borrow_mut();
                if let Some(slot) = splits.get_mut(v as usize) {
                    *slot = Some(a);
                } else if (v as usize) < self.values.len() {
                    splits.resize(self.values.len(), None);
                    splits[v as usize] = Some(a);
                }
                a
            }
        };
        a.offset = a.offset.wrapping_add(offset as i64);
        a
    }

    fn split(&self, v: ValueId, depth: u32) -> Addr {
        if let Some(c) = self.constant(v) {
            return Addr { base: Base::Absolute, offset: c };
        }
        if depth < MAX_DEPTH {
            if let ValueDef::Result { instr, index: 0 } = self.values.def(v) {
                // NEAR and other 64-bit host ABIs pass i32 addresses zero-extended to i64.
                if let Some(Op::Convert(ConvOp::I64ExtendI32U | ConvOp::I32WrapI64)) = self.op(*instr) {
                    if let Some(&inner) = self.values.operands(*instr).first() {
                        return self.split(inner, depth + 1);
                    }
                }
                if let Some(Op::Binary(_, op @ (BinOp::Add | BinOp::Sub))) = self.op(*instr) {
                    let ops = self.values.operands(*instr);
                    if let [a, b] = ops {
                        if let Some(k) = self.constant(*b) {
                            let inner = self.split(*a, depth + 1);
                            let k = if *op == BinOp::Sub { k.wrapping_neg() } else { k };
                            return Addr { base: inner.base, offset: inner.offset.wrapping_add(k) };
                        }
                        if let (BinOp::Add, Some(k)) = (op, self.constant(*a)) {
                            let inner = self.split(*b, depth + 1);
                            return Addr { base: inner.base, offset: inner.offset.wrapping_add(k) };
                        }
                    }
                }
            }
        }
        Addr { base: Base::Value(v), offset: 0 }
    }

    fn op(&self, instr: usize) -> Option<&'a Op> {
        self.func.body.get(instr).map(|i| &i.op)
    }

    /// The constant value of `v`, if it has one on every path.
    #[inline]
    pub fn constant(&self, v: ValueId) -> Option<i64> {
        if let Some(Some(c)) = self.memo.borrow().get(v as usize) {
            return *c;
        }
        self.constant_at(v, 0)
    }

    fn constant_at(&self, v: ValueId, depth: u32) -> Option<i64> {
        if let Some(Some(c)) = self.memo.borrow().get(v as usize) {
            return *c;
        }
        if depth > MAX_DEPTH {
            return None;
        }
        // Guards against cycles through phis: a value under evaluation is not constant.
        let memo = |c: Option<i64>| {
            if let Some(slot) = self.memo.borrow_mut().get_mut(v as usize) {
                *slot = Some(c);
            }
        };
        memo(None);
        let c = self.compute(v, depth);
        memo(c);
        c
    }

    fn compute(&self, v: ValueId, depth: u32) -> Option<i64> {
        match self.values.def(v) {
            ValueDef::Const(c) => Some(*c),
            ValueDef::Zero => Some(0),
            ValueDef::GlobalEntry(g) => {
                let g = self.module.globals.get(*g as usize)?;
                if g.mutable {
                    None
                } else {
                    g.init
                }
            }
            ValueDef::Phi { operands, .. } => {
                let mut seen = None;
                for o in operands {
                    if *o == v {
                        continue;
                    }
                    let c = self.constant_at(*o, depth + 1)?;
                    if seen.is_some_and(|s| s != c) {
                        return None;
                    }
                    seen = Some(c);
                }
                seen
            }
            ValueDef::Result { instr, index: 0 } => self.fold(*instr, depth),
            _ => None,
        }
    }

    fn fold(&self, instr: usize, depth: u32) -> Option<i64> {
        let ops = self.values.operands(instr);
        let c = |k: usize| ops.get(k).and_then(|o| self.constant_at(*o, depth + 1));
        match self.op(instr)? {
            op @ (Op::Binary(..) | Op::Compare(..) | Op::Unary(..) | Op::Convert(_)) => {
                let args: Vec<i64> = (0..ops.len()).map(c).collect::<Option<_>>()?;
                eval_op(op, &args)
            }
            Op::Select => {
                if c(2)? != 0 {
                    c(0)
                } else {
                    c(1)
                }
            }
            Op::Load { kind, offset, .. } if !kind.result.is_float() => {
                let addr = self.address(*ops.first()?, *offset);
                self.load_constant(
                    addr,
                    kind.bytes,
                    kind.signed,
                    kind.result == wasmaudit_front::ValType::I32,
                )
            }
            _ => None,
        }
    }

    /// A constant load: from a slot every store in the function fills with one constant, or
    /// from a data segment no store in the function writes.
    fn load_constant(&self, addr: Addr, bytes: u8, signed: bool, is_i32: bool) -> Option<i64> {
        // Slots with different bases are taken not to alias (a frame slot and a heap pointer):
        // sound as practical for compiler output, where frame addresses rarely escape.
        let overwritten_by_call = self.escaped.iter().any(|e| e.base == addr.base && e.offset <= addr.offset);
        if let Some(stores) = self.stores.get(&addr).filter(|_| !overwritten_by_call) {
            let mut seen = None;
            for (_, val, width) in stores {
                if *width < bytes {
                    return None;
                }
                let c = self.constant(*val)?;
                if seen.is_some_and(|s| s != c) {
                    return None;
                }
                seen = Some(c);
            }
            return seen.map(|c| extend(c, bytes, signed, is_i32));
        }
        if addr.base != Base::Absolute || self.overlaps_store(addr, bytes) {
            return None;
        }
        let raw = self.module.data_at(u64::try_from(addr.offset).ok()?, bytes as usize)?;
        let mut le = [0u8; 8];
        le[..raw.len()].copy_from_slice(raw);
        Some(extend(i64::from_le_bytes(le), bytes, signed, is_i32))
    }

    fn overlaps_store(&self, addr: Addr, bytes: u8) -> bool {
        self.opaque_stores > 0
            || self.stores.iter().any(|(a, s)| {
                a.base == addr.base
                    && s.iter().any(|(_, _, w)| {
                        a.offset < addr.offset + i64::from(bytes) && addr.offset < a.offset + i64::from(*w)
                    })
            })
    }

    /// Values stored at exactly `addr` in this function, with their store instructions.
    pub fn stored_at(&self, addr: Addr) -> &[(usize, ValueId, u8)] {
        self.stores.get(&addr).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Stores by slot: address → (store instruction, stored value, width in bytes), in address
    /// order for range look-ups.
    pub fn store_slots(&self) -> &BTreeMap<Addr, Vec<(usize, ValueId, u8)>> {
        &self.stores
    }

    /// All stores with their split addresses.
    pub fn stores(&self) -> impl Iterator<Item = (&Addr, &(usize, ValueId, u8))> {
        self.stores.iter().flat_map(|(a, v)| v.iter().map(move |s| (a, s)))
    }

    /// `len` bytes of constant data at the address `v` holds, if it is a constant inside a data segment.
    pub fn data_bytes(&self, v: ValueId, len: usize) -> Option<&'a [u8]> {
        let addr = self.constant(v)?;
        self.module.data_at(u64::try_from(addr).ok()?, len)
    }
}

/// A store through an address loaded from memory could alias any slot.
fn is_opaque(values: &FunctionValues, func: &Function, v: ValueId) -> bool {
    matches!(values.def(v), ValueDef::Result { instr, .. } if matches!(func.body.get(*instr).map(|i| &i.op), Some(Op::Load { .. })))
}

/// `c` cut to its low `bytes` bytes, sign- or zero-extended, as an i32 or i64 value (what a
/// narrow load of the stored constant yields).
pub fn extend(c: i64, bytes: u8, signed: bool, is_i32: bool) -> i64 {
    let bits = u32::from(bytes) * 8;
    let v = if bits >= 64 {
        c
    } else if signed {
        (c << (64 - bits)) >> (64 - bits)
    } else {
        c & ((1i64 << bits) - 1)
    };
    if is_i32 {
        i64::from(v as i32)
    } else {
        v
    }
}

fn binary(w: Width, op: BinOp, a: i64, b: i64) -> Option<i64> {
    match w {
        Width::I32 => {
            let (a, b) = (a as i32, b as i32);
            let (ua, ub) = (a as u32, b as u32);
            let r: i32 = match op {
                BinOp::Add => a.wrapping_add(b),
                BinOp::Sub => a.wrapping_sub(b),
                BinOp::Mul => a.wrapping_mul(b),
                BinOp::DivS => a.checked_div(b)?,
                BinOp::DivU => ua.checked_div(ub)? as i32,
                BinOp::RemS => a.checked_rem(b)?,
                BinOp::RemU => ua.checked_rem(ub)? as i32,
                BinOp::And => a & b,
                BinOp::Or => a | b,
                BinOp::Xor => a ^ b,
                BinOp::Shl => a.wrapping_shl(ub),
                BinOp::ShrS => a.wrapping_shr(ub),
                BinOp::ShrU => ua.wrapping_shr(ub) as i32,
                BinOp::Rotl => ua.rotate_left(ub % 32) as i32,
                BinOp::Rotr => ua.rotate_right(ub % 32) as i32,
            };
            Some(i64::from(r))
        }
        Width::I64 => {
            let (ua, ub) = (a as u64, b as u64);
            Some(match op {
                BinOp::Add => a.wrapping_add(b),
                BinOp::Sub => a.wrapping_sub(b),
                BinOp::Mul => a.wrapping_mul(b),
                BinOp::DivS => a.checked_div(b)?,
                BinOp::DivU => ua.checked_div(ub)? as i64,
                BinOp::RemS => a.checked_rem(b)?,
                BinOp::RemU => ua.checked_rem(ub)? as i64,
                BinOp::And => a & b,
                BinOp::Or => a | b,
                BinOp::Xor => a ^ b,
                BinOp::Shl => a.wrapping_shl(ub as u32),
                BinOp::ShrS => a.wrapping_shr(ub as u32),
                BinOp::ShrU => ua.wrapping_shr(ub as u32) as i64,
                BinOp::Rotl => ua.rotate_left((ub % 64) as u32) as i64,
                BinOp::Rotr => ua.rotate_right((ub % 64) as u32) as i64,
            })
        }
    }
}

/// One pure integer operation (arithmetic, comparison, unary, integer conversion, `select`) on
/// concrete operands; `i32` values are sign-extended in `i64`. `None` for anything else, or a
/// trapping division.
pub fn eval_op(op: &Op, args: &[i64]) -> Option<i64> {
    match (op, args) {
        (Op::Binary(w, op), [a, b]) => binary(*w, *op, *a, *b),
        (Op::Compare(w, op), [a, b]) => Some(compare(*w, *op, *a, *b) as i64),
        (Op::Unary(w, op), [a]) => unary(*w, *op, *a),
        (Op::Convert(ConvOp::I32WrapI64), [a]) => Some(i64::from(*a as i32)),
        (Op::Convert(ConvOp::I64ExtendI32U), [a]) => Some(i64::from(*a as u32)),
        (Op::Convert(ConvOp::I64ExtendI32S), [a]) => Some(i64::from(*a as i32)),
        (Op::Select, [a, b, c]) => Some(if *c as i32 != 0 { *a } else { *b }),
        _ => None,
    }
}

/// The result of comparison `op` of width `w` on `a` and `b` (i32 operands are truncated).
pub fn compare(w: Width, op: CmpOp, a: i64, b: i64) -> bool {
    let (a, b, ua, ub) = match w {
        Width::I32 => (i64::from(a as i32), i64::from(b as i32), u64::from(a as u32), u64::from(b as u32)),
        Width::I64 => (a, b, a as u64, b as u64),
    };
    match op {
        CmpOp::Eq => a == b,
        CmpOp::Ne => a != b,
        CmpOp::LtS => a < b,
        CmpOp::LtU => ua < ub,
        CmpOp::GtS => a > b,
        CmpOp::GtU => ua > ub,
        CmpOp::LeS => a <= b,
        CmpOp::LeU => ua <= ub,
        CmpOp::GeS => a >= b,
        CmpOp::GeU => ua >= ub,
    }
}

fn unary(w: Width, op: UnOp, a: i64) -> Option<i64> {
    Some(match (w, op) {
        (_, UnOp::Eqz) => i64::from(match w {
            Width::I32 => a as i32 == 0,
            Width::I64 => a == 0,
        }),
        (Width::I32, UnOp::Clz) => i64::from((a as u32).leading_zeros()),
        (Width::I32, UnOp::Ctz) => i64::from((a as u32).trailing_zeros()),
        (Width::I32, UnOp::Popcnt) => i64::from((a as u32).count_ones()),
        (Width::I64, UnOp::Clz) => i64::from((a as u64).leading_zeros()),
        (Width::I64, UnOp::Ctz) => i64::from((a as u64).trailing_zeros()),
        (Width::I64, UnOp::Popcnt) => i64::from((a as u64).count_ones()),
        (Width::I32, UnOp::Extend8S) => i64::from(a as i8),
        (Width::I32, UnOp::Extend16S) => i64::from(a as i16),
        (Width::I64, UnOp::Extend8S) => i64::from(a as i8),
        (Width::I64, UnOp::Extend16S) => i64::from(a as i16),
        (Width::I64, UnOp::Extend32S) => i64::from(a as i32),
        (Width::I32, UnOp::Extend32S) => return None,
    })
}
