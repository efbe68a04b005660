use clap::{Args, ValueEnum};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use wasmaudit_detect::Impact;
use wasmaudit_engine::{FileReport, ScanOptions, Status, DEFAULT_TIMEOUT_PER_FILE};
use wasmaudit_front::Limits;

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    Info,
    None,
}

impl FailOn {
    fn threshold(self) -> Option<Impact> {
        match self {
            FailOn::Critical => Some(Impact::Critical),
            FailOn::High => Some(Impact::High),
            FailOn::Medium => Some(Impact::Medium),
            FailOn::Low => Some(Impact::Low),
            FailOn::Info => Some(Impact::Info),
            FailOn::None => None,
        }
    }
}

#[derive(Args)]
pub struct ScanArgs {
    /// Files or directories (scanned recursively for .wasm; .wat files may be named directly).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Exit with 1 when a finding has at least this impact.
    #[arg(long, value_enum, default_value = "high")]
    fail_on: FailOn,
    /// SARIF: files under this directory get URIs relative to `%SRCROOT%` (default: the git
    /// repository around the current directory, else the current directory).
    #[arg(long, value_name = "DIR")]
    source_root: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, short)]
    jobs: Option<usize>,
    /// Wall-clock limit on one file's analysis, in seconds; past it the file is an error and the
    /// batch goes on. 0 disables the limit.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_TIMEOUT_PER_FILE.as_secs())]
    timeout_per_file: u64,
    /// Largest file accepted, in bytes; bigger files are refused before they are read.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::DEFAULT_MAX_FILE_SIZE)]
    max_file_size: usize,
    /// Most functions (imported and defined) in one module.
    #[arg(long, value_name = "N", default_value_t = Limits::DEFAULT_MAX_FUNCTIONS)]
    max_functions: usize,
    /// Most instructions in one function body.
    #[arg(long, value_name = "N", default_value_t = Limits::DEFAULT_MAX_BODY_INSTRUCTIONS)]
    max_body_instructions: usize,
    /// Most basic blocks in the control-flow graphs of one module, all functions together.
    #[arg(long, value_name = "N", default_value_t = Limits::DEFAULT_MAX_CFG_BLOCKS)]
    max_cfg_blocks: usize,
    /// Data-flow steps per module; an analysis that runs out stops with a coarser result.
    #[arg(long, value_name = "N", default_value_t = Limits::DEFAULT_MAX_ANALYSIS_STEPS)]
    max_analysis_steps: u64,
}

impl ScanArgs {
    fn options(&self) -> ScanOptions {
        ScanOptions {
            limits: Limits {
                max_file_size: self.max_file_size,
                max_functions: self.max_functions,
                max_body_instructions: self.max_body_instructions,
                max_cfg_blocks: self.max_cfg_blocks,
                max_analysis_steps: self.max_analysis_steps,
                ..Limits::default()
            },
            jobs: self.jobs,
            timeout_per_file: (self.timeout_per_file > 0).then(|| Duration::from_secs(self.timeout_per_file)),
        }
    }
}

pub fn run(args: &ScanArgs) -> ExitCode {
    let opts = args.options();
    let reports = wasmaudit_engine::scan_paths(&args.paths, &opts);
    let rendered = match args.format {
        Format::Text => wasmaudit_report::to_text_with_sources(&reports, &source_texts(&reports)),
        Format::Json => wasmaudit_report::to_json(&reports),
        Format::Sarif => {
            let registry = wasmaudit_detectors::registry();
            let rules: Vec<_> = registry.iter().map(|d| d.meta()).collect();
            let mut sarif = wasmaudit_report::SarifOptions::from_current_dir();
            if let Some(root) = &args.source_root {
                sarif.source_root = sarif.working_dir.join(root);
            }
            wasmaudit_report::to_sarif_with(&reports, &rules, &sarif)
        }
    };
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, rendered) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return ExitCode::from(crate::EXIT_ERROR);
            }
        }
        None => print!("{rendered}"),
    }
    exit_code(&reports, args.fail_on)
}

/// Largest source file read to show a finding's source line.
const MAX_SOURCE_FILE: u64 = 4 << 20;

/// The text of the source files findings name (DWARF paths, relative ones taken from the current
/// directory) that can be read; the others are named without their line.
fn source_texts(reports: &[FileReport]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for s in reports.iter().flat_map(|r| &r.findings).filter_map(|f| f.source.as_ref()) {
        if out.contains_key(&s.file) {
            continue;
        }
        let small = std::fs::metadata(&s.file).is_ok_and(|m| m.is_file() && m.len() <= MAX_SOURCE_FILE);
        if let Some(text) = small.then(|| std::fs::read_to_string(&s.file).ok()).flatten() {
            out.insert(s.file.clone(), text);
        }
    }
    out
}

fn exit_code(reports: &[FileReport], fail_on: FailOn) -> ExitCode {
    if reports.iter().any(|r| r.status == Status::Error) {
        return ExitCode::from(crate::EXIT_ERROR);
    }
    let failing =
        fail_on.threshold().is_some_and(|t| reports.iter().flat_map(|r| &r.findings).any(|f| f.impact >= t));
    if failing {
        ExitCode::from(crate::EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    }
}
