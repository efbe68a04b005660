use crate::{fingerprint, TOOL_NAME, TOOL_VERSION};
use serde_json::{json, Value};
use wasmaudit_engine::FileReport;

/// The JSON report. Its shape is a contract: fields may be added, never renamed.
///
/// `{"version":1,"tool":{"name","version"},"files":[{"path","sha256","platform","status","error",
/// "findings":[{"id","name","class","impact","confidence","function","function_index","offset","message",...}]}]}`
/// and, with `--smt`, `"smt":{"verdict","model","reason","time_ms"}` in each finding.
pub fn to_json(reports: &[FileReport]) -> String {
    let files: Vec<Value> = reports
        .iter()
        .map(|r| {
            let findings: Vec<Value> = r
                .findings
                .iter()
                .map(|f| {
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
                    });
                    // Only when the scan ran the SMT checks: reports without them keep their shape.
                    if let (Some(v), Some(map)) = (&f.smt, finding.as_object_mut()) {
                        map.insert("smt".to_string(), crate::smt_json(v));
                    }
                    finding
                })
                .collect();
            json!({
                "path": r.path,
                "sha256": r.sha256,
                "platform": r.platform.map(|p| p.as_str()),
                "status": r.status.as_str(),
                "error": r.error,
                "findings": findings,
            })
        })
        .collect();
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
