//! The scan engine: for each input file, front end → flow → platform → detectors, producing a
//! [`FileReport`]. Batches run in parallel with rayon; one file's failure (malformed bytes, a
//! limit, even a panic in analysis) becomes that file's error and never stops the batch. Each
//! analysis runs under a per-file time limit ([`ScanOptions::timeout_per_file`]): a runaway one
//! is abandoned and its file becomes an error.
//!
//! Invariant: reports come back sorted by path, findings sorted by offset then detector id, so
//! output is byte-identical for any thread count.

mod batch;
mod graph_limits;
mod inputs;
mod isolate;
pub mod memory;
mod names;
pub mod phases;
mod trail;

pub use batch::{scan_stream, BatchOptions, Event, FileStats, Inputs, Shard};
pub use inputs::collect_inputs;
pub use names::{demangle, is_library};
pub use wasmaudit_smt as smt;
pub use wasmaudit_smt::{SmtOptions, SmtVerdict, Verdict};

use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use wasmaudit_detect::{Context, Detector, DetectorMeta, Finding};
use wasmaudit_flow::{Budget, Program};
use wasmaudit_front::{Limits, LineTable, Module, Op};
use wasmaudit_platform::{Platform, Surface};

/// Default of [`ScanOptions::timeout_per_file`].
pub const DEFAULT_TIMEOUT_PER_FILE: Duration = Duration::from_secs(30);

/// Default of [`ScanOptions::max_memory_per_file`]: 512 MiB.
pub const DEFAULT_MAX_MEMORY_PER_FILE: u64 = 512 * 1024 * 1024;

/// Options of a scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub limits: Limits,
    /// Worker threads; `None` uses all cores.
    pub jobs: Option<usize>,
    /// Wall-clock limit on one file's analysis (decoding, graphs, detectors). Past it the file is
    /// an error and the batch goes on; the analysis thread is abandoned, not stopped (see
    /// `isolate`). `None`: no limit, the analysis runs on the calling thread.
    pub timeout_per_file: Option<Duration>,
    /// Live heap bytes one file's analysis may hold (see [`memory`] for what is counted and when
    /// it is checked); past it the file is an error. `None`: no budget. Inert unless the binary
    /// installed the counting allocator.
    pub max_memory_per_file: Option<u64>,
    /// SMT checks after the detectors (`--smt`): every finding gets a verdict, refuted ones are
    /// dropped unless [`SmtOptions::keep_refuted`]. Needs the `smt` feature
    /// ([`wasmaudit_smt::available`]); without it every verdict is `unknown`.
    pub smt: Option<SmtOptions>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            limits: Limits::default(),
            jobs: None,
            timeout_per_file: Some(DEFAULT_TIMEOUT_PER_FILE),
            max_memory_per_file: Some(DEFAULT_MAX_MEMORY_PER_FILE),
            smt: None,
        }
    }
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

/// A place in the source the module was built from, from its DWARF line table (or, for a
/// `.wat` input, in the `.wat` text).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourceLocation {
    /// As the compiler recorded it: relative paths are relative to the build directory (for
    /// `.wat` input, the path the file was named by).
    pub file: String,
    /// 1-based.
    pub line: u32,
    /// 1-based; 0 when unknown.
    pub column: u32,
}

/// One step of the way from an entry point to a flagged instruction: a function on the call
/// chain and the call instruction in it; the last step is the flagged instruction itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailStep {
    pub function_index: u32,
    /// Demangled name.
    pub function: String,
    pub instr_index: usize,
    /// Byte offset of the instruction in the file.
    pub offset: u32,
    /// Where the instruction comes from in the source, when the module has DWARF.
    pub source: Option<SourceLocation>,
}

impl TrailStep {
    /// Whether the step's function is library code ([`is_library`]).
    pub fn in_library(&self) -> bool {
        is_library(&self.function)
    }
}

/// A finding resolved to names and offsets, ready for any output format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedFinding {
    pub detector: &'static DetectorMeta,
    /// Readable name: the name-section name demangled (Rust, C++), or `$func<index>`.
    pub function: String,
    /// The name-section name as stored (a mangled symbol for compiled code), or `$func<index>`.
    pub function_raw: String,
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
    /// The finding's own confidence (the detector's unless its evidence says otherwise).
    pub confidence: wasmaudit_detect::Confidence,
    /// The finding's own impact (the detector's unless its evidence grades it).
    pub impact: wasmaudit_detect::Impact,
    /// The shortest call chain from an entry point to the flagged instruction, outermost first;
    /// the last step is the flagged instruction (the only one when the function is an entry
    /// point or no entry point reaches it).
    pub trail: Vec<TrailStep>,
    /// Source position of the flagged instruction, when the module has DWARF line info.
    pub source: Option<SourceLocation>,
    /// A few instructions around the flagged one, `(offset, text)` in body order, the flagged
    /// one included.
    pub disassembly: Vec<(u32, String)>,
    /// The SMT verdict, when the scan ran the checks.
    pub smt: Option<SmtVerdict>,
}

impl ReportedFinding {
    /// Where the finding is best shown to a user: the flagged instruction when its function is
    /// the module's own code, else the call out of the outermost non-library function on the
    /// trail (the user's code that leads into the library), else the flagged instruction.
    pub fn primary_step(&self) -> Option<&TrailStep> {
        let sink = self.trail.last()?;
        if !sink.in_library() {
            return Some(sink);
        }
        self.trail.iter().find(|s| !s.in_library()).or(Some(sink))
    }
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
    pub(crate) fn error(path: String, sha256: String, message: String) -> FileReport {
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

/// Detectors shared with analysis threads that may outlive the call that started them.
type SharedDetectors = Arc<[Box<dyn Detector>]>;

/// The detectors an analysis runs.
#[derive(Clone, Copy)]
enum DetectorSet<'a> {
    /// Owned: the analysis may run on its own thread, under the time limit.
    Shared(&'a SharedDetectors),
    /// Borrowed from the caller: the analysis must end before the call returns, so it runs on
    /// the calling thread without the time limit.
    Borrowed(&'a [Box<dyn Detector>]),
}

impl DetectorSet<'_> {
    fn as_slice(&self) -> &[Box<dyn Detector>] {
        match self {
            DetectorSet::Shared(s) => s,
            DetectorSet::Borrowed(s) => s,
        }
    }
}

/// Owned copies of `detectors` taken from the registry, in the same order; `None` when one of
/// them is not a registry detector (a test's own), which then cannot leave the caller's thread.
/// A detector is identified by its `META`, the single declaration of a detector.
fn owned_from_registry(detectors: &[Box<dyn Detector>]) -> Option<SharedDetectors> {
    let mut registry: Vec<Option<Box<dyn Detector>>> =
        wasmaudit_detectors::registry().into_iter().map(Some).collect();
    let owned = detectors
        .iter()
        .map(|d| {
            registry
                .iter_mut()
                .find(|r| r.as_ref().is_some_and(|r| std::ptr::eq(r.meta(), d.meta())))
                .and_then(Option::take)
        })
        .collect::<Option<Vec<_>>>()?;
    Some(owned.into())
}

/// Scans every input (files, and directories recursively for `.wasm`) and returns one report per
/// file, sorted by path. Paths that do not exist or cannot be read are error reports. The batch
/// runs as [`scan_stream`] does (identical modules analyzed once).
pub fn scan_paths(paths: &[PathBuf], opts: &ScanOptions) -> Vec<FileReport> {
    let mut reports = Vec::new();
    scan_stream(Inputs::collect(paths, None), opts, &BatchOptions::default(), |e| {
        if let Event::Scanned { report, .. } = e {
            reports.push(report);
        }
    });
    reports
}

/// Scans a module held in memory with the registry's detectors and says what it cost.
pub fn scan_bytes_measured(path: &str, bytes: &[u8], opts: &ScanOptions) -> (FileReport, FileStats) {
    let detectors: SharedDetectors = wasmaudit_detectors::registry().into();
    let start = std::time::Instant::now();
    let (report, peak_memory) = scan_bytes_inner(path, bytes, opts, DetectorSet::Shared(&detectors), None);
    (report, FileStats { elapsed: start.elapsed(), peak_memory, duplicate: false })
}

/// Scans a module already read (and assembled), with the peak memory of its analysis.
pub(crate) fn scan_module(
    path: &str,
    bytes: &[u8],
    opts: &ScanOptions,
    detectors: &SharedDetectors,
    lines: Option<LineTable>,
    sha256: String,
) -> (FileReport, Option<u64>) {
    scan_hashed(path, bytes, sha256, opts, DetectorSet::Shared(detectors), lines)
}

/// Reads and scans one file. `.wat` text files are assembled first. A file over
/// [`Limits::max_file_size`] is refused before it is read.
pub fn scan_file(path: &Path, opts: &ScanOptions, detectors: &[Box<dyn Detector>]) -> FileReport {
    match owned_from_registry(detectors) {
        Some(owned) => scan_file_with(path, opts, DetectorSet::Shared(&owned)),
        None => scan_file_with(path, opts, DetectorSet::Borrowed(detectors)),
    }
}

fn scan_file_with(path: &Path, opts: &ScanOptions, detectors: DetectorSet<'_>) -> FileReport {
    let display = path.display().to_string();
    let bytes = match read_bounded(path, opts.limits.max_file_size) {
        Ok(b) => b,
        Err(e) => return FileReport::error(display, String::new(), e),
    };
    if path.extension().is_some_and(|e| e == "wat") {
        // The text assembler is not ours: contain a panic in it like one in the analysis.
        return match isolate::run_inline(|| wat::parse_bytes(&bytes).map(|w| w.into_owned())) {
            Ok(Ok(wasm)) => {
                let lines = wat_lines(path, &bytes, &wasm);
                scan_bytes_inner(&display, &wasm, opts, detectors, lines).0
            }
            Ok(Err(e)) => FileReport::error(display, sha256_hex(&bytes), format!("invalid WAT: {e}")),
            Err(i) => FileReport::error(display, sha256_hex(&bytes), i.message()),
        };
    }
    scan_bytes_with(&display, &bytes, opts, detectors)
}

/// Line table from a `.wat` file into its own text: the text is assembled a second time with
/// DWARF line info, which is used only when its functions sit at the same offsets as in the
/// plain assembly that is analyzed (DWARF sections come after the code), so findings and hashes
/// are those of the plain module.
pub(crate) fn wat_lines(path: &Path, text: &[u8], plain: &[u8]) -> Option<LineTable> {
    let assembled = isolate::run_inline(|| {
        wat::Parser::new()
            .generate_dwarf(wat::GenerateDwarf::Lines)
            .parse_bytes(Some(path), text)
            .map(|w| w.into_owned())
    });
    let with_dwarf = assembled.ok()?.ok()?;
    let b = wasmaudit_front::parse_with_limits(&with_dwarf, &Limits::default()).ok()?;
    // The same bytes up to the end of the last function body: every function at the same
    // offsets (the plain module is parsed once, by the analysis).
    let end = b.functions.iter().map(|f| f.body_range.end).max().unwrap_or(0);
    let same_code = plain.get(..end).is_some_and(|p| Some(p) == with_dwarf.get(..end));
    same_code.then(|| LineTable::of(&b))
}

/// Reads at most `max` bytes of `path`: the size is checked from the metadata before reading,
/// and the read itself is capped for files that grow meanwhile or report no size (pipes,
/// devices).
pub(crate) fn read_bounded(path: &Path, max: usize) -> Result<Vec<u8>, String> {
    let over = |size: u64| format!("file is {size} bytes, over the limit of {max} bytes");
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read file: {e}"))?;
    let max = max as u64;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size > max {
        return Err(over(size));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(max.saturating_add(1)).read_to_end(&mut bytes).map_err(|e| format!("cannot read file: {e}"))?;
    if bytes.len() as u64 > max {
        return Err(format!("file is over the limit of {max} bytes"));
    }
    Ok(bytes)
}

/// Scans a module held in memory.
///
/// With [`ScanOptions::timeout_per_file`] set, the analysis runs on a thread of its own and is
/// abandoned at the limit; that needs owned detectors, so `detectors` are matched to the
/// registry's. Detectors that are not in the registry run on the calling thread with no time
/// limit (panics are still contained).
pub fn scan_bytes(
    path: &str,
    bytes: &[u8],
    opts: &ScanOptions,
    detectors: &[Box<dyn Detector>],
) -> FileReport {
    match owned_from_registry(detectors) {
        Some(owned) => scan_bytes_with(path, bytes, opts, DetectorSet::Shared(&owned)),
        None => scan_bytes_with(path, bytes, opts, DetectorSet::Borrowed(detectors)),
    }
}

fn scan_bytes_with(path: &str, bytes: &[u8], opts: &ScanOptions, detectors: DetectorSet<'_>) -> FileReport {
    scan_bytes_inner(path, bytes, opts, detectors, None).0
}

/// [`scan_bytes_with`], with the source lines given (a `.wat` input's) instead of read from the
/// module's DWARF, and the peak memory of the analysis when counted.
fn scan_bytes_inner(
    path: &str,
    bytes: &[u8],
    opts: &ScanOptions,
    detectors: DetectorSet<'_>,
    lines: Option<LineTable>,
) -> (FileReport, Option<u64>) {
    scan_hashed(path, bytes, sha256_hex(bytes), opts, detectors, lines)
}

/// [`scan_bytes_inner`] for a module whose hash the caller already has.
fn scan_hashed(
    path: &str,
    bytes: &[u8],
    sha256: String,
    opts: &ScanOptions,
    detectors: DetectorSet<'_>,
    lines: Option<LineTable>,
) -> (FileReport, Option<u64>) {
    let limits = opts.limits;
    let budget = opts.max_memory_per_file;
    let smt = opts.smt.clone();
    let outcome = match (opts.timeout_per_file, detectors) {
        (Some(limit), DetectorSet::Shared(shared)) => {
            let shared = Arc::clone(shared);
            let owned = bytes.to_vec();
            // The SMT checks end by four fifths of the file's limit, leaving the rest to rendering
            // the findings: a slow solver never turns a file into an error.
            let smt = smt.map(|o| SmtOptions { module_budget: o.module_budget.min(limit * 4 / 5), ..o });
            isolate::run_with_time_limit(limit, move || {
                let started = std::time::Instant::now();
                let job = Job { budget, lines, smt: smt.as_ref(), deadline: Some(started + limit * 4 / 5) };
                analyze_metered(&owned, &limits, &shared, job)
            })
        }
        _ => isolate::run_inline(|| {
            let job = Job { budget, lines, smt: smt.as_ref(), deadline: None };
            analyze_metered(bytes, &limits, detectors.as_slice(), job)
        }),
    };
    let (outcome, peak) = match outcome {
        Ok((r, peak)) => (Ok(r), peak),
        Err(e) => (Err(e), None),
    };
    let report = match outcome {
        Ok(Ok((platform, findings))) => FileReport {
            path: path.to_string(),
            sha256,
            platform: Some(platform),
            status: Status::Ok,
            error: None,
            findings,
        },
        Ok(Err(e)) => FileReport::error(path.to_string(), sha256, e),
        Err(interrupted) => FileReport::error(path.to_string(), sha256, interrupted.message()),
    };
    (report, peak)
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

type Analysis = Result<(Platform, Vec<ReportedFinding>), String>;

/// What one file's analysis is given besides the module: its memory budget, the source lines
/// of a `.wat` input, the SMT options and the deadline the SMT checks must end by.
struct Job<'a> {
    budget: Option<u64>,
    lines: Option<LineTable>,
    smt: Option<&'a SmtOptions>,
    deadline: Option<std::time::Instant>,
}

/// [`analyze`] with its allocations counted to this file (on the calling thread) and checked
/// against `budget`; returns the peak too.
fn analyze_metered(
    bytes: &[u8],
    limits: &Limits,
    detectors: &[Box<dyn Detector>],
    job: Job<'_>,
) -> (Analysis, Option<u64>) {
    let meter = memory::FileMeter::new();
    let over = meter.over(job.budget);
    let result = analyze(bytes, limits, detectors, &over, job);
    (result, meter.peak())
}

fn analyze(
    bytes: &[u8],
    limits: &Limits,
    detectors: &[Box<dyn Detector>],
    over_budget: &dyn Fn() -> bool,
    job: Job<'_>,
) -> Analysis {
    let Job { budget, lines, smt, deadline } = job;
    let started = std::time::Instant::now();
    let check = || {
        if over_budget() {
            let mib = budget.unwrap_or(0) / (1024 * 1024);
            Err(format!("analysis exceeded the per-file memory budget of {mib} MiB"))
        } else {
            Ok(())
        }
    };
    let module = phases::time("parse", || wasmaudit_front::parse_with_limits(bytes, limits))
        .map_err(|e| e.to_string())?;
    check()?;
    graph_limits::check(&module, limits)?;
    let platform = detect_platform(&module);
    let program = phases::time("program (cfg, calls, values)", || {
        Program::build_with_budget(&module, &mut Budget::new(limits.max_analysis_steps))
    });
    check()?;
    let mut cx = phases::time("context (taint, guards)", || Context::new(&module, &program, platform));
    cx.set_stop(over_budget);
    check()?;
    let mut raw: Vec<Finding> = Vec::new();
    for d in detectors.iter().filter(|d| d.meta().applies_to(platform.as_str())) {
        phases::time(d.meta().name, || d.run(&cx, &mut raw));
        check()?;
    }
    // Equal findings (two detectors' shared analysis, two ways to one sink) are one: removed
    // before they are checked and resolved, in the order the report uses.
    raw.sort_by(|a, b| (a.offset, a.detector.id, &a.message).cmp(&(b.offset, b.detector.id, &b.message)));
    // The way shown does not make two findings different: the first one's is kept.
    raw.dedup_by(|b, a| same_finding(a, b));
    let lines = lines.unwrap_or_else(|| LineTable::of(&module));
    let mut chains = trail::Chains::new(&program.calls);
    let verdicts = match smt {
        Some(o) => {
            let mut budget = o.module_budget;
            if o.budget_matches_analysis {
                budget = budget.min(started.elapsed().max(wasmaudit_smt::MIN_MODULE_BUDGET));
            }
            if let Some(d) = deadline {
                budget = budget.min(d.saturating_duration_since(std::time::Instant::now()));
            }
            let o = SmtOptions { module_budget: budget, ..o.clone() };
            wasmaudit_smt::check(&cx, &raw, &o).into_iter().map(Some).collect()
        }
        None => vec![None; raw.len()],
    };
    let keep_refuted = smt.is_some_and(|o| o.keep_refuted);
    let findings: Vec<ReportedFinding> = raw
        .into_iter()
        .zip(verdicts)
        .filter(|(_, v)| keep_refuted || v.as_ref().is_none_or(|v| v.verdict != Verdict::Refuted))
        .map(|(f, v)| ReportedFinding {
            smt: v,
            ..phases::time("report", || resolve(&module, &lines, &mut chains, f))
        })
        .collect();
    Ok((platform, findings))
}

/// Whether two findings say the same thing at the same place, whichever way each shows.
fn same_finding(a: &Finding, b: &Finding) -> bool {
    a.detector == b.detector
        && (a.function, a.instr, a.offset) == (b.function, b.instr, b.offset)
        && a.message == b.message
        && (a.confidence, a.impact) == (b.confidence, b.impact)
}

fn resolve(
    module: &Module,
    lines: &LineTable,
    chains: &mut trail::Chains<'_>,
    f: Finding,
) -> ReportedFinding {
    let body = module.function(f.function).map(|x| x.body.as_slice()).unwrap_or(&[]);
    let instruction = body.get(f.instr).map(|i| instruction_text(module, &i.op)).unwrap_or_default();
    let next = body.get(f.instr + 1).map(|i| i.offset);
    let length = next.map(|n| n.saturating_sub(f.offset)).unwrap_or(1).max(1);
    let source_at = |offset: u32| {
        lines.lookup(offset).map(|p| SourceLocation { file: p.file, line: p.line, column: p.column })
    };
    let step = |function: u32, instr: usize, offset: u32| TrailStep {
        function_index: function,
        function: demangle(&module.func_name(function)),
        instr_index: instr,
        offset,
        source: source_at(offset),
    };
    // The way the detector found at fault, else the shortest chain from an entry point.
    let way: &[(u32, usize)] = if f.way.is_empty() { chains.to(f.function) } else { &f.way };
    let mut trail: Vec<TrailStep> = way
        .iter()
        .map(|&(caller, instr)| {
            let offset = module.function(caller).and_then(|c| c.body.get(instr)).map_or(0, |i| i.offset);
            step(caller, instr, offset)
        })
        .collect();
    trail.push(step(f.function, f.instr, f.offset));
    let raw_name = module.func_name(f.function);
    let window = f.instr.saturating_sub(DISASSEMBLY_BEFORE)..f.instr.saturating_add(DISASSEMBLY_AFTER + 1);
    let disassembly = body
        .iter()
        .enumerate()
        .skip(window.start)
        .take(window.len())
        .map(|(_, i)| (i.offset, instruction_text(module, &i.op)))
        .collect();
    ReportedFinding {
        detector: f.detector,
        function: demangle(&raw_name),
        function_raw: raw_name,
        function_index: f.function,
        instr_index: f.instr,
        offset: f.offset,
        length,
        instruction,
        message: f.message,
        confidence: f.confidence,
        impact: f.impact,
        source: source_at(f.offset),
        trail,
        disassembly,
        smt: None,
    }
}

/// Instructions shown before and after the flagged one in [`ReportedFinding::disassembly`].
const DISASSEMBLY_BEFORE: usize = 3;
const DISASSEMBLY_AFTER: usize = 2;

/// The instruction in WAT syntax, with direct callees by name (`call $seal_terminate`).
fn instruction_text(module: &Module, op: &Op) -> String {
    match op {
        Op::Call(c) => format!("call ${}", demangle(&module.func_name(*c))),
        Op::ReturnCall(c) => format!("return_call ${}", demangle(&module.func_name(*c))),
        other => other.to_string(),
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
