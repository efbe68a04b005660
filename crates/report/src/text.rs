use codespan_reporting::diagnostic::{Diagnostic, Label, Severity};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, Config};
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

/// One diagnostic per finding, pointing at the instruction, then one line per unreadable file
/// and a summary.
pub fn to_text(reports: &[FileReport]) -> String {
    let mut out = String::new();
    let config = Config::default();
    for r in reports {
        for f in &r.findings {
            let (file, diagnostic) = diagnostic(r, f);
            match term::emit_into_string(&config, &file, &diagnostic) {
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

fn diagnostic(r: &FileReport, f: &ReportedFinding) -> (SimpleFile<String, String>, Diagnostic<()>) {
    // The module is binary, so the "source" shown is the disassembled instruction in its function.
    let prefix = format!("{:#08x}  {}:  ", f.offset, f.function);
    let source = format!("{prefix}{}\n", f.instruction);
    let span = prefix.len()..prefix.len() + f.instruction.len();
    let file = SimpleFile::new(format!("{} @ {:#x}", r.path, f.offset), source);
    let mut notes = vec![format!("class: {} · see `wasmaudit explain {}`", f.detector.class, f.detector.id)];
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
        .with_labels(vec![Label::primary((), span)
            .with_message(format!("{} ({} impact, {} confidence)", f.detector.name, f.impact, f.confidence))])
        .with_notes(notes);
    (file, d)
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
