//! The scan engine: for each input file, front end → flow → platform → detectors, producing a
//! [`FileReport`]. Batches run in parallel with rayon; one file's failure (malformed bytes, a
//! limit, even a panic in analysis) becomes that file's error and never stops the batch.
//!
//! Invariant: reports come back sorted by path, findings sorted by offset then detector id, so
//! output is byte-identical for any thread count.

mod inputs;

pub use inputs::collect_inputs;

use sha2::{Digest, Sha256};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use wasmaudit_detect::{Context, Detector, DetectorMeta, Finding};
use wasmaudit_flow::Program;
use wasmaudit_front::{Limits, Module, Op};
use wasmaudit_platform::{Platform, Surface};

/// Options of a scan.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    pub limits: Limits,
    /// Worker threads; `None` uses all cores.
    pub jobs: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Error => "error",
        }
    }
}

/// A finding resolved to names and offsets, ready for any output format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedFinding {
    pub detector: &'static DetectorMeta,
    /// Name-section name, or `$func<index>`.
    pub function: String,
    pub function_index: u32,
    /// Instruction index within the function body (stable across rebuilds that keep the function).
    pub instr_index: usize,
    /// Byte offset of the instruction in the file.
    pub offset: u32,
    /// Byte length of the instruction (up to the next instruction).
    pub length: u32,
    /// The instruction in text form, e.g. `call 12`.
    pub instruction: String,
    pub message: String,
}

/// The result of scanning one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReport {
    pub path: String,
    /// Hex SHA-256 of the bytes (empty when the file could not be read).
    pub sha256: String,
    pub platform: Option<Platform>,
    pub status: Status,
    pub error: Option<String>,
    pub findings: Vec<ReportedFinding>,
}

impl FileReport {
    fn error(path: String, sha256: String, message: String) -> FileReport {
        FileReport {
            path,
            sha256,
            platform: None,
            status: Status::Error,
            error: Some(message),
            findings: Vec::new(),
        }
    }
}

/// Scans every input (files, and directories recursively for `.wasm`) and returns one report per
/// file, sorted by path. Paths that do not exist or cannot be read are error reports.
pub fn scan_paths(paths: &[PathBuf], opts: &ScanOptions) -> Vec<FileReport> {
    let (files, mut reports) = collect_inputs(paths);
    let detectors = wasmaudit_detectors::registry();
    let run = || -> Vec<FileReport> {
        use rayon::prelude::*;
        files.par_iter().map(|p| scan_file(p, opts, &detectors)).collect()
    };
    let scanned = match opts.jobs {
        Some(n) => match rayon::ThreadPoolBuilder::new().num_threads(n.max(1)).build() {
            Ok(pool) => pool.install(run),
            Err(_) => run(),
        },
        None => run(),
    };
    reports.extend(scanned);
    reports.sort_by(|a, b| a.path.cmp(&b.path));
    reports
}

/// Reads and scans one file. `.wat` text files are assembled first.
pub fn scan_file(path: &Path, opts: &ScanOptions, detectors: &[Box<dyn Detector>]) -> FileReport {
    let display = path.display().to_string();
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return FileReport::error(display, String::new(), format!("cannot read file: {e}")),
    };
    if path.extension().is_some_and(|e| e == "wat") {
        return match wat::parse_bytes(&bytes) {
            Ok(wasm) => scan_bytes(&display, &wasm, opts, detectors),
            Err(e) => FileReport::error(display, sha256_hex(&bytes), format!("invalid WAT: {e}")),
        };
    }
    scan_bytes(&display, &bytes, opts, detectors)
}

/// Scans a module held in memory.
pub fn scan_bytes(
    path: &str,
    bytes: &[u8],
    opts: &ScanOptions,
    detectors: &[Box<dyn Detector>],
) -> FileReport {
    let sha256 = sha256_hex(bytes);
    let outcome = catch_unwind(AssertUnwindSafe(|| analyze(bytes, opts, detectors)));
    match outcome {
        Ok(Ok((platform, findings))) => FileReport {
            path: path.to_string(),
            sha256,
            platform: Some(platform),
            status: Status::Ok,
            error: None,
            findings,
        },
        Ok(Err(e)) => FileReport::error(path.to_string(), sha256, e),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            FileReport::error(path.to_string(), sha256, format!("internal error while analyzing: {what}"))
        }
    }
}

/// Detects the platform of a parsed module from its imports, exports and custom sections.
pub fn detect_platform(module: &Module) -> Platform {
    let surface = Surface {
        imports: module
            .functions
            .iter()
            .filter_map(|f| f.import.as_ref().map(|(m, n)| (m.as_str(), n.as_str())))
            .collect(),
        exports: module.exports.iter().map(|e| e.name.as_str()).collect(),
        custom_sections: module.custom_sections.iter().map(|c| c.name.as_str()).collect(),
    };
    wasmaudit_platform::detect(&surface).platform
}

fn analyze(
    bytes: &[u8],
    opts: &ScanOptions,
    detectors: &[Box<dyn Detector>],
) -> Result<(Platform, Vec<ReportedFinding>), String> {
    let module = wasmaudit_front::parse_with_limits(bytes, &opts.limits).map_err(|e| e.to_string())?;
    let platform = detect_platform(&module);
    let program = Program::build(&module);
    let cx = Context::new(&module, &program, platform);
    let mut raw: Vec<Finding> = Vec::new();
    for d in detectors.iter().filter(|d| d.meta().applies_to(platform.as_str())) {
        d.run(&cx, &mut raw);
    }
    let mut findings: Vec<ReportedFinding> = raw.into_iter().map(|f| resolve(&module, f)).collect();
    findings
        .sort_by(|a, b| (a.offset, a.detector.id, &a.message).cmp(&(b.offset, b.detector.id, &b.message)));
    findings.dedup();
    Ok((platform, findings))
}

fn resolve(module: &Module, f: Finding) -> ReportedFinding {
    let body = module.function(f.function).map(|x| x.body.as_slice()).unwrap_or(&[]);
    let instruction = body.get(f.instr).map(|i| instruction_text(module, &i.op)).unwrap_or_default();
    let next = body.get(f.instr + 1).map(|i| i.offset);
    let length = next.map(|n| n.saturating_sub(f.offset)).unwrap_or(1).max(1);
    ReportedFinding {
        detector: f.detector,
        function: module.func_name(f.function),
        function_index: f.function,
        instr_index: f.instr,
        offset: f.offset,
        length,
        instruction,
        message: f.message,
    }
}

/// The instruction in WAT syntax, with direct callees by name (`call $seal_terminate`).
fn instruction_text(module: &Module, op: &Op) -> String {
    match op {
        Op::Call(c) => format!("call ${}", module.func_name(*c)),
        Op::ReturnCall(c) => format!("return_call ${}", module.func_name(*c)),
        other => other.to_string(),
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
