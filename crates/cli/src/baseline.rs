//! Baselines: how a team adopts the scanner on existing code. `--write-baseline FILE` stores the
//! fingerprints of today's findings; `--baseline FILE` reports only findings not in it.
//!
//! A finding is known when the baseline holds its fingerprint for the same file. Fingerprints
//! are the rule, the function's identity and the instruction's position within the function
//! (`wasmaudit_report::fingerprint`), never a raw byte offset, so a rebuild that moves code
//! keeps them. Paths are stored relative to the baseline file's directory when the file lies
//! below it, so the baseline does not depend on the directory the scan ran from.

use crate::config::absolute;
use crate::filter::relative_to;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use wasmaudit_engine::FileReport;

/// The fingerprints of a baseline, by file.
#[derive(Debug, Default)]
pub struct Baseline {
    entries: BTreeSet<(String, String)>,
    /// Paths in the baseline are relative to this directory.
    dir: PathBuf,
}

fn base_dir(file: &Path) -> PathBuf {
    absolute(file).parent().map(Path::to_path_buf).unwrap_or_default()
}

impl Baseline {
    pub fn read(file: &Path) -> Result<Baseline, String> {
        let context = |e: String| format!("invalid baseline {}: {e}", file.display());
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read baseline {}: {e}", file.display()))?;
        let doc: Value = serde_json::from_str(&text).map_err(|e| context(e.to_string()))?;
        let findings = doc["findings"].as_array().ok_or_else(|| context("no \"findings\" array".into()))?;
        let mut entries = BTreeSet::new();
        for (i, f) in findings.iter().enumerate() {
            let field = |k: &str| {
                f[k].as_str()
                    .map(String::from)
                    .ok_or_else(|| context(format!("findings[{i}] has no string \"{k}\"")))
            };
            entries.insert((field("path")?, field("fingerprint")?));
        }
        Ok(Baseline { entries, dir: base_dir(file) })
    }

    /// Drops the findings the baseline holds; returns how many were dropped.
    pub fn apply(&self, reports: &mut [FileReport]) -> usize {
        let mut dropped = 0;
        for r in reports.iter_mut() {
            let path = relative_to(&self.dir, &r.path);
            let before = r.findings.len();
            r.findings.retain(|f| !self.entries.contains(&(path.clone(), wasmaudit_report::fingerprint(f))));
            dropped += before - r.findings.len();
        }
        dropped
    }
}

/// The baseline of `reports`: sorted, one entry per finding, with the id, function and message
/// beside each fingerprint for a reader reviewing what the baseline accepts.
pub fn render(reports: &[FileReport], file: &Path) -> String {
    let dir = base_dir(file);
    let mut entries: Vec<Value> = reports
        .iter()
        .flat_map(|r| {
            let path = relative_to(&dir, &r.path);
            r.findings.iter().map(move |f| {
                json!({
                    "path": path,
                    "fingerprint": wasmaudit_report::fingerprint(f),
                    "id": f.detector.id,
                    "name": f.detector.name,
                    "function": f.function,
                    "message": f.message,
                })
            })
        })
        .collect();
    entries.sort_by(|a, b| {
        let key = |v: &Value| (v["path"].to_string(), v["fingerprint"].to_string(), v["message"].to_string());
        key(a).cmp(&key(b))
    });
    entries.dedup();
    let doc = json!({ "version": 1, "tool": wasmaudit_report::TOOL_NAME, "findings": entries });
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}
