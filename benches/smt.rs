//! SMT benchmark: the batch scan of a corpus with and without `--smt`, and the verdict counts.
//!
//! `cargo bench --features smt --bench smt [-- DIR...] [--jobs N]` (default `../shared/corpus` and
//! `corpus/`; all cores). Each directory is scanned twice through the engine, as `wasmaudit scan`
//! does: once plain, once with the default SMT options and `--keep-refuted` (so refuted findings
//! are counted, not dropped). Prints wall-clock totals, the ratio, the verdict counts, the
//! reasons of the `unknown` verdicts by kind, and whether every finding got a verdict.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;
use wasmaudit_engine::{scan_paths, FileReport, ScanOptions, SmtOptions};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let jobs =
        args.iter().position(|a| a == "--jobs").and_then(|i| args.get(i + 1)).and_then(|n| n.parse().ok());
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut skip = false;
    for a in &args {
        if std::mem::take(&mut skip) {
            continue;
        }
        if a == "--jobs" {
            skip = true;
        } else if !a.starts_with('-') {
            dirs.push(PathBuf::from(a));
        }
    }
    if dirs.is_empty() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        dirs = vec![root.join("../shared/corpus"), root.join("corpus")];
    }
    for dir in dirs {
        if !dir.is_dir() {
            println!("skipped: {} not found", dir.display());
            continue;
        }
        run(&dir, jobs);
    }
}

fn run(dir: &PathBuf, jobs: Option<usize>) {
    let plain_opts = ScanOptions { jobs, ..ScanOptions::default() };
    let t = Instant::now();
    let plain = scan_paths(std::slice::from_ref(dir), &plain_opts);
    let plain_time = t.elapsed();

    let smt = SmtOptions { keep_refuted: true, ..SmtOptions::default() };
    let smt_opts = ScanOptions { jobs, smt: Some(smt), ..ScanOptions::default() };
    let t = Instant::now();
    let checked = scan_paths(std::slice::from_ref(dir), &smt_opts);
    let smt_time = t.elapsed();

    let findings = |r: &[FileReport]| r.iter().map(|f| f.findings.len()).sum::<usize>();
    let mut verdicts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut unknown: BTreeMap<String, usize> = BTreeMap::new();
    let mut missing = 0usize;
    let mut solver_ms = 0u64;
    for f in checked.iter().flat_map(|r| &r.findings) {
        match &f.smt {
            Some(v) => {
                *verdicts.entry(v.verdict.as_str()).or_default() += 1;
                solver_ms += v.time_ms;
                if v.verdict == wasmaudit_engine::Verdict::Unknown {
                    *unknown.entry(reason_kind(v.reason.as_deref().unwrap_or(""))).or_default() += 1;
                }
            }
            None => missing += 1,
        }
    }
    let errors = |r: &[FileReport]| r.iter().filter(|f| f.error.is_some()).count();
    println!("{}: {} files", dir.display(), plain.len());
    println!(
        "  plain:  {:>8.2} s, {} findings, {} files with errors",
        plain_time.as_secs_f64(),
        findings(&plain),
        errors(&plain)
    );
    println!(
        "  --smt:  {:>8.2} s, {} findings, {} files with errors (x{:.2}; solver time summed over findings {:.1} s)",
        smt_time.as_secs_f64(),
        findings(&checked),
        errors(&checked),
        smt_time.as_secs_f64() / plain_time.as_secs_f64().max(1e-9),
        solver_ms as f64 / 1e3
    );
    println!("  verdicts: {verdicts:?}; findings without a verdict: {missing}");
    for (k, n) in &unknown {
        println!("    unknown {n:>5}  {k}");
    }
}

/// The reason of an `unknown` verdict without its specifics (function names, counts).
fn reason_kind(reason: &str) -> String {
    let head = reason.split([':', '(', ';']).next().unwrap_or(reason).trim();
    let words: Vec<&str> =
        head.split_whitespace().filter(|w| !w.starts_with('$') && !w.contains('_')).collect();
    words.join(" ")
}
