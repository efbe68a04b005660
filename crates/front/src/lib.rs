//! Front end: bytes to a validated module model.
//!
//! [`parse`] validates the module with wasmparser's validator (all features the contract
//! platforms use enabled), then decodes every section into [`Module`]. Each function body is
//! lowered to a flat list of [`Instr`], each carrying its byte offset in the file, so findings can
//! point at the instruction that runs.
//!
//! Invariant: no input makes this crate panic; malformed input is a [`FrontError`] with the byte
//! offset wasmparser reports. Only this crate knows wasmparser.

mod dwarf;
mod ir;
mod limits;
mod module;
mod parse;

pub use dwarf::{LineTable, SourcePos};
pub use ir::{BinOp, BlockSig, CmpOp, ConvOp, Instr, LoadKind, Op, OtherClass, StoreKind, UnOp, Width};
pub use limits::Limits;
pub use module::{
    CustomSection, DataSegment, ElementSegment, Export, ExportKind, FuncSig, Function, Global, Import,
    ImportKind, Memory, Module, Table, ValType,
};
pub use parse::{parse, parse_with_limits, validate};

use std::fmt;

/// Why a module could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontError {
    /// Byte offset in the file where the problem was found, when known.
    pub offset: Option<usize>,
    pub message: String,
}

impl FrontError {
    pub fn new(offset: Option<usize>, message: impl Into<String>) -> Self {
        FrontError { offset, message: message.into() }
    }
}

impl fmt::Display for FrontError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.offset {
            Some(o) => write!(f, "{} (at byte offset {o:#x})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for FrontError {}

impl From<wasmparser::BinaryReaderError> for FrontError {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        FrontError::new(Some(e.offset()), e.message().to_string())
    }
}
