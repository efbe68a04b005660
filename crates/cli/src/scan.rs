use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;
use wasmaudit_detect::Impact;
use wasmaudit_engine::{FileReport, ScanOptions, Status};

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
    /// Worker threads (default: all cores).
    #[arg(long, short)]
    jobs: Option<usize>,
}

pub fn run(args: &ScanArgs) -> ExitCode {
    let opts = ScanOptions { jobs: args.jobs, ..ScanOptions::default() };
    let reports = wasmaudit_engine::scan_paths(&args.paths, &opts);
    let rendered = match args.format {
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

fn exit_code(reports: &[FileReport], fail_on: FailOn) -> ExitCode {
    if reports.iter().any(|r| r.status == Status::Error) {
        return ExitCode::from(crate::EXIT_ERROR);
    }
    let failing = fail_on
        .threshold()
        .is_some_and(|t| reports.iter().flat_map(|r| &r.findings).any(|f| f.detector.impact >= t));
    if failing {
        ExitCode::from(crate::EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    }
}
