//! Running a scan as a stream: files come back from the engine in path order as they finish;
//! `--format jsonl` writes each at once (a killed run keeps what it did), `--resume` takes over
//! the files a previous JSON Lines report already has, a progress bar counts on a terminal, and
//! the summary is gathered on the way.

use crate::summary::FileRow;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use wasmaudit_engine::{BatchOptions, Event, FileReport, Inputs, ScanOptions, Shard};

/// What the batch-level options ask for.
pub struct Batch<'a> {
    /// Write one JSON object per file as it finishes (to `output`, or standard output).
    pub jsonl: bool,
    pub output: Option<&'a Path>,
    pub resume: Option<&'a Path>,
    pub shard: Option<Shard>,
    /// No progress bar and no summary table.
    pub quiet: bool,
    /// Applied to each report as it arrives, before it is counted and written (the config's
    /// policy and the baseline, for JSON Lines).
    pub filter: Option<&'a dyn Fn(&mut wasmaudit_engine::FileReport)>,
}

/// The outcome of a streamed scan.
pub struct Outcome {
    /// Reports of the files scanned now (empty with `jsonl`: those were written as they came).
    pub reports: Vec<FileReport>,
    pub rows: Vec<FileRow>,
    pub wall: Duration,
}

/// Reads the JSON Lines report to resume: path → (SHA-256, the line as a value). A missing file
/// is a fresh start; a last line cut short by a kill is dropped (that file is scanned again).
fn read_resume(path: &Path) -> Result<BTreeMap<String, (String, Value)>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let lines = wasmaudit_report::parse_jsonl(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(lines
        .into_iter()
        .filter_map(|v| {
            let p = v.get("path")?.as_str()?.to_string();
            let s = v.get("sha256")?.as_str()?.to_string();
            Some((p, (s, v)))
        })
        .collect())
}

fn progress(total: usize, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} files  {per_sec}  ETA {eta}  {msg}")
    {
        bar.set_style(style);
    }
    bar
}

pub fn scan(paths: &[PathBuf], opts: &ScanOptions, batch: &Batch<'_>) -> Result<Outcome, String> {
    let start = Instant::now();
    let resumed = match batch.resume {
        Some(p) => read_resume(p)?,
        None => BTreeMap::new(),
    };
    let mut sink: Option<Box<dyn Write>> = if batch.jsonl {
        Some(match batch.output {
            Some(p) => Box::new(std::io::BufWriter::new(
                std::fs::File::create(p).map_err(|e| format!("cannot write {}: {e}", p.display()))?,
            )),
            None => Box::new(std::io::stdout().lock()),
        })
    } else {
        None
    };
    let inputs = Inputs::collect(paths, batch.shard);
    let bar = progress(inputs.len(), batch.quiet);
    let options = BatchOptions { resume: resumed.iter().map(|(p, (s, _))| (p.clone(), s.clone())).collect() };
    let mut reports = Vec::new();
    let mut rows = Vec::new();
    let mut errors = 0usize;
    let mut write_error: Option<String> = None;
    let mut emit = |line: String, sink: &mut Option<Box<dyn Write>>| {
        if let Some(w) = sink.as_mut() {
            // Flushed per file: a killed run leaves only whole lines (but perhaps the last one).
            if let Err(e) = w.write_all(line.as_bytes()).and_then(|_| w.flush()) {
                write_error.get_or_insert_with(|| format!("cannot write the report: {e}"));
            }
        }
    };
    wasmaudit_engine::scan_stream(inputs, opts, &options, |event| {
        match event {
            Event::Scanned { mut report, stats } => {
                if let Some(f) = batch.filter {
                    f(&mut report);
                }
                let row = FileRow::from_report(&report, &stats);
                errors += usize::from(row.error);
                rows.push(row);
                if batch.jsonl {
                    emit(wasmaudit_report::to_jsonl_line(&report), &mut sink);
                } else {
                    reports.push(report);
                }
            }
            Event::Resumed { path, .. } => {
                if let Some((_, v)) = resumed.get(&path) {
                    let row = FileRow::from_json(v);
                    errors += usize::from(row.error);
                    rows.push(row);
                    let mut line = serde_json::to_string(v).unwrap_or_default();
                    line.push('\n');
                    emit(line, &mut sink);
                }
            }
        }
        bar.inc(1);
        if errors > 0 {
            bar.set_message(format!("{errors} errors"));
        }
    });
    bar.finish_and_clear();
    if let Some(e) = write_error {
        return Err(e);
    }
    Ok(Outcome { reports, rows, wall: start.elapsed() })
}
