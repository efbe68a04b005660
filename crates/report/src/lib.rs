//! Renders scan results as text (codespan-reporting), JSON (the stable shape other tools read),
//! SARIF 2.1.0 (serde-sarif) and a self-contained HTML page for auditors; and the detector
//! reference as Markdown (`docs/detectors.md`).
//!
//! Invariant: only this crate knows output formats; every rendering is a pure function of the
//! reports and the registry, so equal inputs give byte-identical output.

mod docs;
mod html;
mod json;
mod merge;
mod sarif;
mod text;

pub use docs::detectors_markdown;
pub use html::{code_flow, report_data, to_html, FlowStep};
pub use json::{to_json, to_jsonl_line};
pub use merge::{merge_reports, parse_jsonl, report_kind, ReportKind};
pub use sarif::{to_sarif, to_sarif_with, SarifOptions};
pub use text::{to_text, to_text_with_sources};

/// Tool name and version as reported in every format.
pub const TOOL_NAME: &str = "wasmaudit";
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// A fingerprint of a finding that survives rebuilds which move code around: the rule, the
/// function's identity (its name as stored when the module has one, else its index) and the
/// instruction's position within the function — never the raw byte offset.
pub fn fingerprint(f: &wasmaudit_engine::ReportedFinding) -> String {
    let identity = format!("{}\u{0}{}\u{0}{}", f.detector.id, f.function_raw, f.instr_index);
    wasmaudit_engine::sha256_hex(identity.as_bytes())[..32].to_string()
}

/// The SMT verdict as JSON: `{"verdict","model","reason","time_ms"}` (same in JSON and SARIF).
pub(crate) fn smt_json(v: &wasmaudit_engine::SmtVerdict) -> serde_json::Value {
    serde_json::json!({
        "verdict": v.verdict.as_str(),
        "model": v.model,
        "reason": v.reason,
        "time_ms": v.time_ms,
    })
}

/// One line per witness value (`code = eosio.token`), for text and markdown.
pub(crate) fn witness_lines(v: &wasmaudit_engine::SmtVerdict) -> Vec<String> {
    v.model.iter().map(|(k, x)| format!("{k} = {x}")).collect()
}
