//! `wasmaudit merge`: joins the reports of the shards of one scan (JSON, JSON Lines or SARIF)
//! into one, as if one machine had scanned everything.

use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct MergeArgs {
    /// Reports of one kind (all JSON, all JSON Lines or all SARIF), e.g. one per shard.
    #[arg(required = true)]
    reports: Vec<PathBuf>,
    /// Write the merged report to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

pub fn run(args: &MergeArgs) -> ExitCode {
    let mut docs = Vec::new();
    for p in &args.reports {
        match std::fs::read_to_string(p) {
            Ok(t) => docs.push(t),
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", p.display());
                return ExitCode::from(crate::EXIT_ERROR);
            }
        }
    }
    let merged = match wasmaudit_report::merge_reports(&docs) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: cannot merge: {e}");
            return ExitCode::from(crate::EXIT_ERROR);
        }
    };
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, merged) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return ExitCode::from(crate::EXIT_ERROR);
            }
        }
        None => print!("{merged}"),
    }
    ExitCode::SUCCESS
}
