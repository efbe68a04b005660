use crate::{fingerprint, TOOL_NAME, TOOL_VERSION};
use serde_json::{json, Value};
use wasmaudit_engine::{FileReport, ReportedFinding, SourceLocation};

fn source(s: &SourceLocation) -> Value {
    json!({ "file": s.file, "line": s.line, "column": s.column })
}

/// The JSON report. Its shape is a contract: fields may be added, never renamed.
///
/// `{"version":1,"tool":{"name","version"},"files":[{"path","sha256","platform","status","error",
/// "findings":[{"id","name","class","impact","confidence","function","function_index","offset","message",...}]}]}`
///
/// Added since: `function_raw` (the symbol as stored; `function` is demangled), `source`
/// (`{"file","line","column"}` from DWARF, or null) and `trail` (the call chain from an entry
/// point, each `{"function","function_index","instruction_index","offset","source"}`); with
/// `--smt`, `"smt":{"verdict","model","reason","time_ms"}` in each finding.
pub fn to_json(reports: &[FileReport]) -> String {
    let files: Vec<Value> = reports.iter().map(file_value).collect();
    let doc = json!({
        "version": 1,
        "tool": { "name": TOOL_NAME, "version": TOOL_VERSION },
        "files": files,
    });
    // serde_json's map keeps keys sorted (no preserve_order feature), so output is stable.
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}

/// One line of the JSON Lines report (`--format jsonl`): the object `to_json` puts in `files`
/// for this file, on one line, keys sorted, ending in a newline.
pub fn to_jsonl_line(report: &FileReport) -> String {
    let mut out = serde_json::to_string(&file_value(report)).unwrap_or_default();
    out.push('\n');
    out
}

/// The JSON object of one finding (the entries of a file's `findings`).
pub(crate) fn finding_value(f: &ReportedFinding) -> Value {
    let mut finding = json!({
        "id": f.detector.id,
        "name": f.detector.name,
        "class": f.detector.class.as_str(),
        "impact": f.impact.as_str(),
        "confidence": f.confidence.as_str(),
        "function": f.function,
        "function_index": f.function_index,
        "offset": f.offset,
        "message": f.message,
        "instruction": f.instruction,
        "instruction_index": f.instr_index,
        "fingerprint": fingerprint(f),
        "function_raw": f.function_raw,
        "source": f.source.as_ref().map(source),
        "trail": f.trail.iter().map(|t| json!({
            "function": t.function,
            "function_index": t.function_index,
            "instruction_index": t.instr_index,
            "offset": t.offset,
            "source": t.source.as_ref().map(source),
        })).collect::<Vec<_>>(),
    });
    // Only when the scan ran the SMT checks: reports without them keep their shape.
    if let (Some(v), Some(map)) = (&f.smt, finding.as_object_mut()) {
        map.insert("smt".to_string(), crate::smt_json(v));
    }
    finding
}

/// The JSON object of one file.
fn file_value(r: &FileReport) -> Value {
    let findings: Vec<Value> = r.findings.iter().map(finding_value).collect();
    json!({
        "path": r.path,
        "sha256": r.sha256,
        "platform": r.platform.map(|p| p.as_str()),
        "status": r.status.as_str(),
        "error": r.error,
        "findings": findings,
    })
}
