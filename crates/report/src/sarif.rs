use crate::{fingerprint, TOOL_NAME, TOOL_VERSION};
use serde_sarif::sarif::{
    Artifact, ArtifactLocation, CodeFlow, Invocation, Location, LogicalLocation, Message,
    MultiformatMessageString, Notification, PhysicalLocation, PropertyBag, Region, ReportingConfiguration,
    ReportingDescriptor, Result as SarifResult, ResultLevel, Run, Sarif, ThreadFlow, ThreadFlowLocation,
    Tool, ToolComponent,
};
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use wasmaudit_detect::{DetectorMeta, Impact};
use wasmaudit_engine::{FileReport, ReportedFinding, SourceLocation, Status, TrailStep};

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

/// Where artifact URIs are taken from: files under `source_root` get URIs relative to
/// `%SRCROOT%` (`originalUriBaseIds` gives its absolute URI), other files absolute `file://`
/// URIs. Relative paths (inputs as named on the command line, DWARF paths recorded relative to
/// the build directory) are taken as relative to `working_dir`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SarifOptions {
    pub source_root: PathBuf,
    pub working_dir: PathBuf,
}

impl SarifOptions {
    /// The current directory, and as source root the repository (the closest directory up from
    /// it that holds `.git`) or, outside a repository, the current directory itself.
    pub fn from_current_dir() -> SarifOptions {
        let working_dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
        let source_root =
            working_dir.ancestors().find(|d| d.join(".git").exists()).unwrap_or(&working_dir).to_path_buf();
        SarifOptions { source_root, working_dir }
    }

    fn absolute(&self, path: &str) -> PathBuf {
        normalize(&self.working_dir.join(path))
    }

    /// The artifact location of a file: relative to `%SRCROOT%` when under the source root.
    fn locate(&self, path: &str) -> ArtifactLocation {
        let abs = self.absolute(path);
        match abs.strip_prefix(normalize(&self.source_root)) {
            Ok(rel) if !rel.as_os_str().is_empty() => {
                ArtifactLocation::builder().uri(uri(&rel.to_string_lossy())).uri_base_id(SRCROOT).build()
            }
            _ => ArtifactLocation::builder().uri(file_uri(&abs)).build(),
        }
    }

    fn root_uri(&self) -> String {
        let mut u = file_uri(&normalize(&self.source_root));
        if !u.ends_with('/') {
            u.push('/');
        }
        u
    }
}

/// The `originalUriBaseIds` key of the source root, as GitHub code scanning and editors expect.
const SRCROOT: &str = "%SRCROOT%";

/// `.` and `..` resolved lexically (no file-system access: rendering stays pure).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
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

/// An absolute `file://` URI (`file:///C:/x` for a Windows drive path).
fn file_uri(abs: &Path) -> String {
    let p = uri(&abs.to_string_lossy()).replacen("%3A", ":", 1);
    if p.starts_with('/') {
        format!("file://{p}")
    } else {
        format!("file:///{p}")
    }
}

/// The artifacts of a run, each added once: the scanned files first (in report order), then the
/// source files DWARF names, as results first mention them.
struct Artifacts<'a> {
    opts: &'a SarifOptions,
    list: Vec<Artifact>,
    by_key: BTreeMap<String, usize>,
}

impl<'a> Artifacts<'a> {
    fn new(opts: &'a SarifOptions) -> Self {
        Artifacts { opts, list: Vec::new(), by_key: BTreeMap::new() }
    }

    /// The location of `path` with its artifact index, adding the artifact when new.
    fn location(&mut self, path: &str, hash: Option<&str>) -> ArtifactLocation {
        let mut loc = self.opts.locate(path);
        let key =
            format!("{}\u{0}{}", loc.uri_base_id.as_deref().unwrap_or(""), loc.uri.as_deref().unwrap_or(""));
        let index = match self.by_key.get(&key) {
            Some(&i) => i,
            None => {
                let mut artifact = Artifact::builder().location(loc.clone()).build();
                if let Some(h) = hash {
                    artifact.roles = Some(vec![serde_json::Value::from("analysisTarget")]);
                    if !h.is_empty() {
                        artifact.hashes = Some(BTreeMap::from([("sha-256".to_string(), h.to_string())]));
                    }
                }
                self.list.push(artifact);
                self.by_key.insert(key, self.list.len() - 1);
                self.list.len() - 1
            }
        };
        loc.index = Some(index as i64);
        loc
    }
}

fn text(s: impl Into<String>) -> Message {
    Message::builder().text(s).build()
}

fn logical(function: &str, raw: Option<&str>) -> LogicalLocation {
    let mut l =
        LogicalLocation::builder().name(function).fully_qualified_name(function).kind("function").build();
    l.decorated_name = raw.filter(|r| *r != function).map(str::to_string);
    l
}

/// The location of a step's instruction in the `.wasm` (or in the module assembled from the
/// `.wat`): its byte region.
fn byte_location(
    arts: &mut Artifacts<'_>,
    r: &FileReport,
    offset: u32,
    length: u32,
    function: &str,
    raw: Option<&str>,
) -> Location {
    let region = Region::builder().byte_offset(offset as i64).byte_length(length.max(1) as i64).build();
    let physical = PhysicalLocation::builder()
        .artifact_location(arts.location(&r.path, Some(&r.sha256)))
        .region(region)
        .build();
    Location::builder().physical_location(physical).logical_locations(vec![logical(function, raw)]).build()
}

/// The location of a step in its source file (DWARF, or the `.wat` text), when known.
fn source_location(
    arts: &mut Artifacts<'_>,
    source: Option<&SourceLocation>,
    function: &str,
    raw: Option<&str>,
) -> Option<Location> {
    let s = source?;
    let mut region = Region::builder().start_line(s.line.max(1) as i64).build();
    if s.column > 0 {
        region.start_column = Some(s.column as i64);
    }
    let physical =
        PhysicalLocation::builder().artifact_location(arts.location(&s.file, None)).region(region).build();
    Some(
        Location::builder()
            .physical_location(physical)
            .logical_locations(vec![logical(function, raw)])
            .build(),
    )
}

/// The byte length shown for a trail step: the flagged instruction's own length, else the
/// opcode byte of the call.
fn step_length(f: &ReportedFinding, step: &TrailStep) -> u32 {
    if step.offset == f.offset {
        f.length
    } else {
        1
    }
}

/// A step's location: in the source when DWARF maps it, else in the module's bytes.
fn step_location(
    arts: &mut Artifacts<'_>,
    r: &FileReport,
    f: &ReportedFinding,
    step: &TrailStep,
) -> Location {
    let raw = (step.offset == f.offset).then_some(f.function_raw.as_str());
    source_location(arts, step.source.as_ref(), &step.function, raw)
        .unwrap_or_else(|| byte_location(arts, r, step.offset, step_length(f, step), &step.function, raw))
}

/// The trail as one thread flow: each function on the way from the entry point, at its call,
/// then the flagged instruction.
fn code_flow(arts: &mut Artifacts<'_>, r: &FileReport, f: &ReportedFinding) -> CodeFlow {
    let last = f.trail.len().saturating_sub(1);
    let locations: Vec<ThreadFlowLocation> = f
        .trail
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let mut location = step_location(arts, r, f, step);
            location.message = Some(text(if i == last {
                format!("{}: {}", step.function, f.instruction)
            } else {
                format!("{} calls {}", step.function, f.trail.get(i + 1).map_or("", |n| n.function.as_str()))
            }));
            ThreadFlowLocation::builder()
                .location(location)
                .nesting_level(i as i64)
                .execution_order(i as i64 + 1)
                .build()
        })
        .collect();
    let flow = ThreadFlow::builder().locations(locations).build();
    CodeFlow::builder()
        .message(text(format!(
            "from entry point `{}` to the flagged instruction",
            f.trail.first().map_or("", |s| s.function.as_str())
        )))
        .thread_flows(vec![flow])
        .build()
}

fn result(
    arts: &mut Artifacts<'_>,
    r: &FileReport,
    f: &ReportedFinding,
    rule_index: Option<usize>,
) -> SarifResult {
    let sink = TrailStep {
        function_index: f.function_index,
        function: f.function.clone(),
        instr_index: f.instr_index,
        offset: f.offset,
        source: f.source.clone(),
    };
    let primary = f.primary_step().cloned().unwrap_or(sink);
    let raw = (primary.offset == f.offset).then_some(f.function_raw.as_str());
    let in_bytes = byte_location(arts, r, primary.offset, step_length(f, &primary), &primary.function, raw);
    // With a source line the editor opens the source, and the module's bytes stay related.
    // A `.wat` input's own text is its source: byte offsets (into the assembled module) do
    // not belong on it.
    let text_input = f.source.as_ref().is_some_and(|s| s.file == r.path);
    let (location, mut related) = match source_location(arts, primary.source.as_ref(), &primary.function, raw)
    {
        Some(src) if text_input => (src, Vec::new()),
        Some(src) => (src, vec![in_bytes]),
        None => (in_bytes, Vec::new()),
    };
    if primary.offset != f.offset {
        if !text_input {
            related.push(byte_location(arts, r, f.offset, f.length, &f.function, Some(&f.function_raw)));
        }
        related.extend(source_location(arts, f.source.as_ref(), &f.function, Some(&f.function_raw)));
    }
    for (id, l) in related.iter_mut().enumerate() {
        l.id = Some(id as i64 + 1);
        let what = if l
            .physical_location
            .as_ref()
            .and_then(|p| p.region.as_ref())
            .is_some_and(|g| g.byte_offset.is_some())
        {
            "instruction in the module"
        } else {
            "source"
        };
        let function = l
            .logical_locations
            .as_ref()
            .and_then(|v| v.first())
            .and_then(|x| x.name.clone())
            .unwrap_or_default();
        l.message = Some(text(format!("{what}: {function}")));
    }
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert("wasmaudit/v1".to_string(), fingerprint(f));
    let mut extra = BTreeMap::new();
    extra.insert("security-severity".to_string(), security_severity(f.impact).into());
    extra.insert("class".to_string(), f.detector.class.as_str().into());
    extra.insert("function".to_string(), f.function.clone().into());
    extra.insert("function_raw".to_string(), f.function_raw.clone().into());
    extra.insert("function_index".to_string(), f.function_index.into());
    extra.insert("instruction".to_string(), f.instruction.clone().into());
    extra.insert("offset".to_string(), f.offset.into());
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
        None => text(f.message.clone()),
    };
    let mut res = SarifResult::builder()
        .rule_id(f.detector.id)
        .level(level(f.impact))
        .message(message)
        .locations(vec![location])
        .partial_fingerprints(fingerprints)
        .properties(props(vec![f.detector.class.as_str().to_string()], extra))
        .build();
    res.rule_index = rule_index.map(|i| i as i64);
    if !related.is_empty() {
        res.related_locations = Some(related);
    }
    res.code_flows = Some(vec![code_flow(arts, r, f)]);
    res
}

/// SARIF 2.1.0 log with one run, artifact URIs placed from the current directory
/// ([`SarifOptions::from_current_dir`]); see [`to_sarif_with`].
pub fn to_sarif(reports: &[FileReport], rules: &[&'static DetectorMeta]) -> String {
    to_sarif_with(reports, rules, &SarifOptions::from_current_dir())
}

/// SARIF 2.1.0 log with one run for the whole batch: every registered detector as a rule (sorted
/// by id), one artifact per scanned file (then per source file DWARF names), one result per
/// finding referring to its artifacts by index, and a tool notification per file that could not
/// be analyzed.
pub fn to_sarif_with(reports: &[FileReport], rules: &[&'static DetectorMeta], opts: &SarifOptions) -> String {
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
    let mut arts = Artifacts::new(opts);
    // Scanned files first, so artifact `i` is report `i`'s file.
    for r in reports {
        arts.location(&r.path, Some(&r.sha256));
    }
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for r in reports {
        for f in &r.findings {
            let rule_index = rules.iter().position(|m| m.id == f.detector.id);
            results.push(result(&mut arts, r, f, rule_index));
        }
        if r.status == Status::Error {
            let location = Location::builder()
                .physical_location(
                    PhysicalLocation::builder().artifact_location(arts.location(&r.path, None)).build(),
                )
                .build();
            notifications.push(
                Notification::builder()
                    .level(serde_json::Value::from("error"))
                    .message(text(format!("{}: {}", r.path, r.error.as_deref().unwrap_or("unknown error"))))
                    .locations(vec![location])
                    .build(),
            );
        }
    }
    let invocation = Invocation::builder()
        .execution_successful(notifications.is_empty())
        .tool_execution_notifications(notifications)
        .build();
    let base = ArtifactLocation::builder().uri(opts.root_uri()).build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .original_uri_base_ids(BTreeMap::from([(SRCROOT.to_string(), base)]))
        .artifacts(arts.list)
        .results(results)
        .invocations(vec![invocation])
        .build();
    let log =
        Sarif::builder().schema(SCHEMA).version(serde_json::Value::from("2.1.0")).runs(vec![run]).build();
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_default();
    out.push('\n');
    out
}
