use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use wasmaudit_detect::Impact;
use wasmaudit_engine::smt::{DEFAULT_MODULE_BUDGET, DEFAULT_QUERY_TIMEOUT};
use wasmaudit_engine::{FileReport, ScanOptions, SmtOptions, Status, DEFAULT_TIMEOUT_PER_FILE};
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
    /// Check every finding with the SMT solver (z3): a verdict (confirmed with a witness,
    /// refuted, unknown with the reason); refuted findings are dropped. Needs a build with the
    /// `smt` feature.
    #[arg(long)]
    smt: bool,
    /// Solver timeout per query, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = DEFAULT_QUERY_TIMEOUT.as_millis() as u64, requires = "smt")]
    smt_timeout: u64,
    /// Wall-clock budget of the SMT checks of one module, in milliseconds; findings left when it
    /// runs out are `unknown`. Default: as long as the module's own analysis took (at least
    /// 100 ms, at most 10 s), so `--smt` about doubles a scan at most.
    #[arg(long, value_name = "MS", requires = "smt")]
    smt_budget: Option<u64>,
    /// Loop iterations the SMT encoding unrolls before havocking the loop state.
    #[arg(long, value_name = "K", default_value_t = SmtOptions::default().unroll, requires = "smt")]
    smt_unroll: u32,
    /// Call depth the SMT encoding inlines (and longest call chain from an entry point).
    #[arg(long, value_name = "N", default_value_t = SmtOptions::default().depth, requires = "smt")]
    smt_depth: u32,
    /// Keep findings the SMT checks refute (with their verdict) instead of dropping them.
    #[arg(long, requires = "smt")]
    keep_refuted: bool,
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
            smt: self.smt.then(|| SmtOptions {
                timeout_per_query: Duration::from_millis(self.smt_timeout.max(1)),
                module_budget: self.smt_budget.map_or(DEFAULT_MODULE_BUDGET, Duration::from_millis),
                budget_matches_analysis: self.smt_budget.is_none(),
                unroll: self.smt_unroll,
                depth: self.smt_depth,
                keep_refuted: self.keep_refuted,
            }),
        }
    }
}

pub fn run(args: &ScanArgs) -> ExitCode {
    if args.smt && !wasmaudit_engine::smt::available() {
        eprintln!(
            "error: --smt needs a wasmaudit built with the `smt` feature (z3): \
             cargo build --release --features smt"
        );
        return ExitCode::from(crate::EXIT_ERROR);
    }
    let opts = args.options();
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
    let failing =
        fail_on.threshold().is_some_and(|t| reports.iter().flat_map(|r| &r.findings).any(|f| f.impact >= t));
    if failing {
        ExitCode::from(crate::EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    }
}
