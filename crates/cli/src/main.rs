//! `wasmaudit`: the command-line interface. One file per subcommand; all analysis lives in the
//! library crates.

mod baseline;
mod bench;
mod config;
mod detectors;
mod explain;
mod filter;
mod merge;
mod scan;
mod stream;
mod summary;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Counts each file's heap so that the per-file memory budget (`--max-memory-per-file`) and the
/// summary's peak memory see it (see `wasmaudit_engine::memory`).
#[global_allocator]
static GLOBAL: wasmaudit_engine::memory::Allocator<mimalloc::MiMalloc> =
    wasmaudit_engine::memory::Allocator::new(mimalloc::MiMalloc);

/// Static security analyzer for WebAssembly smart contracts.
#[derive(Parser)]
#[command(name = "wasmaudit", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once per run: the size of the largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Scan .wasm files (directories recursively) and report findings.
    Scan(scan::ScanArgs),
    /// Join the reports of a sharded scan (JSON, JSON Lines or SARIF) into one.
    Merge(merge::MergeArgs),
    /// Time a scan of a folder against wasmparser validation of the same files.
    Bench(bench::BenchArgs),
    /// List the detectors: id, name, class, impact, confidence (or their docs as Markdown).
    Detectors(detectors::DetectorsArgs),
    /// Show a detector's documentation.
    Explain {
        /// Detector id (e.g. WA101) or name (e.g. unprotected-upgrade).
        detector: String,
    },
}

/// Exit codes: 0 no finding at or above --fail-on, 1 findings at or above it, 2 input or usage error.
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(EXIT_ERROR) } else { ExitCode::SUCCESS };
        }
    };
    // Files follow each other within milliseconds: keep freed pages for the next one.
    wasmaudit_engine::memory::delay_returning_pages(10_000);
    match cli.command {
        Command::Scan(args) => scan::run(&args),
        Command::Merge(args) => merge::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::Detectors(args) => detectors::run(&args),
        Command::Explain { detector } => explain::run(&detector),
    }
}
