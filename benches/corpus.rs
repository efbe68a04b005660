//! Corpus benchmark: time per contract for each pipeline stage, with and without data flow.
//!
//! `cargo bench --bench corpus [-- DIR]` (default `../shared/corpus`, `malformed/` skipped).
//! Stages are timed one file at a time on one thread, so the figures are per-contract costs:
//! - parse: validation and decoding (the parsing floor);
//! - control flow: parse + CFGs with dominators + call graph;
//! - data flow: control flow + value lifting + taint summaries + guards;
//! - full: data flow + every detector.
//!
//! Then the whole batch runs through the engine on all cores, as `wasmaudit scan` does.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use wasmaudit_detect::{Context, Finding};
use wasmaudit_flow::Program;

fn wasm_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n != "malformed") {
                wasm_files(&p, out);
            }
        } else if p.extension().is_some_and(|x| x == "wasm") {
            out.push(p);
        }
    }
}

#[derive(Default)]
struct Stage {
    name: &'static str,
    samples: Vec<Duration>,
}

impl Stage {
    fn report(&mut self) {
        self.samples.sort();
        let n = self.samples.len().max(1);
        let total: Duration = self.samples.iter().sum();
        let pct = |p: usize| self.samples.get((n * p / 100).min(n - 1)).copied().unwrap_or_default();
        println!(
            "{:<13} total {:>8.2} s   mean {:>7.2} ms   median {:>7.2} ms   p95 {:>7.2} ms   max {:>8.2} ms",
            self.name,
            total.as_secs_f64(),
            total.as_secs_f64() * 1e3 / n as f64,
            pct(50).as_secs_f64() * 1e3,
            pct(95).as_secs_f64() * 1e3,
            self.samples.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        );
    }
}

fn main() {
    let dir = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    let mut files = Vec::new();
    wasm_files(&dir, &mut files);
    files.sort();
    if files.is_empty() {
        println!("skipped: no .wasm files under {}", dir.display());
        return;
    }
    let registry = wasmaudit_detectors::registry();
    let mut stages = [
        Stage { name: "parse", ..Stage::default() },
        Stage { name: "control flow", ..Stage::default() },
        Stage { name: "data flow", ..Stage::default() },
        Stage { name: "full", ..Stage::default() },
    ];
    let mut bytes_total = 0usize;
    let mut findings = 0usize;
    for path in &files {
        let Ok(bytes) = std::fs::read(path) else { continue };
        bytes_total += bytes.len();
        let t = Instant::now();
        let Ok(module) = wasmaudit_front::parse(&bytes) else { continue };
        stages[0].samples.push(t.elapsed());

        let t = Instant::now();
        let module2 = wasmaudit_front::parse(&bytes).unwrap_or_else(|_| module.clone());
        let cf = Program::build_control_flow(&module2);
        stages[1].samples.push(t.elapsed());
        drop(cf);

        let t = Instant::now();
        let module3 = wasmaudit_front::parse(&bytes).unwrap_or_else(|_| module.clone());
        let program = Program::build(&module3);
        let platform = wasmaudit_engine::detect_platform(&module3);
        let cx = Context::new(&module3, &program, platform);
        stages[2].samples.push(t.elapsed());
        let detect_start = Instant::now();
        let mut out: Vec<Finding> = Vec::new();
        for d in registry.iter().filter(|d| d.meta().applies_to(platform.as_str())) {
            d.run(&cx, &mut out);
        }
        findings += out.len();
        let full = *stages[2].samples.last().unwrap_or(&Duration::ZERO) + detect_start.elapsed();
        stages[3].samples.push(full);
    }
    println!(
        "{} contracts, {:.1} MiB, {} findings (one thread, per-contract times):",
        files.len(),
        bytes_total as f64 / (1024.0 * 1024.0),
        findings
    );
    for s in &mut stages {
        s.report();
    }
    let t = Instant::now();
    let reports = wasmaudit_engine::scan_paths(&[dir], &wasmaudit_engine::ScanOptions::default());
    let elapsed = t.elapsed();
    println!(
        "batch scan via the engine on {} threads: {} files in {:.2} s ({:.1} files/s)",
        rayon_threads(),
        reports.len(),
        elapsed.as_secs_f64(),
        reports.len() as f64 / elapsed.as_secs_f64().max(1e-9)
    );
}

fn rayon_threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}
