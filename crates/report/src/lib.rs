//! Renders scan results as text (codespan-reporting), JSON (the stable shape other tools read)
//! and SARIF 2.1.0 (serde-sarif).
//!
//! Invariant: only this crate knows output formats; every rendering is a pure function of the
//! reports and the registry, so equal inputs give byte-identical output.

mod json;
mod sarif;
mod text;

pub use json::to_json;
pub use sarif::to_sarif;
pub use text::to_text;

/// Tool name and version as reported in every format.
pub const TOOL_NAME: &str = "wasmaudit";
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// A fingerprint of a finding that survives rebuilds which move code around: the rule, the
/// function's identity (its name when the module has one, else its index) and the
/// instruction's position within the function — never the raw byte offset.
pub fn fingerprint(f: &wasmaudit_engine::ReportedFinding) -> String {
    let identity = format!("{}\u{0}{}\u{0}{}", f.detector.id, f.function, f.instr_index);
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
