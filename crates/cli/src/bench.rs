//! `wasmaudit bench [DIR]`: how far a batch scan is from the parsing floor.
//!
//! Reads every `.wasm` under DIR (default `../shared/corpus`; folders named `malformed` are
//! skipped) into memory, then on one thread: validates each with wasmparser alone (the floor),
//! and analyzes each as `wasmaudit scan` does (no time limit, so the figures are the analysis'
//! own). Prints files, MB, contracts/s, median/p99/max time per contract, the peak memory of one
//! file's analysis and of the process, the validation time and the ratio. With `--jobs N` (N > 1)
//! it then runs the whole batch on 1 and on N workers and prints the speedup.

use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use wasmaudit_engine::{BatchOptions, Inputs, ScanOptions};

#[derive(Args)]
pub struct BenchArgs {
    /// Folder of contracts (scanned recursively for .wasm).
    #[arg(default_value = "../shared/corpus")]
    dir: PathBuf,
    /// Also time the batch on this many workers against one (the parallel speedup).
    #[arg(long, short, default_value_t = 1)]
    jobs: usize,
    /// How many of the slowest files to list.
    #[arg(long, default_value_t = 5)]
    slowest: usize,
    /// Also print where the analysis time went, by pipeline stage and detector.
    #[arg(long)]
    phases: bool,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// The process' peak resident set (VmHWM), where the OS reports it.
fn process_peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

pub fn run(args: &BenchArgs) -> ExitCode {
    // Every `.wasm` under the folder, as a scan collects them, minus the inputs VMs must reject.
    let (mut paths, _) = wasmaudit_engine::collect_inputs(std::slice::from_ref(&args.dir));
    paths.retain(|p| {
        let inside = p.strip_prefix(&args.dir).unwrap_or(p);
        !inside.components().any(|c| c.as_os_str() == "malformed")
    });
    if paths.is_empty() {
        eprintln!("error: no .wasm files under {}", args.dir.display());
        return ExitCode::from(crate::EXIT_ERROR);
    }
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for p in &paths {
        match std::fs::read(p) {
            Ok(b) => files.push((p.display().to_string(), b)),
            Err(e) => eprintln!("warning: cannot read {}: {e}", p.display()),
        }
    }
    let bytes: u64 = files.iter().map(|(_, b)| b.len() as u64).sum();

    // The floor: wasmparser's validator alone, one file at a time.
    let start = Instant::now();
    let invalid = files.iter().filter(|(_, b)| wasmaudit_front::validate(b).is_err()).count();
    let floor = start.elapsed();

    // The analysis, one file at a time on this thread, no time limit.
    if args.phases {
        wasmaudit_engine::phases::enable();
    }
    let opts = ScanOptions { jobs: Some(1), timeout_per_file: None, ..ScanOptions::default() };
    let mut times: Vec<(Duration, usize)> = Vec::with_capacity(files.len());
    let mut peak_file: (u64, usize) = (0, 0);
    let mut errors = 0usize;
    let start = Instant::now();
    for (i, (path, b)) in files.iter().enumerate() {
        let (report, stats) = wasmaudit_engine::scan_bytes_measured(path, b, &opts);
        if report.status == wasmaudit_engine::Status::Error {
            errors += 1;
        }
        times.push((stats.elapsed, i));
        if let Some(p) = stats.peak_memory.filter(|p| *p > peak_file.0) {
            peak_file = (p, i);
        }
    }
    let total = start.elapsed();
    times.sort();
    let n = times.len();
    let at = |q: f64| times.get(((n as f64 * q) as usize).min(n - 1)).map(|t| t.0).unwrap_or_default();
    let name = |i: usize| files.get(i).map(|f| f.0.as_str()).unwrap_or("");

    println!("wasmaudit bench: {}", args.dir.display());
    println!("files                {n} ({invalid} rejected by the validator, {errors} scan errors)");
    println!("size                 {:.1} MB", mb(bytes));
    println!(
        "analysis, 1 thread   {:.2} s   {:.1} contracts/s",
        total.as_secs_f64(),
        n as f64 / total.as_secs_f64()
    );
    println!(
        "per contract         median {:.1} ms   p99 {:.1} ms   max {:.1} ms ({})",
        ms(at(0.5)),
        ms(at(0.99)),
        ms(times.last().map(|t| t.0).unwrap_or_default()),
        times.last().map(|t| name(t.1)).unwrap_or("")
    );
    match wasmaudit_engine::memory::installed() {
        true => println!("peak memory, 1 file  {:.1} MB ({})", mb(peak_file.0), name(peak_file.1)),
        false => println!("peak memory, 1 file  not counted (no counting allocator)"),
    }
    if let Some(rss) = process_peak_rss() {
        println!(
            "peak memory, process {:.1} MB (resident, includes the {:.1} MB of files held)",
            mb(rss),
            mb(bytes)
        );
    }
    println!("wasmparser validate  {:.3} s", floor.as_secs_f64());
    println!(
        "ratio                {:.1}x the validation floor",
        total.as_secs_f64() / floor.as_secs_f64().max(1e-9)
    );
    println!("slowest:");
    for (t, i) in times.iter().rev().take(args.slowest) {
        println!("  {:>9.1} ms  {}", ms(*t), name(*i));
    }

    if args.phases {
        println!("phases (1 thread):");
        for (phase, d) in wasmaudit_engine::phases::totals() {
            println!("  {:>9.1} ms  {:>5.1}%  {phase}", ms(d), 100.0 * d.as_secs_f64() / total.as_secs_f64());
        }
    }

    if args.jobs > 1 {
        let batch = |jobs: usize| {
            let opts = ScanOptions { jobs: Some(jobs), ..ScanOptions::default() };
            let inputs = Inputs::collect(std::slice::from_ref(&args.dir), None);
            let start = Instant::now();
            let mut count = 0usize;
            wasmaudit_engine::scan_stream(inputs, &opts, &BatchOptions::default(), |_| count += 1);
            (start.elapsed(), count)
        };
        let (one, count) = batch(1);
        let (many, _) = batch(args.jobs);
        println!(
            "batch ({count} inputs, malformed included)  1 worker {:.2} s   {} workers {:.2} s   speedup {:.2}x",
            one.as_secs_f64(),
            args.jobs,
            many.as_secs_f64(),
            one.as_secs_f64() / many.as_secs_f64().max(1e-9)
        );
    }
    ExitCode::SUCCESS
}
