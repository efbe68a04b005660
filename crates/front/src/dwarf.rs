//! Source lines from DWARF: the `.debug_line` programs of a module (with `.debug_info` for the
//! compilation directories and `.debug_str`/`.debug_line_str` for names) turned into a table
//! from code offsets to file, line and column.
//!
//! In WebAssembly, DWARF addresses are offsets from the start of the code section's payload, so
//! an instruction's file offset minus [`Module::code_section_start`] is its address.
//!
//! Malformed or partial DWARF never fails a scan: what cannot be read is left out, and a module
//! without line programs has an empty table.

use crate::module::Module;
use gimli::{ColumnType, EndianSlice, LittleEndian, Reader};
use std::collections::BTreeMap;

/// Most line-table rows kept per module: a bound on memory for hostile inputs (a large Rust
/// debug build has a few hundred thousand).
const MAX_ROWS: usize = 4_000_000;

/// Addresses from here up are tombstones (code the linker dropped), not real code offsets.
const TOMBSTONE: u64 = 0xffff_fff0;

/// A place in a source file, as DWARF names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourcePos {
    /// The path the compiler recorded: relative paths are relative to the build directory.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, 0 when unknown.
    pub column: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Row {
    address: u64,
    /// `None` ends a sequence: addresses from here are not covered by it.
    place: Option<(u32, u32, u32)>,
}

/// Code addresses to source positions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineTable {
    files: Vec<String>,
    /// Sorted by address; at one address a sequence end comes before the rows that start there.
    rows: Vec<Row>,
    code_start: usize,
}

impl LineTable {
    /// The table of a parsed module; empty when it has no `.debug_line` or no code section.
    pub fn of(module: &Module) -> LineTable {
        match module.code_section_start {
            Some(start) if module.dwarf.contains_key(".debug_line") => {
                let mut table = LineTable { code_start: start, ..LineTable::default() };
                // A line program that cannot be read is left out: partial tables are still useful.
                let _ = table.read(&module.dwarf);
                table.rows.sort_by_key(|r| (r.address, r.place.is_some()));
                table
            }
            _ => LineTable::default(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The source position of the instruction at byte `offset` of the file, if a line program
    /// covers it.
    pub fn lookup(&self, offset: u32) -> Option<SourcePos> {
        let address = u64::from(offset).checked_sub(self.code_start as u64)?;
        let after = self.rows.partition_point(|r| r.address <= address);
        let row = self.rows.get(after.checked_sub(1)?)?;
        let (file, line, column) = row.place?;
        Some(SourcePos { file: self.files.get(file as usize)?.clone(), line, column })
    }

    fn read(&mut self, sections: &BTreeMap<String, Vec<u8>>) -> Result<(), gimli::Error> {
        let empty: &[u8] = &[];
        let dwarf = gimli::Dwarf::load(|id| -> Result<_, gimli::Error> {
            let data = sections.get(id.name()).map(Vec::as_slice).unwrap_or(empty);
            Ok(EndianSlice::new(data, LittleEndian))
        })?;
        let mut interned: BTreeMap<String, u32> = BTreeMap::new();
        let mut units = dwarf.units();
        while let Some(header) = units.next()? {
            let Ok(unit) = dwarf.unit(header) else { continue };
            let Some(program) = unit.line_program.clone() else { continue };
            let comp_dir = unit.comp_dir.map(|d| d.to_string_lossy().into_owned()).unwrap_or_default();
            let mut rows = program.rows();
            while let Some((header, row)) = rows.next_row()? {
                if self.rows.len() >= MAX_ROWS {
                    return Ok(());
                }
                let address = row.address();
                if address >= TOMBSTONE {
                    continue;
                }
                if row.end_sequence() {
                    self.rows.push(Row { address, place: None });
                    continue;
                }
                let Some(line) = row.line() else { continue };
                let column = match row.column() {
                    ColumnType::LeftEdge => 0,
                    ColumnType::Column(c) => u32::try_from(c.get()).unwrap_or(0),
                };
                let Some(entry) = row.file(header) else { continue };
                let name = attr_text(&dwarf, &unit, entry.path_name());
                let dir = entry.directory(header).map(|d| attr_text(&dwarf, &unit, d)).unwrap_or_default();
                let path = join_path(&comp_dir, &dir, &name);
                let next = interned.len() as u32;
                let file = *interned.entry(path.clone()).or_insert_with(|| {
                    self.files.push(path);
                    next
                });
                let line = u32::try_from(line.get()).unwrap_or(u32::MAX);
                self.rows.push(Row { address, place: Some((file, line, column)) });
            }
        }
        Ok(())
    }
}

fn attr_text<R: Reader>(
    dwarf: &gimli::Dwarf<R>,
    unit: &gimli::Unit<R>,
    value: gimli::AttributeValue<R>,
) -> String {
    dwarf
        .attr_string(unit, value)
        .ok()
        .and_then(|s| s.to_string_lossy().ok().map(|s| s.into_owned()))
        .unwrap_or_default()
}

/// `name` if absolute, else under `dir`, itself under `comp_dir` when relative (DWARF 5's
/// directory 0 is the compilation directory itself, so it is not joined twice); `.` components
/// dropped so a build with `-fdebug-prefix-map=$PWD=.` gives plain relative paths.
fn join_path(comp_dir: &str, dir: &str, name: &str) -> String {
    let absolute = |p: &str| p.starts_with('/') || p.starts_with('\\') || p.get(1..3) == Some(":\\");
    let mut parts: Vec<&str> = Vec::new();
    if !absolute(name) {
        if !absolute(dir) && dir != comp_dir {
            parts.push(comp_dir);
        }
        parts.push(dir);
    }
    parts.push(name);
    let joined = parts.iter().filter(|p| !p.is_empty()).copied().collect::<Vec<_>>().join("/");
    let lead = if joined.starts_with('/') { "/" } else { "" };
    let clean: Vec<&str> = joined.split(['/', '\\']).filter(|c| !c.is_empty() && *c != ".").collect();
    format!("{lead}{}", clean.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_join_relative_parts_and_keep_absolute_ones() {
        assert_eq!(join_path(".", ".", "a.c"), "a.c");
        assert_eq!(join_path("/build", "src", "a.c"), "/build/src/a.c");
        assert_eq!(join_path("/build", "/usr/include", "stdio.h"), "/usr/include/stdio.h");
        assert_eq!(join_path("/build", "src", "/abs/x.rs"), "/abs/x.rs");
        assert_eq!(join_path("", "tests/fixtures", "./c.c"), "tests/fixtures/c.c");
        assert_eq!(join_path("src/x", "src/x", "m.wat"), "src/x/m.wat");
    }

    #[test]
    fn a_module_without_dwarf_has_an_empty_table() {
        let bytes = wat::parse_str("(module (func (export \"f\") nop))").expect("valid WAT");
        let m = crate::parse(&bytes).expect("valid");
        let t = LineTable::of(&m);
        assert!(t.is_empty());
        assert_eq!(t.lookup(30), None);
    }

    #[test]
    fn wat_assembled_with_dwarf_maps_instructions_to_their_lines() {
        let src =
            "(module\n  (func (export \"f\") (result i32)\n    i32.const 1\n    i32.const 2\n    i32.add))\n";
        let bytes = wat::Parser::new()
            .generate_dwarf(wat::GenerateDwarf::Lines)
            .parse_str(Some(std::path::Path::new("dir/m.wat")), src)
            .expect("valid WAT");
        let m = crate::parse(&bytes).expect("valid");
        let t = LineTable::of(&m);
        assert!(!t.is_empty());
        let f = m.functions.iter().find(|f| !f.is_import()).expect("a body");
        let lines: Vec<u32> =
            f.body.iter().take(3).map(|i| t.lookup(i.offset).map(|p| p.line).unwrap_or(0)).collect();
        assert_eq!(lines, vec![3, 4, 5]);
        let pos = t.lookup(f.body[0].offset).expect("mapped");
        assert_eq!(pos.file, "dir/m.wat");
        assert_eq!(pos.column, 5);
    }
}
