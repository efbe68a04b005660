use codespan_reporting::diagnostic::{Diagnostic, Label, Severity};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, Config};
use std::collections::BTreeMap;
use std::fmt::Write;
use wasmaudit_detect::Impact;
use wasmaudit_engine::{FileReport, ReportedFinding, Status};

fn severity(impact: Impact) -> Severity {
    match impact {
        Impact::Critical | Impact::High => Severity::Error,
        Impact::Medium => Severity::Warning,
        Impact::Low => Severity::Note,
        Impact::Info => Severity::Help,
    }
}

/// One diagnostic per finding, pointing at the instruction among a few disassembled ones around
/// it, with the way from the entry point and the source position when DWARF gives one; then one
/// line per unreadable file and a summary.
pub fn to_text(reports: &[FileReport]) -> String {
    to_text_with_sources(reports, &BTreeMap::new())
}

/// [`to_text`], also showing the source line of a finding whose DWARF file is in `sources`
/// (file name as the finding names it, to its text). The caller reads the files: rendering
/// stays a pure function of its arguments.
pub fn to_text_with_sources(reports: &[FileReport], sources: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    // Show the disassembled instructions around the flagged one, not just its line.
    let config = Config { before_label_lines: 3, after_label_lines: 2, ..Config::default() };
    for r in reports {
        for f in &r.findings {
            let (files, diagnostic) = diagnostic(r, f, sources);
            match term::emit_into_string(&config, &files, &diagnostic) {
                Ok(s) => out.push_str(&s),
                Err(_) => {
                    let _ =
                        writeln!(out, "{}: {}[{}]: {}", r.path, f.detector.name, f.detector.id, f.message);
                }
            }
        }
        if r.status == Status::Error {
            let _ = writeln!(out, "error: {}: {}\n", r.path, r.error.as_deref().unwrap_or("unknown error"));
        }
    }
    out.push_str(&summary(reports));
    out
}

/// The "source" shown: the disassembled instructions around the flagged one, each line
/// `offset  function:  instruction`; the span is the flagged instruction's text.
fn disassembly(f: &ReportedFinding) -> (String, std::ops::Range<usize>) {
    let mut source = String::new();
    let mut span = 0..0;
    let lines: Vec<(u32, &str)> = if f.disassembly.is_empty() {
        vec![(f.offset, f.instruction.as_str())]
    } else {
        f.disassembly.iter().map(|(o, t)| (*o, t.as_str())).collect()
    };
    for (offset, text) in lines {
        let prefix = format!("{offset:#08x}  {}:  ", f.function);
        if offset == f.offset {
            let start = source.len() + prefix.len();
            span = start..start + text.len();
        }
        let _ = writeln!(source, "{prefix}{text}");
    }
    (source, span)
}

/// "via a → b → c": the functions from the entry point to the flagged one, when there is a
/// way through other functions.
fn via(f: &ReportedFinding) -> Option<String> {
    (f.trail.len() > 1).then(|| {
        let names: Vec<&str> = f.trail.iter().map(|s| s.function.as_str()).collect();
        format!("via {}", names.join(" → "))
    })
}

/// The byte range of 1-based `line` of `text`, without its indentation and line end.
fn line_span(text: &str, line: u32) -> Option<std::ops::Range<usize>> {
    let mut start = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line as usize {
            let body = l.trim_end_matches(['\n', '\r']);
            let indent = body.len() - body.trim_start().len();
            return (body.len() > indent).then(|| start + indent..start + body.len());
        }
        start += l.len();
    }
    None
}

type Files = SimpleFiles<String, String>;

fn diagnostic(
    r: &FileReport,
    f: &ReportedFinding,
    sources: &BTreeMap<String, String>,
) -> (Files, Diagnostic<usize>) {
    let (source, span) = disassembly(f);
    let mut files = Files::new();
    let file = files.add(format!("{} @ {:#x}", r.path, f.offset), source);
    let mut labels = vec![Label::primary(file, span)
        .with_message(format!("{} ({} impact, {} confidence)", f.detector.name, f.impact, f.confidence))];
    if let Some((s, text)) = f.source.as_ref().and_then(|s| Some((s, sources.get(&s.file)?))) {
        if let Some(range) = line_span(text, s.line) {
            let id = files.add(s.file.clone(), text.clone());
            labels.push(Label::secondary(id, range).with_message("source"));
        }
    }
    let mut notes = Vec::new();
    if let Some(s) = &f.source {
        notes.push(format!("source: {}:{}:{}", s.file, s.line, s.column.max(1)));
    }
    if let Some(p) = f.primary_step().filter(|p| p.offset != f.offset) {
        let at = p.source.as_ref().map(|s| format!(" ({}:{})", s.file, s.line)).unwrap_or_default();
        notes.push(format!("reached from your code in {} at {:#x}{at}", p.function, p.offset));
    }
    notes.extend(via(f));
    if f.function_raw != f.function {
        notes.push(format!("symbol: {}", f.function_raw));
    }
    notes.push(format!("class: {} · see `wasmaudit explain {}`", f.detector.class, f.detector.id));
    if let Some(v) = &f.smt {
        let mut note = format!("smt: {}", v.verdict);
        if let Some(r) = &v.reason {
            let _ = write!(note, " ({r})");
        }
        for line in crate::witness_lines(v) {
            let _ = write!(note, "\n  {line}");
        }
        notes.push(note);
    }
    let d = Diagnostic::new(severity(f.impact))
        .with_code(f.detector.id)
        .with_message(&f.message)
        .with_labels(labels)
        .with_notes(notes);
    (files, d)
}

fn summary(reports: &[FileReport]) -> String {
    let errors = reports.iter().filter(|r| r.status == Status::Error).count();
    let findings: Vec<&ReportedFinding> = reports.iter().flat_map(|r| &r.findings).collect();
    let mut by_impact = String::new();
    for impact in Impact::ALL {
        let n = findings.iter().filter(|f| f.impact == impact).count();
        if n > 0 {
            let _ = write!(by_impact, "{}{n} {impact}", if by_impact.is_empty() { "" } else { ", " });
        }
    }
    let mut s = format!(
        "{} file{} scanned, {} finding{}",
        reports.len(),
        if reports.len() == 1 { "" } else { "s" },
        findings.len(),
        if findings.len() == 1 { "" } else { "s" },
    );
    if !by_impact.is_empty() {
        let _ = write!(s, " ({by_impact})");
    }
    if errors > 0 {
        let _ = write!(s, ", {errors} file{} with errors", if errors == 1 { "" } else { "s" });
    }
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::line_span;

    #[test]
    fn line_spans_skip_indentation_and_line_ends() {
        let text = "a\n    call();\r\n\nlast";
        assert_eq!(line_span(text, 2).map(|r| &text[r]), Some("call();"));
        assert_eq!(line_span(text, 4).map(|r| &text[r]), Some("last"));
        assert_eq!(line_span(text, 3), None, "an empty line has nothing to underline");
        assert_eq!(line_span(text, 9), None);
    }
}
