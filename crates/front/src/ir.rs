//! The instruction set the analyses see: integer arithmetic, memory, locals, globals, calls and
//! structured control flow are explicit; everything else (floats, SIMD, atomics, reference and
//! bulk-memory ops) is [`Op::Other`] with its stack arity, which is all data flow needs of it.

use std::fmt;

/// Integer width of an arithmetic instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Width {
    I32,
    I64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    DivS,
    DivU,
    RemS,
    RemU,
    And,
    Or,
    Xor,
    Shl,
    ShrS,
    ShrU,
    Rotl,
    Rotr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    Eq,
    Ne,
    LtS,
    LtU,
    GtS,
    GtU,
    LeS,
    LeU,
    GeS,
    GeU,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnOp {
    Eqz,
    Clz,
    Ctz,
    Popcnt,
    Extend8S,
    Extend16S,
    Extend32S,
}

/// Integer conversions between widths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConvOp {
    I32WrapI64,
    I64ExtendI32S,
    I64ExtendI32U,
}

/// What a load reads: `bytes` wide, sign- or zero-extended, into a value of type `result`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LoadKind {
    pub bytes: u8,
    pub signed: bool,
    pub result: crate::ValType,
}

/// What a store writes: the low `bytes` of a value of type `value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StoreKind {
    pub bytes: u8,
    pub value: crate::ValType,
}

/// Block signature resolved to counts (multi-value blocks included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct BlockSig {
    pub params: u32,
    pub results: u32,
}

/// Broad family of an [`Op::Other`] instruction, for detectors that care (e.g. floats are
/// nondeterministic on some platforms).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OtherClass {
    Float,
    Simd,
    Atomic,
    BulkMemory,
    Reference,
    Misc,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Unreachable,
    Nop,
    Block(BlockSig),
    Loop(BlockSig),
    If(BlockSig),
    Else,
    End,
    Br(u32),
    BrIf(u32),
    BrTable {
        targets: Box<[u32]>,
        default: u32,
    },
    Return,
    Call(u32),
    CallIndirect {
        type_index: u32,
        table: u32,
    },
    ReturnCall(u32),
    ReturnCallIndirect {
        type_index: u32,
        table: u32,
    },
    Drop,
    Select,
    LocalGet(u32),
    LocalSet(u32),
    LocalTee(u32),
    GlobalGet(u32),
    GlobalSet(u32),
    Load {
        kind: LoadKind,
        offset: u64,
        memory: u32,
    },
    Store {
        kind: StoreKind,
        offset: u64,
        memory: u32,
    },
    MemorySize(u32),
    MemoryGrow(u32),
    I32Const(i32),
    I64Const(i64),
    Unary(Width, UnOp),
    Binary(Width, BinOp),
    Compare(Width, CmpOp),
    Convert(ConvOp),
    /// Any other instruction, with its operand-stack arity.
    Other {
        name: &'static str,
        pops: u32,
        pushes: u32,
        class: OtherClass,
    },
}

/// One instruction of a function body with the byte offset of its opcode in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Instr {
    pub op: Op,
    pub offset: u32,
}

impl Op {
    /// Whether this instruction computes on or moves floating-point values.
    pub fn is_float(&self) -> bool {
        match self {
            Op::Other { class, .. } => *class == OtherClass::Float,
            Op::Load { kind, .. } => matches!(kind.result, crate::ValType::F32 | crate::ValType::F64),
            Op::Store { kind, .. } => matches!(kind.value, crate::ValType::F32 | crate::ValType::F64),
            _ => false,
        }
    }
}

fn width_prefix(w: Width) -> &'static str {
    match w {
        Width::I32 => "i32",
        Width::I64 => "i64",
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Unreachable => f.write_str("unreachable"),
            Op::Nop => f.write_str("nop"),
            Op::Block(_) => f.write_str("block"),
            Op::Loop(_) => f.write_str("loop"),
            Op::If(_) => f.write_str("if"),
            Op::Else => f.write_str("else"),
            Op::End => f.write_str("end"),
            Op::Br(d) => write!(f, "br {d}"),
            Op::BrIf(d) => write!(f, "br_if {d}"),
            Op::BrTable { targets, default } => {
                f.write_str("br_table")?;
                for t in targets.iter() {
                    write!(f, " {t}")?;
                }
                write!(f, " {default}")
            }
            Op::Return => f.write_str("return"),
            Op::Call(i) => write!(f, "call {i}"),
            Op::CallIndirect { type_index, table } => {
                write!(f, "call_indirect {table} (type {type_index})")
            }
            Op::ReturnCall(i) => write!(f, "return_call {i}"),
            Op::ReturnCallIndirect { type_index, table } => {
                write!(f, "return_call_indirect {table} (type {type_index})")
            }
            Op::Drop => f.write_str("drop"),
            Op::Select => f.write_str("select"),
            Op::LocalGet(i) => write!(f, "local.get {i}"),
            Op::LocalSet(i) => write!(f, "local.set {i}"),
            Op::LocalTee(i) => write!(f, "local.tee {i}"),
            Op::GlobalGet(i) => write!(f, "global.get {i}"),
            Op::GlobalSet(i) => write!(f, "global.set {i}"),
            Op::Load { kind, offset, .. } => {
                let t = kind.result.as_str();
                match (kind.bytes, kind.result) {
                    (4, crate::ValType::I32 | crate::ValType::F32)
                    | (8, crate::ValType::I64 | crate::ValType::F64) => write!(f, "{t}.load")?,
                    (b, _) => write!(f, "{t}.load{}_{}", b * 8, if kind.signed { 's' } else { 'u' })?,
                }
                if *offset != 0 {
                    write!(f, " offset={offset}")?;
                }
                Ok(())
            }
            Op::Store { kind, offset, .. } => {
                let t = kind.value.as_str();
                match (kind.bytes, kind.value) {
                    (4, crate::ValType::I32 | crate::ValType::F32)
                    | (8, crate::ValType::I64 | crate::ValType::F64) => write!(f, "{t}.store")?,
                    (b, _) => write!(f, "{t}.store{}", b * 8)?,
                }
                if *offset != 0 {
                    write!(f, " offset={offset}")?;
                }
                Ok(())
            }
            Op::MemorySize(_) => f.write_str("memory.size"),
            Op::MemoryGrow(_) => f.write_str("memory.grow"),
            Op::I32Const(v) => write!(f, "i32.const {v}"),
            Op::I64Const(v) => write!(f, "i64.const {v}"),
            Op::Unary(w, op) => {
                let n = match op {
                    UnOp::Eqz => "eqz",
                    UnOp::Clz => "clz",
                    UnOp::Ctz => "ctz",
                    UnOp::Popcnt => "popcnt",
                    UnOp::Extend8S => "extend8_s",
                    UnOp::Extend16S => "extend16_s",
                    UnOp::Extend32S => "extend32_s",
                };
                write!(f, "{}.{n}", width_prefix(*w))
            }
            Op::Binary(w, op) => {
                let n = match op {
                    BinOp::Add => "add",
                    BinOp::Sub => "sub",
                    BinOp::Mul => "mul",
                    BinOp::DivS => "div_s",
                    BinOp::DivU => "div_u",
                    BinOp::RemS => "rem_s",
                    BinOp::RemU => "rem_u",
                    BinOp::And => "and",
                    BinOp::Or => "or",
                    BinOp::Xor => "xor",
                    BinOp::Shl => "shl",
                    BinOp::ShrS => "shr_s",
                    BinOp::ShrU => "shr_u",
                    BinOp::Rotl => "rotl",
                    BinOp::Rotr => "rotr",
                };
                write!(f, "{}.{n}", width_prefix(*w))
            }
            Op::Compare(w, op) => {
                let n = match op {
                    CmpOp::Eq => "eq",
                    CmpOp::Ne => "ne",
                    CmpOp::LtS => "lt_s",
                    CmpOp::LtU => "lt_u",
                    CmpOp::GtS => "gt_s",
                    CmpOp::GtU => "gt_u",
                    CmpOp::LeS => "le_s",
                    CmpOp::LeU => "le_u",
                    CmpOp::GeS => "ge_s",
                    CmpOp::GeU => "ge_u",
                };
                write!(f, "{}.{n}", width_prefix(*w))
            }
            Op::Convert(c) => f.write_str(match c {
                ConvOp::I32WrapI64 => "i32.wrap_i64",
                ConvOp::I64ExtendI32S => "i64.extend_i32_s",
                ConvOp::I64ExtendI32U => "i64.extend_i32_u",
            }),
            Op::Other { name, .. } => f.write_str(name),
        }
    }
}
