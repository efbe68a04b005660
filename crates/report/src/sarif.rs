use crate::{fingerprint, TOOL_NAME, TOOL_VERSION};
use serde_sarif::sarif::{
    Artifact, ArtifactLocation, Invocation, Location, LogicalLocation, Message, MultiformatMessageString,
    Notification, PhysicalLocation, PropertyBag, Region, ReportingConfiguration, ReportingDescriptor,
    Result as SarifResult, ResultLevel, Run, Sarif, Tool, ToolComponent,
};
use std::collections::BTreeMap;
use wasmaudit_detect::{DetectorMeta, Impact};
use wasmaudit_engine::{FileReport, ReportedFinding, Status};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(impact: Impact) -> ResultLevel {
    match impact {
        Impact::Critical | Impact::High => ResultLevel::Error,
        Impact::Medium => ResultLevel::Warning,
        Impact::Low | Impact::Info => ResultLevel::Note,
    }
}

fn level_name(impact: Impact) -> &'static str {
    match level(impact) {
        ResultLevel::Error => "error",
        ResultLevel::Warning => "warning",
        ResultLevel::Note => "note",
        ResultLevel::None => "none",
    }
}

/// GitHub code scanning reads `security-severity` (0.0–10.0) to rank security alerts.
fn security_severity(impact: Impact) -> &'static str {
    match impact {
        Impact::Critical => "9.5",
        Impact::High => "8.0",
        Impact::Medium => "5.5",
        Impact::Low => "3.0",
        Impact::Info => "1.0",
    }
}

fn props(tags: Vec<String>, extra: BTreeMap<String, serde_json::Value>) -> PropertyBag {
    PropertyBag::builder().tags(tags).additional_properties(extra).build()
}

fn rule(meta: &DetectorMeta) -> ReportingDescriptor {
    let mut extra = BTreeMap::new();
    extra.insert("security-severity".to_string(), security_severity(meta.impact).into());
    extra.insert("impact".to_string(), meta.impact.as_str().into());
    extra.insert("confidence".to_string(), meta.confidence.as_str().into());
    extra.insert("standard".to_string(), meta.class.standard().into());
    let markdown = meta.markdown();
    ReportingDescriptor::builder()
        .id(meta.id)
        .name(meta.name)
        .short_description(MultiformatMessageString::builder().text(meta.summary).build())
        .full_description(MultiformatMessageString::builder().text(meta.docs.what_it_does.trim()).build())
        .help(MultiformatMessageString::builder().text(markdown.clone()).markdown(markdown).build())
        .default_configuration(
            ReportingConfiguration::builder().level(serde_json::Value::from(level_name(meta.impact))).build(),
        )
        .properties(props(vec!["security".to_string(), meta.class.as_str().to_string()], extra))
        .build()
}

/// Percent-encodes what may not appear in a URI reference; keeps `/` so paths stay readable.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.replace('\\', "/").bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn result(
    r: &FileReport,
    f: &ReportedFinding,
    rule_index: Option<usize>,
    artifact_index: usize,
) -> SarifResult {
    let region = Region::builder().byte_offset(f.offset as i64).byte_length(f.length as i64).build();
    let artifact = ArtifactLocation::builder().uri(uri(&r.path)).index(artifact_index as i64).build();
    let physical = PhysicalLocation::builder().artifact_location(artifact).region(region).build();
    let logical = LogicalLocation::builder().name(f.function.clone()).kind("function").build();
    let location = Location::builder().physical_location(physical).logical_locations(vec![logical]).build();
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert("wasmaudit/v1".to_string(), fingerprint(f));
    let mut extra = BTreeMap::new();
    extra.insert("security-severity".to_string(), security_severity(f.impact).into());
    extra.insert("class".to_string(), f.detector.class.as_str().into());
    extra.insert("function_index".to_string(), f.function_index.into());
    extra.insert("instruction".to_string(), f.instruction.clone().into());
    extra.insert("confidence".to_string(), f.confidence.as_str().into());
    extra.insert("impact".to_string(), f.impact.as_str().into());
    extra.insert("platform".to_string(), r.platform.map(|p| p.as_str()).unwrap_or("unknown").into());
    let message = match &f.smt {
        Some(v) => {
            extra.insert("smt".to_string(), crate::smt_json(v));
            let mut md = format!("{}\n\n**SMT: {}**", f.message, v.verdict);
            if let Some(r) = &v.reason {
                md.push_str(&format!(" ({r})"));
            }
            for line in crate::witness_lines(v) {
                md.push_str(&format!("\n- `{line}`"));
            }
            Message::builder().text(f.message.clone()).markdown(md).build()
        }
        None => Message::builder().text(f.message.clone()).build(),
    };
    let builder = SarifResult::builder()
        .rule_id(f.detector.id)
        .level(level(f.impact))
        .message(message)
        .locations(vec![location])
        .partial_fingerprints(fingerprints)
        .properties(props(vec![f.detector.class.as_str().to_string()], extra));
    match rule_index {
        Some(i) => builder.rule_index(i as i64).build(),
        None => builder.build(),
    }
}

/// SARIF 2.1.0 log with one run: every registered detector as a rule (sorted by id), one result
/// per finding, one artifact per file, and a tool notification per file that could not be analyzed.
pub fn to_sarif(reports: &[FileReport], rules: &[&'static DetectorMeta]) -> String {
    let mut rules: Vec<&DetectorMeta> = rules.to_vec();
    rules.sort_by_key(|m| m.id);
    rules.dedup_by_key(|m| m.id);
    let driver = ToolComponent::builder()
        .name(TOOL_NAME)
        .version(TOOL_VERSION)
        .semantic_version(TOOL_VERSION)
        .information_uri("https://github.com/wasmaudit/wasmaudit")
        .rules(rules.iter().map(|m| rule(m)).collect::<Vec<_>>())
        .build();
    let mut artifacts = Vec::new();
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for (i, r) in reports.iter().enumerate() {
        let mut hashes = BTreeMap::new();
        if !r.sha256.is_empty() {
            hashes.insert("sha-256".to_string(), r.sha256.clone());
        }
        let location = ArtifactLocation::builder().uri(uri(&r.path)).build();
        let artifact = Artifact::builder().location(location).hashes(hashes);
        artifacts.push(artifact.build());
        for f in &r.findings {
            let rule_index = rules.iter().position(|m| m.id == f.detector.id);
            results.push(result(r, f, rule_index, i));
        }
        if r.status == Status::Error {
            let location = Location::builder()
                .physical_location(
                    PhysicalLocation::builder()
                        .artifact_location(
                            ArtifactLocation::builder().uri(uri(&r.path)).index(i as i64).build(),
                        )
                        .build(),
                )
                .build();
            notifications.push(
                Notification::builder()
                    .level(serde_json::Value::from("error"))
                    .message(
                        Message::builder()
                            .text(format!("{}: {}", r.path, r.error.as_deref().unwrap_or("unknown error")))
                            .build(),
                    )
                    .locations(vec![location])
                    .build(),
            );
        }
    }
    let invocation = Invocation::builder()
        .execution_successful(notifications.is_empty())
        .tool_execution_notifications(notifications)
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .artifacts(artifacts)
        .results(results)
        .invocations(vec![invocation])
        .build();
    let log =
        Sarif::builder().schema(SCHEMA).version(serde_json::Value::from("2.1.0")).runs(vec![run]).build();
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_default();
    out.push('\n');
    out
}
