//! The batch summary: one row per file (status, platform, findings per class, time, peak
//! memory), printed as a table per platform × class, and written with `--summary FILE` as CSV or
//! JSON (by the file's extension).

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;
use wasmaudit_detect::Impact;
use wasmaudit_engine::{FileReport, FileStats, Status};

/// What the summary and the exit code need of one file, from a fresh report or from a line of
/// the JSON Lines report being resumed.
#[derive(Debug, Clone)]
pub struct FileRow {
    pub path: String,
    pub sha256: String,
    pub error: bool,
    pub platform: Option<String>,
    /// Findings per class.
    pub classes: BTreeMap<String, usize>,
    /// The highest impact among the findings.
    pub max_impact: Option<Impact>,
    /// `None` for a file taken over from a resumed run.
    pub elapsed: Option<Duration>,
    pub peak_memory: Option<u64>,
    pub duplicate: bool,
    pub resumed: bool,
}

impl FileRow {
    pub fn from_report(r: &FileReport, stats: &FileStats) -> FileRow {
        let mut classes = BTreeMap::new();
        for f in &r.findings {
            *classes.entry(f.detector.class.as_str().to_string()).or_insert(0) += 1;
        }
        FileRow {
            path: r.path.clone(),
            sha256: r.sha256.clone(),
            error: r.status == Status::Error,
            platform: r.platform.map(|p| p.as_str().to_string()),
            classes,
            max_impact: r.findings.iter().map(|f| f.impact).max(),
            elapsed: Some(stats.elapsed),
            peak_memory: stats.peak_memory,
            duplicate: stats.duplicate,
            resumed: false,
        }
    }

    /// A file of the JSON report shape (a JSON Lines line).
    pub fn from_json(v: &Value) -> FileRow {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        let findings = v.get("findings").and_then(Value::as_array).cloned().unwrap_or_default();
        let mut classes = BTreeMap::new();
        for f in &findings {
            if let Some(c) = f.get("class").and_then(Value::as_str) {
                *classes.entry(c.to_string()).or_insert(0) += 1;
            }
        }
        FileRow {
            path: s("path").unwrap_or_default(),
            sha256: s("sha256").unwrap_or_default(),
            error: s("status").as_deref() != Some("ok"),
            platform: s("platform"),
            classes,
            max_impact: findings
                .iter()
                .filter_map(|f| f.get("impact").and_then(Value::as_str))
                .filter_map(|s| s.parse::<Impact>().ok())
                .max(),
            elapsed: None,
            peak_memory: None,
            duplicate: false,
            resumed: true,
        }
    }

    fn status(&self) -> &'static str {
        if self.error {
            "error"
        } else {
            "ok"
        }
    }
}

/// The table printed after a batch: findings per class (rows) and platform (columns), with
/// files and errors per platform, totals, and the time.
/// The classes reported in any of `rows`, sorted.
fn class_names(rows: &[FileRow]) -> Vec<String> {
    let set: std::collections::BTreeSet<&String> = rows.iter().flat_map(|r| r.classes.keys()).collect();
    set.into_iter().cloned().collect()
}

pub fn table(rows: &[FileRow], wall: Duration) -> String {
    let classes = class_names(rows);
    #[derive(Default, Clone)]
    struct Column {
        files: usize,
        errors: usize,
        per_class: BTreeMap<String, usize>,
    }
    let mut columns: BTreeMap<String, Column> = BTreeMap::new();
    for r in rows {
        let key = r.platform.clone().unwrap_or_else(|| "(error)".to_string());
        let c = columns.entry(key).or_default();
        c.files += 1;
        c.errors += usize::from(r.error);
        for (class, n) in &r.classes {
            *c.per_class.entry(class.clone()).or_insert(0) += n;
        }
    }
    let mut total = Column::default();
    for c in columns.values() {
        total.files += c.files;
        total.errors += c.errors;
        for (class, n) in &c.per_class {
            *total.per_class.entry(class.clone()).or_insert(0) += n;
        }
    }
    let mut cols: Vec<(String, Column)> = columns.into_iter().collect();
    cols.push(("total".to_string(), total.clone()));
    let mut grid: Vec<Vec<String>> = Vec::new();
    let mut header = vec!["class".to_string()];
    header.extend(cols.iter().map(|(p, _)| p.clone()));
    grid.push(header);
    let line = |name: &str, f: &dyn Fn(&Column) -> usize| {
        let mut r = vec![name.to_string()];
        r.extend(cols.iter().map(|(_, c)| f(c).to_string()));
        r
    };
    grid.push(line("files", &|c| c.files));
    grid.push(line("errors", &|c| c.errors));
    for class in &classes {
        grid.push(line(class, &|c| c.per_class.get(class).copied().unwrap_or(0)));
    }
    grid.push(line("findings", &|c| c.per_class.values().sum()));
    let widths: Vec<usize> =
        (0..grid[0].len()).map(|i| grid.iter().map(|r| r[i].len()).max().unwrap_or(0)).collect();
    let rule = "-".repeat(widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1));
    let mut out = String::new();
    for (n, r) in grid.iter().enumerate() {
        if n == 1 || n == 3 || n + 1 == grid.len() {
            out.push_str(&rule);
            out.push('\n');
        }
        let cells: Vec<String> =
            r.iter()
                .enumerate()
                .map(|(i, c)| {
                    if i == 0 {
                        format!("{c:<w$}", w = widths[i])
                    } else {
                        format!("{c:>w$}", w = widths[i])
                    }
                })
                .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    let scanned = rows.iter().filter(|r| !r.resumed && !r.duplicate).count();
    let duplicates = rows.iter().filter(|r| r.duplicate).count();
    let resumed = rows.iter().filter(|r| r.resumed).count();
    out.push_str(&format!(
        "{} files ({scanned} analyzed, {duplicates} duplicates of another, {resumed} resumed), {} with errors, {:.1} s\n",
        rows.len(),
        total.errors,
        wall.as_secs_f64()
    ));
    out
}

/// Writes the per-file summary to `path`: JSON when it ends in `.json`, CSV otherwise.
pub fn write(path: &Path, rows: &[FileRow]) -> Result<(), String> {
    let classes = class_names(rows);
    let text = if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
        let files: Vec<Value> = rows
            .iter()
            .map(|r| {
                json!({
                    "path": r.path,
                    "sha256": r.sha256,
                    "status": r.status(),
                    "platform": r.platform,
                    "findings": r.classes,
                    "time_ms": r.elapsed.map(|d| (d.as_secs_f64() * 1e6).round() / 1e3),
                    "peak_memory_bytes": r.peak_memory,
                    "duplicate": r.duplicate,
                    "resumed": r.resumed,
                })
            })
            .collect();
        let mut t = serde_json::to_string_pretty(&json!({ "files": files })).map_err(|e| e.to_string())?;
        t.push('\n');
        t
    } else {
        let mut t = String::from("path,sha256,status,platform");
        for c in &classes {
            t.push(',');
            t.push_str(c);
        }
        t.push_str(",time_ms,peak_memory_bytes,duplicate,resumed\n");
        for r in rows {
            let cells: Vec<String> = [
                csv(&r.path),
                r.sha256.clone(),
                r.status().to_string(),
                r.platform.clone().unwrap_or_default(),
            ]
            .into_iter()
            .chain(classes.iter().map(|c| r.classes.get(c).copied().unwrap_or(0).to_string()))
            .chain([
                r.elapsed.map(|d| format!("{:.3}", d.as_secs_f64() * 1e3)).unwrap_or_default(),
                r.peak_memory.map(|p| p.to_string()).unwrap_or_default(),
                r.duplicate.to_string(),
                r.resumed.to_string(),
            ])
            .collect();
            t.push_str(&cells.join(","));
            t.push('\n');
        }
        t
    };
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn csv(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
