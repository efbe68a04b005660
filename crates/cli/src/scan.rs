use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use wasmaudit_detect::Impact;
use wasmaudit_engine::{
    FileReport, ScanOptions, Status, DEFAULT_MAX_MEMORY_PER_FILE, DEFAULT_TIMEOUT_PER_FILE,
};
use wasmaudit_front::Limits;

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
    /// JSON Lines: one JSON object per file (the JSON report's `files` entries), written as
    /// each file finishes.
    Jsonl,
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
    /// Heap one file's analysis may hold, in MiB; past it the file is an error and the batch
    /// goes on. 0 disables the budget.
    #[arg(long, value_name = "MIB", default_value_t = DEFAULT_MAX_MEMORY_PER_FILE / (1024 * 1024))]
    max_memory_per_file: u64,
    /// Scan only shard K of N (1-based): a deterministic share of the inputs by path hash.
    #[arg(long, value_name = "K/N", value_parser = wasmaudit_engine::Shard::parse)]
    shard: Option<wasmaudit_engine::Shard>,
    /// Skip the files this JSON Lines report already has (same path and SHA-256) and copy its
    /// lines into the new report; needs `--format jsonl`. A missing file starts afresh.
    #[arg(long, value_name = "FILE")]
    resume: Option<PathBuf>,
    /// Write a per-file summary (status, platform, findings per class, time, peak memory):
    /// JSON if FILE ends in .json, CSV otherwise.
    #[arg(long, value_name = "FILE")]
    summary: Option<PathBuf>,
    /// No progress bar and no summary table on standard error.
    #[arg(long, short)]
    quiet: bool,
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
            max_memory_per_file: (self.max_memory_per_file > 0)
                .then(|| self.max_memory_per_file.saturating_mul(1024 * 1024)),
        }
    }
}

pub fn run(args: &ScanArgs) -> ExitCode {
    let opts = args.options();
    let jsonl = matches!(args.format, Format::Jsonl);
    if args.resume.is_some() && !jsonl {
        eprintln!("error: --resume needs --format jsonl");
        return ExitCode::from(crate::EXIT_ERROR);
    }
    let batch = crate::stream::Batch {
        jsonl,
        output: args.output.as_deref(),
        resume: args.resume.as_deref(),
        shard: args.shard,
        quiet: args.quiet,
    };
    let outcome = match crate::stream::scan(&args.paths, &opts, &batch) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(crate::EXIT_ERROR);
        }
    };
    if let Some(path) = &args.summary {
        if let Err(e) = crate::summary::write(path, &outcome.rows) {
            eprintln!("error: {e}");
            return ExitCode::from(crate::EXIT_ERROR);
        }
    }
    if !args.quiet && outcome.rows.len() > 1 {
        eprint!("{}", crate::summary::table(&outcome.rows, outcome.wall));
    }
    if jsonl {
        return exit_code_rows(&outcome.rows, args.fail_on);
    }
    let reports = outcome.reports;
    let rendered = match args.format {
        Format::Jsonl => String::new(),
        Format::Text => wasmaudit_report::to_text(&reports),
        Format::Json => wasmaudit_report::to_json(&reports),
        Format::Sarif => {
            let registry = wasmaudit_detectors::registry();
            let rules: Vec<_> = registry.iter().map(|d| d.meta()).collect();
            wasmaudit_report::to_sarif(&reports, &rules)
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

/// The exit code from the summary rows (the files of a JSON Lines report, resumed ones included).
fn exit_code_rows(rows: &[crate::summary::FileRow], fail_on: FailOn) -> ExitCode {
    if rows.iter().any(|r| r.error) {
        return ExitCode::from(crate::EXIT_ERROR);
    }
    if fail_on.threshold().is_some_and(|t| rows.iter().any(|r| r.max_impact.is_some_and(|i| i >= t))) {
        ExitCode::from(crate::EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    }
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
