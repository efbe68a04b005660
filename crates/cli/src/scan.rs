use crate::baseline::{self, Baseline};
use crate::config::{self, LimitsConfig, Loaded};
use crate::filter::{Overrides, Policy};
use clap::{Args, ValueEnum};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;
use wasmaudit_detect::{DetectorMeta, Impact};
use wasmaudit_engine::smt::{DEFAULT_MODULE_BUDGET, DEFAULT_QUERY_TIMEOUT};
use wasmaudit_engine::{
    FileReport, ScanOptions, SmtOptions, Status, DEFAULT_MAX_MEMORY_PER_FILE, DEFAULT_TIMEOUT_PER_FILE,
};
use wasmaudit_front::Limits;

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
    /// One self-contained HTML page: summary chart, sortable and filterable table, docs.
    Html,
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
    /// Exit with 1 when a finding has at least this impact [default: high, or the config's].
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// SARIF: files under this directory get URIs relative to `%SRCROOT%` (default: the git
    /// repository around the current directory, else the current directory).
    #[arg(long, value_name = "DIR")]
    source_root: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, short)]
    jobs: Option<usize>,
    /// Wall-clock limit on one file's analysis, in seconds; past it the file is an error and the
    /// batch goes on. 0 disables the limit [default: 30].
    #[arg(long, value_name = "SECONDS")]
    timeout_per_file: Option<u64>,
    /// Largest file accepted, in bytes; bigger files are refused before they are read.
    #[arg(long, value_name = "BYTES")]
    max_file_size: Option<usize>,
    /// Most functions (imported and defined) in one module.
    #[arg(long, value_name = "N")]
    max_functions: Option<usize>,
    /// Most instructions in one function body.
    #[arg(long, value_name = "N")]
    max_body_instructions: Option<usize>,
    /// Most basic blocks in the control-flow graphs of one module, all functions together.
    #[arg(long, value_name = "N")]
    max_cfg_blocks: Option<usize>,
    /// Data-flow steps per module; an analysis that runs out stops with a coarser result.
    #[arg(long, value_name = "N")]
    max_analysis_steps: Option<u64>,
    /// Config file [default: the nearest wasmaudit.toml upward from the first PATH].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Detectors to report (ids, names or classes, comma-separated); replaces the config's `select`.
    #[arg(long, value_delimiter = ',', value_name = "DETECTORS")]
    select: Option<Vec<String>>,
    /// Detectors not to report (ids, names or classes, comma-separated); replaces the config's `ignore`.
    #[arg(long, value_delimiter = ',', value_name = "DETECTORS")]
    ignore: Option<Vec<String>>,
    /// Report only findings whose fingerprint is not in this baseline (see --write-baseline).
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    baseline: Option<PathBuf>,
    /// Store the fingerprints of the findings in this file, to accept them as a baseline; the
    /// scan then exits 0 unless an input could not be analyzed.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
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
    /// Scan options: a flag wins over the config's `[limits]`, which wins over the default.
    fn options(&self, config: &LimitsConfig) -> ScanOptions {
        let d = Limits::default();
        let timeout =
            self.timeout_per_file.or(config.timeout_per_file).unwrap_or(DEFAULT_TIMEOUT_PER_FILE.as_secs());
        ScanOptions {
            limits: Limits {
                max_file_size: self.max_file_size.or(config.max_file_size).unwrap_or(d.max_file_size),
                max_functions: self.max_functions.or(config.max_functions).unwrap_or(d.max_functions),
                max_body_instructions: self
                    .max_body_instructions
                    .or(config.max_body_instructions)
                    .unwrap_or(d.max_body_instructions),
                max_cfg_blocks: self.max_cfg_blocks.or(config.max_cfg_blocks).unwrap_or(d.max_cfg_blocks),
                max_analysis_steps: self
                    .max_analysis_steps
                    .or(config.max_analysis_steps)
                    .unwrap_or(d.max_analysis_steps),
                ..d
            },
            jobs: self.jobs.or(config.jobs),
            timeout_per_file: (timeout > 0).then(|| Duration::from_secs(timeout)),
            max_memory_per_file: (self.max_memory_per_file > 0)
                .then(|| self.max_memory_per_file.saturating_mul(1024 * 1024)),
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

    /// `--fail-on`, else the config's `fail-on`, else high.
    fn fail_on(&self, loaded: &Loaded) -> Result<FailOn, String> {
        if let Some(f) = self.fail_on {
            return Ok(f);
        }
        match &loaded.config.fail_on {
            Some(s) => FailOn::from_str(s, false).map_err(|_| {
                format!("fail-on: unknown level '{s}' (critical, high, medium, low, info, none)")
            }),
            None => Ok(FailOn::High),
        }
    }
}

/// Prints a usage error (bad config, unreadable baseline) and gives exit code 2.
fn usage_error(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(crate::EXIT_ERROR)
}

/// What the config and the flags decide before a scan.
struct Plan {
    opts: ScanOptions,
    policy: Policy,
    baseline: Option<Baseline>,
    fail_on: FailOn,
}

impl ScanArgs {
    /// Reads the config (and the baseline it or `--baseline` names) and settles the scan's
    /// options, finding policy and fail-on. Errors are usage errors.
    fn plan(&self, rules: &[&DetectorMeta]) -> Result<Plan, String> {
        let loaded = config::resolve(self.config.as_deref(), &self.paths)?;
        let overrides = Overrides { select: self.select.as_deref(), ignore: self.ignore.as_deref() };
        let policy = Policy::new(&loaded, &overrides, rules)?;
        // Writing a baseline records every finding, so no baseline is read then.
        let baseline_file =
            self.baseline.clone().or_else(|| loaded.config.baseline.as_ref().map(|b| loaded.resolve(b)));
        let baseline = match baseline_file.filter(|_| self.write_baseline.is_none()) {
            Some(file) => Some(Baseline::read(&file)?),
            None => None,
        };
        // Once written to a baseline, today's findings are accepted: only input errors fail.
        let fail_on = if self.write_baseline.is_some() { FailOn::None } else { self.fail_on(&loaded)? };
        Ok(Plan { opts: self.options(&loaded.config.limits), policy, baseline, fail_on })
    }
}

impl Plan {
    /// Applies the policy and the baseline to one report (a streamed JSON Lines scan; unmatched
    /// suppressions are not noted then).
    fn filter_one(&self, report: &mut FileReport) {
        let one = std::slice::from_mut(report);
        let _ = self.policy.apply(one);
        if let Some(b) = &self.baseline {
            b.apply(one);
        }
    }

    /// Applies the policy and the baseline to the reports, then writes `--write-baseline`.
    fn filter(&self, reports: &mut [FileReport], write_baseline: Option<&Path>) -> Result<(), String> {
        for s in self.policy.apply(reports) {
            eprintln!("note: suppression of fingerprint {} ({}) matched no finding", s.fingerprint, s.reason);
        }
        if let Some(b) = &self.baseline {
            b.apply(reports);
        }
        if let Some(file) = write_baseline {
            std::fs::write(file, baseline::render(reports, file))
                .map_err(|e| format!("cannot write baseline {}: {e}", file.display()))?;
        }
        Ok(())
    }
}

pub fn run(args: &ScanArgs) -> ExitCode {
    if args.smt && !wasmaudit_engine::smt::available() {
        return usage_error(
            "--smt needs a wasmaudit built with the `smt` feature (z3): cargo build --release --features smt",
        );
    }
    let registry = wasmaudit_detectors::registry();
    let rules: Vec<_> = registry.iter().map(|d| d.meta()).collect();
    let plan = match args.plan(&rules) {
        Ok(p) => p,
        Err(e) => return usage_error(&e),
    };
    let jsonl = matches!(args.format, Format::Jsonl);
    if args.resume.is_some() && !jsonl {
        return usage_error("--resume needs --format jsonl");
    }
    if args.write_baseline.is_some() && jsonl {
        return usage_error("--write-baseline needs a whole report: use --format json, sarif, text or html");
    }
    // JSON Lines are written as files finish: the policy and the baseline apply per file then.
    let per_file = |report: &mut FileReport| plan.filter_one(report);
    let batch = crate::stream::Batch {
        jsonl,
        output: args.output.as_deref(),
        resume: args.resume.as_deref(),
        shard: args.shard,
        quiet: args.quiet,
        filter: jsonl.then_some(&per_file as &dyn Fn(&mut FileReport)),
    };
    let outcome = match crate::stream::scan(&args.paths, &plan.opts, &batch) {
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
        return exit_code_rows(&outcome.rows, plan.fail_on);
    }
    let mut reports = outcome.reports;
    if let Err(e) = plan.filter(&mut reports, args.write_baseline.as_deref()) {
        return usage_error(&e);
    }

    let rendered = match args.format {
        Format::Jsonl => String::new(),
        Format::Text => wasmaudit_report::to_text_with_sources(&reports, &source_texts(&reports)),
        Format::Json => wasmaudit_report::to_json(&reports),
        Format::Sarif => {
            let mut sarif = wasmaudit_report::SarifOptions::from_current_dir();
            if let Some(root) = &args.source_root {
                sarif.source_root = sarif.working_dir.join(root);
            }
            wasmaudit_report::to_sarif_with(&reports, &rules, &sarif)
        }
        Format::Html => wasmaudit_report::to_html(&reports, &rules),
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
    exit_code(&reports, plan.fail_on)
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
