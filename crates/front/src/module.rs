use crate::ir::{Instr, Op};
use std::collections::BTreeMap;
use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ValType {
    I32,
    I64,
    F32,
    F64,
    V128,
    Ref,
}

impl ValType {
    pub fn as_str(self) -> &'static str {
        match self {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
            ValType::F32 => "f32",
            ValType::F64 => "f64",
            ValType::V128 => "v128",
            ValType::Ref => "ref",
        }
    }

    pub fn is_float(self) -> bool {
        matches!(self, ValType::F32 | ValType::F64)
    }
}

/// A function signature. Non-function types of the GC proposal are kept as empty signatures so
/// type indices stay aligned.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct FuncSig {
    pub params: Vec<ValType>,
    pub results: Vec<ValType>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportKind {
    /// A function, with its type index.
    Func(u32),
    Table,
    Memory,
    Global {
        ty: ValType,
        mutable: bool,
    },
    Tag,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    pub module: String,
    pub name: String,
    pub kind: ImportKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    Func,
    Table,
    Memory,
    Global,
    Tag,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    pub name: String,
    pub kind: ExportKind,
    pub index: u32,
}

/// A function of the module's function index space: imported functions come first.
#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    pub index: u32,
    pub type_index: u32,
    /// Name from the name section, if any.
    pub name: Option<String>,
    /// `(module, field)` for an imported (host) function.
    pub import: Option<(String, String)>,
    /// Declared locals after the parameters, run-length encoded as in the binary: contracts in
    /// the wild declare millions of locals, so they are never expanded.
    pub locals: Vec<(u32, ValType)>,
    /// Decoded body; empty for imports.
    pub body: Vec<Instr>,
    /// Byte range of the body in the file (empty for imports).
    pub body_range: Range<usize>,
}

impl Function {
    pub fn is_import(&self) -> bool {
        self.import.is_some()
    }

    /// Whether instruction `i` leaves the function: a `return`, or the `end` closing the body.
    pub fn is_exit(&self, i: usize) -> bool {
        match self.body.get(i).map(|x| &x.op) {
            Some(Op::Return) => true,
            Some(Op::End) => i + 1 == self.body.len(),
            _ => false,
        }
    }

    /// Indices of the instructions that leave the function ([`Function::is_exit`]).
    pub fn exits(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.body.len()).filter(|i| self.is_exit(*i))
    }

    /// Number of declared locals (parameters not included).
    pub fn num_locals(&self) -> u64 {
        self.locals.iter().map(|(n, _)| u64::from(*n)).sum()
    }

    /// Type of local `index` (parameters first), given the module's types.
    pub fn local_type(&self, index: u32, types: &[FuncSig]) -> Option<ValType> {
        let params = &types.get(self.type_index as usize)?.params;
        if let Some(t) = params.get(index as usize) {
            return Some(*t);
        }
        let mut rest = u64::from(index) - params.len() as u64;
        for (n, t) in &self.locals {
            if rest < u64::from(*n) {
                return Some(*t);
            }
            rest -= u64::from(*n);
        }
        None
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub initial: u64,
    pub maximum: Option<u64>,
    pub imported: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Memory {
    pub initial_pages: u64,
    pub maximum_pages: Option<u64>,
    pub memory64: bool,
    pub shared: bool,
    pub imported: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Global {
    pub ty: ValType,
    pub mutable: bool,
    /// Constant initial value when the initializer is a plain `i32.const`/`i64.const`.
    pub init: Option<i64>,
    pub imported: bool,
}

/// An element segment: `funcs[i]` is placed at table slot `offset + i` when active.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElementSegment {
    pub table: u32,
    /// Constant offset of an active segment; `None` for passive/declared or non-constant ones.
    pub offset: Option<u64>,
    pub active: bool,
    /// Function index per slot (`None` for `ref.null` or non-function expressions).
    pub funcs: Vec<Option<u32>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSegment {
    pub memory: u32,
    /// Constant address of an active segment.
    pub offset: Option<u64>,
    pub active: bool,
    /// Byte range of the payload in the file.
    pub range: Range<usize>,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomSection {
    pub name: String,
    /// Byte range of the section payload in the file.
    pub range: Range<usize>,
}

/// The decoded module.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Module {
    pub size: usize,
    pub types: Vec<FuncSig>,
    pub imports: Vec<Import>,
    pub exports: Vec<Export>,
    pub functions: Vec<Function>,
    pub tables: Vec<Table>,
    pub memories: Vec<Memory>,
    pub globals: Vec<Global>,
    pub elements: Vec<ElementSegment>,
    pub data: Vec<DataSegment>,
    pub custom_sections: Vec<CustomSection>,
    /// Raw DWARF sections (`.debug_info`, `.debug_line`, ...) by name, kept for source mapping.
    pub dwarf: BTreeMap<String, Vec<u8>>,
    /// File offset of the code section's payload: DWARF addresses are relative to it.
    pub code_section_start: Option<usize>,
    pub start: Option<u32>,
    /// Number of imported functions: defined function `i` has index `num_imported_funcs + i`.
    pub num_imported_funcs: u32,
}

impl Module {
    pub fn function(&self, index: u32) -> Option<&Function> {
        self.functions.get(index as usize)
    }

    pub fn func_sig(&self, index: u32) -> Option<&FuncSig> {
        let f = self.function(index)?;
        self.types.get(f.type_index as usize)
    }

    /// Display name of a function: its name-section name, else `$func<index>`.
    pub fn func_name(&self, index: u32) -> String {
        match self.function(index).and_then(|f| f.name.as_deref()) {
            Some(n) => n.to_string(),
            None => match self.function(index).and_then(|f| f.import.as_ref()) {
                Some((m, n)) => format!("{m}.{n}"),
                None => format!("$func{index}"),
            },
        }
    }

    /// Exported functions as `(export name, function index)`, in export order.
    pub fn exported_funcs(&self) -> impl Iterator<Item = (&str, u32)> {
        self.exports.iter().filter(|e| e.kind == ExportKind::Func).map(|e| (e.name.as_str(), e.index))
    }

    /// Bytes of memory at constant address `addr`, from active data segments, if initialised.
    pub fn data_at(&self, addr: u64, len: usize) -> Option<&[u8]> {
        self.data.iter().find_map(|d| {
            let start = d.offset?;
            let rel = addr.checked_sub(start)? as usize;
            let end = rel.checked_add(len)?;
            d.bytes.get(rel..end)
        })
    }

    /// Whether any custom section with this name exists.
    /// The data-segment bytes from `addr` to the end of its segment, at most `max` of them.
    pub fn data_from(&self, addr: u64, max: usize) -> Option<&[u8]> {
        self.data.iter().find_map(|d| {
            let rel = usize::try_from(addr.checked_sub(d.offset?)?).ok()?;
            let rest = d.bytes.get(rel..).filter(|r| !r.is_empty())?;
            Some(&rest[..rest.len().min(max)])
        })
    }

    pub fn has_custom_section(&self, name: &str) -> bool {
        self.custom_sections.iter().any(|c| c.name == name)
    }
}
