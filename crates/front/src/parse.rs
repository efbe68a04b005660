//! Validation and decoding of a module into [`Module`].

use crate::ir::{BinOp, BlockSig, CmpOp, ConvOp, Instr, LoadKind, Op, OtherClass, StoreKind, UnOp, Width};
use crate::module::*;
use crate::{FrontError, Limits};
use wasmparser::{
    BlockType, ConstExpr, DataKind, ElementItems, ElementKind, Encoding, ExternalKind, KnownCustom, Name,
    Operator, Parser, Payload, TypeRef, Validator, WasmFeatures,
};

/// Validates and decodes `bytes` with the default [`Limits`].
pub fn parse(bytes: &[u8]) -> Result<Module, FrontError> {
    parse_with_limits(bytes, &Limits::default())
}

/// Validates and decodes `bytes`, rejecting modules over `limits`.
pub fn parse_with_limits(bytes: &[u8], limits: &Limits) -> Result<Module, FrontError> {
    if bytes.len() > limits.max_file_size {
        return Err(FrontError::new(
            None,
            format!("file is {} bytes, over the limit of {} bytes", bytes.len(), limits.max_file_size),
        ));
    }
    if bytes.len() < 8 || &bytes[0..4] != b"\0asm" {
        return Err(FrontError::new(Some(0), "not a WebAssembly module: bad magic number"));
    }
    decode(bytes, limits)
}

/// Validates `bytes` with wasmparser's validator alone (the features [`parse`] enables), decoding
/// nothing: the parsing floor the bench compares the whole analysis with.
pub fn validate(bytes: &[u8]) -> Result<(), FrontError> {
    Validator::new_with_features(WasmFeatures::all()).validate_all(bytes).map(|_| ()).map_err(invalid)
}

fn count_locals(body: &wasmparser::FunctionBody<'_>) -> Result<u64, FrontError> {
    let mut total = 0u64;
    for l in body.get_locals_reader().map_err(invalid)? {
        total += u64::from(l.map_err(invalid)?.0);
    }
    Ok(total)
}

fn decode(bytes: &[u8], limits: &Limits) -> Result<Module, FrontError> {
    let mut m = Module { size: bytes.len(), ..Module::default() };
    let mut defined_types: Vec<u32> = Vec::new();
    let mut next_body = 0usize;
    let mut others: OtherKinds<'_> = Vec::new();
    let mut validator = Validator::new_with_features(WasmFeatures::all());
    let mut allocs = wasmparser::FuncValidatorAllocations::default();
    let mut name_section = None;
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload?;
        let valid = validator.payload(&payload).map_err(invalid)?;
        // A body is validated while it is lowered: one pass over its operators.
        let mut to_validate = match valid {
            wasmparser::ValidPayload::Func(func, _) => Some(func),
            _ => None,
        };
        match payload {
            Payload::Version { encoding, range, .. } if encoding != Encoding::Module => {
                return Err(FrontError::new(
                    Some(range.start),
                    "a component, not a core module: contracts are core modules",
                ));
            }
            Payload::TypeSection(reader) => {
                for rec in reader {
                    for sub in rec?.into_types() {
                        m.types.push(match &sub.composite_type.inner {
                            wasmparser::CompositeInnerType::Func(f) => FuncSig {
                                params: f.params().iter().map(|t| val_type(*t)).collect(),
                                results: f.results().iter().map(|t| val_type(*t)).collect(),
                            },
                            _ => FuncSig::default(),
                        });
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for imp in reader {
                    let imp = imp?;
                    let kind = match imp.ty {
                        TypeRef::Func(t) | TypeRef::FuncExact(t) => {
                            let index = m.functions.len() as u32;
                            m.functions.push(Function {
                                index,
                                type_index: t,
                                name: None,
                                import: Some((imp.module.to_string(), imp.name.to_string())),
                                locals: Vec::new(),
                                body: Vec::new(),
                                body_range: 0..0,
                            });
                            m.num_imported_funcs += 1;
                            ImportKind::Func(t)
                        }
                        TypeRef::Table(t) => {
                            m.tables.push(Table { initial: t.initial, maximum: t.maximum, imported: true });
                            ImportKind::Table
                        }
                        TypeRef::Memory(t) => {
                            m.memories.push(memory(&t, true));
                            ImportKind::Memory
                        }
                        TypeRef::Global(g) => {
                            let ty = val_type(g.content_type);
                            m.globals.push(Global { ty, mutable: g.mutable, init: None, imported: true });
                            ImportKind::Global { ty, mutable: g.mutable }
                        }
                        TypeRef::Tag(_) => ImportKind::Tag,
                    };
                    m.imports.push(Import {
                        module: imp.module.to_string(),
                        name: imp.name.to_string(),
                        kind,
                    });
                }
            }
            Payload::FunctionSection(reader) => {
                for t in reader {
                    defined_types.push(t?);
                }
                if m.functions.len() + defined_types.len() > limits.max_functions {
                    return Err(FrontError::new(
                        None,
                        format!(
                            "module has {} functions, over the limit of {}",
                            m.functions.len() + defined_types.len(),
                            limits.max_functions
                        ),
                    ));
                }
            }
            Payload::TableSection(reader) => {
                for t in reader {
                    let t = t?;
                    m.tables.push(Table { initial: t.ty.initial, maximum: t.ty.maximum, imported: false });
                }
            }
            Payload::MemorySection(reader) => {
                for t in reader {
                    m.memories.push(memory(&t?, false));
                }
            }
            Payload::GlobalSection(reader) => {
                for g in reader {
                    let g = g?;
                    m.globals.push(Global {
                        ty: val_type(g.ty.content_type),
                        mutable: g.ty.mutable,
                        init: const_int(&g.init_expr),
                        imported: false,
                    });
                }
            }
            Payload::ExportSection(reader) => {
                for e in reader {
                    let e = e?;
                    let kind = match e.kind {
                        ExternalKind::Func | ExternalKind::FuncExact => ExportKind::Func,
                        ExternalKind::Table => ExportKind::Table,
                        ExternalKind::Memory => ExportKind::Memory,
                        ExternalKind::Global => ExportKind::Global,
                        ExternalKind::Tag => ExportKind::Tag,
                    };
                    m.exports.push(Export { name: e.name.to_string(), kind, index: e.index });
                }
            }
            Payload::StartSection { func, .. } => m.start = Some(func),
            Payload::ElementSection(reader) => {
                for el in reader {
                    let el = el?;
                    let (table, offset, active) = match &el.kind {
                        ElementKind::Active { table_index, offset_expr } => {
                            (table_index.unwrap_or(0), const_int(offset_expr).map(|v| v as u64), true)
                        }
                        ElementKind::Passive | ElementKind::Declared => (0, None, false),
                    };
                    let mut funcs = Vec::new();
                    match el.items {
                        ElementItems::Functions(r) => {
                            for f in r {
                                funcs.push(Some(f?));
                            }
                        }
                        ElementItems::Expressions(_, r) => {
                            for e in r {
                                funcs.push(ref_func(&e?));
                            }
                        }
                    }
                    m.elements.push(ElementSegment { table, offset, active, funcs });
                }
            }
            Payload::DataSection(reader) => {
                for d in reader {
                    let d = d?;
                    let (memory, offset, active) = match &d.kind {
                        DataKind::Active { memory_index, offset_expr } => {
                            (*memory_index, const_int(offset_expr).map(|v| v as u64), true)
                        }
                        DataKind::Passive => (0, None, false),
                    };
                    let start = d.data.as_ptr() as usize - bytes.as_ptr() as usize;
                    m.data.push(DataSegment {
                        memory,
                        offset,
                        active,
                        range: start..start + d.data.len(),
                        bytes: d.data.to_vec(),
                    });
                }
            }
            Payload::CodeSectionStart { range, .. } => m.code_section_start = Some(range.start),
            Payload::CodeSectionEntry(body) => {
                let type_index = *defined_types.get(next_body).ok_or_else(|| {
                    FrontError::new(Some(body.range().start), "more function bodies than declarations")
                })?;
                let index = m.num_imported_funcs + next_body as u32;
                next_body += 1;
                let mut validator = to_validate.take().map(|f| f.into_validator(std::mem::take(&mut allocs)));
                let f =
                    lower_body(&body, index, type_index, &m.types, limits, &mut others, validator.as_mut());
                if let Some(v) = validator {
                    allocs = v.into_allocations();
                }
                let f = f?;
                m.functions.push(f);
            }
            Payload::CustomSection(c) => {
                let range = c.data_offset()..c.data_offset() + c.data().len();
                if c.name().starts_with(".debug_") {
                    m.dwarf.insert(c.name().to_string(), c.data().to_vec());
                }
                if let KnownCustom::Name(reader) = c.as_known() {
                    name_section = Some(reader);
                }
                m.custom_sections.push(CustomSection { name: c.name().to_string(), range });
            }
            _ => {}
        }
    }
    if let Some(reader) = name_section {
        read_names(reader, &mut m)?;
    }
    Ok(m)
}

/// Reads the name section once the whole module is known, applying function names and
/// rejecting names of things that do not exist, as wabt and contract VMs do.
fn read_names(reader: wasmparser::NameSectionReader<'_>, m: &mut Module) -> Result<(), FrontError> {
    for sub in reader {
        let sub = sub.map_err(name_error)?;
        match sub {
            Name::Function(map) => {
                for naming in map {
                    let naming = naming.map_err(name_error)?;
                    let f = m.functions.get_mut(naming.index as usize).ok_or_else(|| {
                        FrontError::new(
                            None,
                            format!("name section names function {} that does not exist", naming.index),
                        )
                    })?;
                    f.name = Some(naming.name.to_string());
                }
            }
            Name::Local(map) | Name::Label(map) => check_indirect(map, m.functions.len(), "function")?,
            Name::Field(map) => check_indirect(map, m.types.len(), "type")?,
            Name::Global(map) => check_names(map, m.globals.len(), "global")?,
            Name::Memory(map) => check_names(map, m.memories.len(), "memory")?,
            Name::Table(map) => check_names(map, m.tables.len(), "table")?,
            Name::Type(map) => check_names(map, m.types.len(), "type")?,
            Name::Data(map) => check_names(map, m.data.len(), "data segment")?,
            Name::Element(map) => check_names(map, m.elements.len(), "element segment")?,
            // Tags (exception handling) are not modelled: their names are only parsed.
            Name::Tag(map) => check_names(map, usize::MAX, "tag")?,
            Name::Module { .. } | Name::Unknown { .. } => {}
        }
    }
    Ok(())
}

fn check_names(map: wasmparser::NameMap<'_>, count: usize, what: &str) -> Result<(), FrontError> {
    for naming in map {
        let naming = naming.map_err(name_error)?;
        if naming.index as usize >= count {
            return Err(FrontError::new(
                None,
                format!("malformed name section: names {what} {} that does not exist", naming.index),
            ));
        }
    }
    Ok(())
}

fn check_indirect(map: wasmparser::IndirectNameMap<'_>, count: usize, what: &str) -> Result<(), FrontError> {
    for indirect in map {
        let indirect = indirect.map_err(name_error)?;
        if indirect.index as usize >= count {
            return Err(FrontError::new(
                None,
                format!(
                    "malformed name section: names locals of {what} {} that does not exist",
                    indirect.index
                ),
            ));
        }
        for naming in indirect.names {
            naming.map_err(name_error)?;
        }
    }
    Ok(())
}

fn name_error(e: wasmparser::BinaryReaderError) -> FrontError {
    FrontError::new(Some(e.offset()), format!("malformed name section: {}", e.message()))
}

fn memory(t: &wasmparser::MemoryType, imported: bool) -> Memory {
    Memory {
        initial_pages: t.initial,
        maximum_pages: t.maximum,
        memory64: t.memory64,
        shared: t.shared,
        imported,
    }
}

fn val_type(t: wasmparser::ValType) -> ValType {
    match t {
        wasmparser::ValType::I32 => ValType::I32,
        wasmparser::ValType::I64 => ValType::I64,
        wasmparser::ValType::F32 => ValType::F32,
        wasmparser::ValType::F64 => ValType::F64,
        wasmparser::ValType::V128 => ValType::V128,
        wasmparser::ValType::Ref(_) => ValType::Ref,
    }
}

/// Value of a constant expression that is a single integer constant.
fn const_int(expr: &ConstExpr<'_>) -> Option<i64> {
    let mut r = expr.get_operators_reader();
    let v = match r.read().ok()? {
        Operator::I32Const { value } => value as u32 as i64,
        Operator::I64Const { value } => value,
        _ => return None,
    };
    matches!(r.read().ok()?, Operator::End).then_some(v)
}

fn ref_func(expr: &ConstExpr<'_>) -> Option<u32> {
    let mut r = expr.get_operators_reader();
    match r.read().ok()? {
        Operator::RefFunc { function_index } => Some(function_index),
        _ => None,
    }
}

/// Name and class of each kind of [`Op::Other`] operator met so far in a module (the name is
/// taken from the operator's debug text, too slow to format per instruction).
type OtherKinds<'a> = Vec<(std::mem::Discriminant<Operator<'a>>, &'static str, OtherClass)>;

/// The validator of one function body.
type BodyValidator = wasmparser::FuncValidator<wasmparser::ValidatorResources>;

/// A reader or validator error, reported as the validator words it.
fn invalid(e: wasmparser::BinaryReaderError) -> FrontError {
    FrontError::new(Some(e.offset()), format!("invalid module: {}", e.message()))
}

/// Lowers one function body and, with a validator, validates it in the same pass over its
/// operators.
///
/// wasmparser caps a function at 50,000 locals; EOSIO's and other contract VMs accept more (the
/// real corpus has such contracts), so a body whose only fault is that cap is accepted when its
/// locals are within [`Limits::max_locals`], and its operators go unvalidated: the analyses
/// never assume a body is well-typed.
fn lower_body<'a>(
    body: &wasmparser::FunctionBody<'a>,
    index: u32,
    type_index: u32,
    types: &[FuncSig],
    limits: &Limits,
    others: &mut OtherKinds<'a>,
    mut validator: Option<&mut BodyValidator>,
) -> Result<Function, FrontError> {
    let declared = count_locals(body)?;
    if declared > limits.max_locals as u64 {
        return Err(FrontError::new(
            Some(body.range().start),
            format!("function {index} declares {declared} locals, over the limit of {}", limits.max_locals),
        ));
    }
    let mut locals = Vec::new();
    let mut reader = body.get_locals_reader().map_err(invalid)?;
    for _ in 0..reader.get_count() {
        let offset = reader.original_position();
        let (count, ty) = reader.read().map_err(invalid)?;
        if let Some(v) = validator.as_mut() {
            match v.define_locals(offset, count, ty) {
                Ok(()) => {}
                // Within the limits checked above: accepted, unvalidated.
                Err(e) if e.message().starts_with("too many locals") => validator = None,
                Err(e) => return Err(invalid(e)),
            }
        }
        locals.push((count, val_type(ty)));
    }
    let mut ops = body.get_operators_reader().map_err(invalid)?;
    // About one instruction per two bytes of code: one allocation for most bodies.
    let mut instrs = Vec::with_capacity((body.range().len() / 2).min(limits.max_body_instructions));
    while !ops.eof() {
        let (op, offset) = ops.read_with_offset().map_err(invalid)?;
        if let Some(v) = validator.as_mut() {
            v.op(offset, &op).map_err(invalid)?;
        }
        if instrs.len() >= limits.max_body_instructions {
            return Err(FrontError::new(
                Some(offset),
                format!("function {index} has more than {} instructions", limits.max_body_instructions),
            ));
        }
        instrs.push(Instr { op: lower_op(&op, types, others), offset: offset as u32 });
    }
    if validator.is_some() {
        ops.finish().map_err(invalid)?;
    }
    Ok(Function {
        index,
        type_index,
        name: None,
        import: None,
        locals,
        body: instrs,
        body_range: body.range(),
    })
}

fn block_sig(ty: BlockType, types: &[FuncSig]) -> BlockSig {
    match ty {
        BlockType::Empty => BlockSig { params: 0, results: 0 },
        BlockType::Type(_) => BlockSig { params: 0, results: 1 },
        BlockType::FuncType(t) => types
            .get(t as usize)
            .map(|s| BlockSig { params: s.params.len() as u32, results: s.results.len() as u32 })
            .unwrap_or_default(),
    }
}

fn load(bytes: u8, signed: bool, result: ValType, memarg: &wasmparser::MemArg) -> Op {
    Op::Load { kind: LoadKind { bytes, signed, result }, offset: memarg.offset, memory: memarg.memory }
}

fn store(bytes: u8, value: ValType, memarg: &wasmparser::MemArg) -> Op {
    Op::Store { kind: StoreKind { bytes, value }, offset: memarg.offset, memory: memarg.memory }
}

fn lower_op<'a>(op: &Operator<'a>, types: &[FuncSig], others: &mut OtherKinds<'a>) -> Op {
    use ValType::*;
    use Width::{I32 as W32, I64 as W64};
    match op {
        Operator::Unreachable => Op::Unreachable,
        Operator::Nop => Op::Nop,
        Operator::Block { blockty } => Op::Block(block_sig(*blockty, types)),
        Operator::Loop { blockty } => Op::Loop(block_sig(*blockty, types)),
        Operator::If { blockty } => Op::If(block_sig(*blockty, types)),
        Operator::Else => Op::Else,
        Operator::End => Op::End,
        Operator::Br { relative_depth } => Op::Br(*relative_depth),
        Operator::BrIf { relative_depth } => Op::BrIf(*relative_depth),
        Operator::BrTable { targets } => {
            // The validator has accepted the table, so reading it again cannot fail.
            let list: Vec<u32> = targets.targets().filter_map(Result::ok).collect();
            Op::BrTable { targets: list.into_boxed_slice(), default: targets.default() }
        }
        Operator::Return => Op::Return,
        Operator::Call { function_index } => Op::Call(*function_index),
        Operator::CallIndirect { type_index, table_index } => {
            Op::CallIndirect { type_index: *type_index, table: *table_index }
        }
        Operator::ReturnCall { function_index } => Op::ReturnCall(*function_index),
        Operator::ReturnCallIndirect { type_index, table_index } => {
            Op::ReturnCallIndirect { type_index: *type_index, table: *table_index }
        }
        Operator::Drop => Op::Drop,
        Operator::Select | Operator::TypedSelect { .. } => Op::Select,
        Operator::LocalGet { local_index } => Op::LocalGet(*local_index),
        Operator::LocalSet { local_index } => Op::LocalSet(*local_index),
        Operator::LocalTee { local_index } => Op::LocalTee(*local_index),
        Operator::GlobalGet { global_index } => Op::GlobalGet(*global_index),
        Operator::GlobalSet { global_index } => Op::GlobalSet(*global_index),
        Operator::I32Load { memarg } => load(4, false, I32, memarg),
        Operator::I64Load { memarg } => load(8, false, I64, memarg),
        Operator::F32Load { memarg } => load(4, false, F32, memarg),
        Operator::F64Load { memarg } => load(8, false, F64, memarg),
        Operator::I32Load8S { memarg } => load(1, true, I32, memarg),
        Operator::I32Load8U { memarg } => load(1, false, I32, memarg),
        Operator::I32Load16S { memarg } => load(2, true, I32, memarg),
        Operator::I32Load16U { memarg } => load(2, false, I32, memarg),
        Operator::I64Load8S { memarg } => load(1, true, I64, memarg),
        Operator::I64Load8U { memarg } => load(1, false, I64, memarg),
        Operator::I64Load16S { memarg } => load(2, true, I64, memarg),
        Operator::I64Load16U { memarg } => load(2, false, I64, memarg),
        Operator::I64Load32S { memarg } => load(4, true, I64, memarg),
        Operator::I64Load32U { memarg } => load(4, false, I64, memarg),
        Operator::I32Store { memarg } => store(4, I32, memarg),
        Operator::I64Store { memarg } => store(8, I64, memarg),
        Operator::F32Store { memarg } => store(4, F32, memarg),
        Operator::F64Store { memarg } => store(8, F64, memarg),
        Operator::I32Store8 { memarg } => store(1, I32, memarg),
        Operator::I32Store16 { memarg } => store(2, I32, memarg),
        Operator::I64Store8 { memarg } => store(1, I64, memarg),
        Operator::I64Store16 { memarg } => store(2, I64, memarg),
        Operator::I64Store32 { memarg } => store(4, I64, memarg),
        Operator::MemorySize { mem } => Op::MemorySize(*mem),
        Operator::MemoryGrow { mem } => Op::MemoryGrow(*mem),
        Operator::I32Const { value } => Op::I32Const(*value),
        Operator::I64Const { value } => Op::I64Const(*value),
        Operator::I32Eqz => Op::Unary(W32, UnOp::Eqz),
        Operator::I64Eqz => Op::Unary(W64, UnOp::Eqz),
        Operator::I32Clz => Op::Unary(W32, UnOp::Clz),
        Operator::I32Ctz => Op::Unary(W32, UnOp::Ctz),
        Operator::I32Popcnt => Op::Unary(W32, UnOp::Popcnt),
        Operator::I64Clz => Op::Unary(W64, UnOp::Clz),
        Operator::I64Ctz => Op::Unary(W64, UnOp::Ctz),
        Operator::I64Popcnt => Op::Unary(W64, UnOp::Popcnt),
        Operator::I32Extend8S => Op::Unary(W32, UnOp::Extend8S),
        Operator::I32Extend16S => Op::Unary(W32, UnOp::Extend16S),
        Operator::I64Extend8S => Op::Unary(W64, UnOp::Extend8S),
        Operator::I64Extend16S => Op::Unary(W64, UnOp::Extend16S),
        Operator::I64Extend32S => Op::Unary(W64, UnOp::Extend32S),
        Operator::I32Eq => Op::Compare(W32, CmpOp::Eq),
        Operator::I32Ne => Op::Compare(W32, CmpOp::Ne),
        Operator::I32LtS => Op::Compare(W32, CmpOp::LtS),
        Operator::I32LtU => Op::Compare(W32, CmpOp::LtU),
        Operator::I32GtS => Op::Compare(W32, CmpOp::GtS),
        Operator::I32GtU => Op::Compare(W32, CmpOp::GtU),
        Operator::I32LeS => Op::Compare(W32, CmpOp::LeS),
        Operator::I32LeU => Op::Compare(W32, CmpOp::LeU),
        Operator::I32GeS => Op::Compare(W32, CmpOp::GeS),
        Operator::I32GeU => Op::Compare(W32, CmpOp::GeU),
        Operator::I64Eq => Op::Compare(W64, CmpOp::Eq),
        Operator::I64Ne => Op::Compare(W64, CmpOp::Ne),
        Operator::I64LtS => Op::Compare(W64, CmpOp::LtS),
        Operator::I64LtU => Op::Compare(W64, CmpOp::LtU),
        Operator::I64GtS => Op::Compare(W64, CmpOp::GtS),
        Operator::I64GtU => Op::Compare(W64, CmpOp::GtU),
        Operator::I64LeS => Op::Compare(W64, CmpOp::LeS),
        Operator::I64LeU => Op::Compare(W64, CmpOp::LeU),
        Operator::I64GeS => Op::Compare(W64, CmpOp::GeS),
        Operator::I64GeU => Op::Compare(W64, CmpOp::GeU),
        Operator::I32Add => Op::Binary(W32, BinOp::Add),
        Operator::I32Sub => Op::Binary(W32, BinOp::Sub),
        Operator::I32Mul => Op::Binary(W32, BinOp::Mul),
        Operator::I32DivS => Op::Binary(W32, BinOp::DivS),
        Operator::I32DivU => Op::Binary(W32, BinOp::DivU),
        Operator::I32RemS => Op::Binary(W32, BinOp::RemS),
        Operator::I32RemU => Op::Binary(W32, BinOp::RemU),
        Operator::I32And => Op::Binary(W32, BinOp::And),
        Operator::I32Or => Op::Binary(W32, BinOp::Or),
        Operator::I32Xor => Op::Binary(W32, BinOp::Xor),
        Operator::I32Shl => Op::Binary(W32, BinOp::Shl),
        Operator::I32ShrS => Op::Binary(W32, BinOp::ShrS),
        Operator::I32ShrU => Op::Binary(W32, BinOp::ShrU),
        Operator::I32Rotl => Op::Binary(W32, BinOp::Rotl),
        Operator::I32Rotr => Op::Binary(W32, BinOp::Rotr),
        Operator::I64Add => Op::Binary(W64, BinOp::Add),
        Operator::I64Sub => Op::Binary(W64, BinOp::Sub),
        Operator::I64Mul => Op::Binary(W64, BinOp::Mul),
        Operator::I64DivS => Op::Binary(W64, BinOp::DivS),
        Operator::I64DivU => Op::Binary(W64, BinOp::DivU),
        Operator::I64RemS => Op::Binary(W64, BinOp::RemS),
        Operator::I64RemU => Op::Binary(W64, BinOp::RemU),
        Operator::I64And => Op::Binary(W64, BinOp::And),
        Operator::I64Or => Op::Binary(W64, BinOp::Or),
        Operator::I64Xor => Op::Binary(W64, BinOp::Xor),
        Operator::I64Shl => Op::Binary(W64, BinOp::Shl),
        Operator::I64ShrS => Op::Binary(W64, BinOp::ShrS),
        Operator::I64ShrU => Op::Binary(W64, BinOp::ShrU),
        Operator::I64Rotl => Op::Binary(W64, BinOp::Rotl),
        Operator::I64Rotr => Op::Binary(W64, BinOp::Rotr),
        Operator::I32WrapI64 => Op::Convert(ConvOp::I32WrapI64),
        Operator::I64ExtendI32S => Op::Convert(ConvOp::I64ExtendI32S),
        Operator::I64ExtendI32U => Op::Convert(ConvOp::I64ExtendI32U),
        other => lower_other(other, others),
    }
}

/// Arity of fixed-arity instructions needs no module context; the few variable-arity ones
/// (GC, exceptions, stack switching) that reach here are not used by contract platforms and
/// get a neutral arity.
struct NoContext;

impl wasmparser::ModuleArity for NoContext {
    fn sub_type_at(&self, _: u32) -> Option<&wasmparser::SubType> {
        None
    }
    fn tag_type_arity(&self, _: u32) -> Option<(u32, u32)> {
        None
    }
    fn type_index_of_function(&self, _: u32) -> Option<u32> {
        None
    }
    fn func_type_of_cont_type(&self, _: &wasmparser::ContType) -> Option<&wasmparser::FuncType> {
        None
    }
    fn sub_type_of_ref_type(&self, _: &wasmparser::RefType) -> Option<&wasmparser::SubType> {
        None
    }
    fn control_stack_height(&self) -> u32 {
        0
    }
    fn label_block(&self, _: u32) -> Option<(BlockType, wasmparser::FrameKind)> {
        None
    }
}

fn lower_other<'a>(op: &Operator<'a>, others: &mut OtherKinds<'a>) -> Op {
    let (pops, pushes) = op.operator_arity(&NoContext).unwrap_or((0, 0));
    let kind = std::mem::discriminant(op);
    if let Some((_, name, class)) = others.iter().find(|(k, _, _)| *k == kind) {
        return Op::Other { name, pops, pushes, class: *class };
    }
    let debug = format!("{op:?}");
    let name = intern(debug.split([' ', '{', '(']).next().unwrap_or("unknown"));
    let class =
        if name.starts_with("F32") || name.starts_with("F64") || name.contains("F32") || name.contains("F64")
        {
            OtherClass::Float
        } else if name.starts_with("V128") || name.contains('x') && name.starts_with(['I', 'F']) {
            OtherClass::Simd
        } else if name.contains("Atomic") {
            OtherClass::Atomic
        } else if name.starts_with("Memory")
            || name.starts_with("Table")
            || name.starts_with("Data")
            || name.starts_with("Elem")
        {
            OtherClass::BulkMemory
        } else if name.starts_with("Ref") {
            OtherClass::Reference
        } else {
            OtherClass::Misc
        };
    others.push((kind, name, class));
    Op::Other { name, pops, pushes, class }
}

/// The one static copy of an operator name: the names are wasmparser's operator kinds, a fixed
/// set of a few hundred, so keeping each once for the process is bounded.
fn intern(name: &str) -> &'static str {
    static NAMES: std::sync::Mutex<std::collections::BTreeSet<&'static str>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    let Ok(mut names) = NAMES.lock() else { return "unknown" };
    if let Some(n) = names.get(name) {
        return n;
    }
    let n: &'static str = Box::leak(name.to_string().into_boxed_str());
    names.insert(n);
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wat(src: &str) -> Vec<u8> {
        wat::parse_str(src).expect("test WAT is valid")
    }

    #[test]
    fn decodes_functions_with_offsets_and_names() {
        let bytes = wat(r#"(module
            (import "env" "require_auth" (func $require_auth (param i64)))
            (func $main (export "apply") (param i64 i64 i64)
                local.get 0
                call $require_auth)
        )"#);
        let m = parse(&bytes).expect("valid");
        assert_eq!(m.num_imported_funcs, 1);
        assert_eq!(m.functions.len(), 2);
        assert_eq!(m.func_name(1), "main");
        assert_eq!(m.func_name(0), "require_auth");
        let body = &m.functions[1].body;
        assert_eq!(body[0].op, Op::LocalGet(0));
        assert_eq!(body[1].op, Op::Call(0));
        assert_eq!(body[2].op, Op::End);
        // Offsets point into the file at the opcode bytes.
        assert_eq!(bytes[body[1].offset as usize], 0x10);
        assert_eq!(m.exported_funcs().collect::<Vec<_>>(), vec![("apply", 1)]);
    }

    #[test]
    fn rejects_bad_magic_and_truncation() {
        assert!(parse(b"").is_err());
        assert!(parse(b"\0asm\x02\0\0\0").is_err());
        let bytes = wat("(module (func))");
        for cut in 1..8 {
            assert!(parse(&bytes[..cut]).is_err(), "truncated header at {cut} must fail");
        }
        // Cutting inside the code section leaves a body short.
        let err = parse(&bytes[..bytes.len() - 1]).expect_err("truncated body");
        assert!(err.offset.is_some(), "{err}");
    }

    #[test]
    fn element_and_data_segments() {
        let bytes = wat(r#"(module
            (memory 1)
            (table 2 funcref)
            (func $a) (func $b)
            (elem (i32.const 1) func $a $b)
            (data (i32.const 16) "PutState")
        )"#);
        let m = parse(&bytes).expect("valid");
        assert_eq!(m.elements[0].offset, Some(1));
        assert_eq!(m.elements[0].funcs, vec![Some(0), Some(1)]);
        assert_eq!(m.data_at(16, 8), Some(&b"PutState"[..]));
        assert_eq!(m.data_at(20, 4), Some(&b"tate"[..]));
        assert_eq!(m.data_at(20, 8), None);
    }

    #[test]
    fn float_ops_are_classified() {
        let bytes = wat("(module (func (result f32) f32.const 1 f32.const 2 f32.add))");
        let m = parse(&bytes).expect("valid");
        let add = &m.functions[0].body[2].op;
        assert!(add.is_float(), "{add:?}");
        assert!(matches!(add, Op::Other { pops: 2, pushes: 1, .. }));
    }

    #[test]
    fn more_locals_than_wasmparser_allows_are_accepted_within_limits() {
        let locals = " i64".repeat(60_000);
        let bytes = wat(&format!("(module (func (local{locals}) i64.const 1 local.set 59999))"));
        let m = parse(&bytes).expect("accepted like contract VMs do");
        assert_eq!(m.functions[0].num_locals(), 60_000);
        assert_eq!(m.functions[0].local_type(0, &m.types), Some(ValType::I64));
        let limits = Limits { max_locals: 50_001, ..Limits::default() };
        let err = parse_with_limits(&bytes, &limits).expect_err("over our limit");
        assert!(err.message.contains("locals"), "{err}");
    }

    #[test]
    fn limits_are_enforced() {
        let bytes = wat("(module (func nop nop nop nop))");
        let limits = Limits { max_body_instructions: 3, ..Limits::default() };
        let err = parse_with_limits(&bytes, &limits).expect_err("over limit");
        assert!(err.message.contains("more than 3 instructions"), "{err}");
        let limits = Limits { max_file_size: 4, ..Limits::default() };
        assert!(parse_with_limits(&bytes, &limits).is_err());
    }
}
