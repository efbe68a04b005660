//! The SMT checks (`--smt`, built with `--features smt`): refutations of findings on paths that
//! cannot run, confirmations with a witness, and a verdict on every finding of the detector
//! examples. The examples are in `corpus/smt/` (see the comment at the top of each).
#![cfg(feature = "smt")]

mod common;

use common::wasmaudit;
use std::path::PathBuf;
use wasmaudit_engine::{scan_file, FileReport, ScanOptions, SmtOptions, Verdict};

fn path(rel: &str) -> PathBuf {
    common::repo_root().join("corpus").join(rel)
}

fn scan(rel: &str, smt: Option<SmtOptions>) -> FileReport {
    let opts = ScanOptions { jobs: Some(1), smt, ..ScanOptions::default() };
    let report = scan_file(&path(rel), &opts, &wasmaudit_detectors::registry());
    assert_eq!(report.error, None, "{rel}");
    report
}

/// A fixed budget: by default it follows the module's analysis time, which on these small
/// examples in a debug build is shorter than a query.
fn fixed_budget() -> SmtOptions {
    SmtOptions { budget_matches_analysis: false, ..SmtOptions::default() }
}

fn keep_refuted() -> Option<SmtOptions> {
    Some(SmtOptions { keep_refuted: true, ..fixed_budget() })
}

/// Findings on dead code (an opaque predicate, an MBA identity, a check through arithmetic on a
/// stored value) are reported by the default analysis, refuted by the solver and dropped.
#[test]
fn findings_on_infeasible_paths_are_refuted_and_dropped() {
    for rel in ["smt/opaque-predicate.wat", "smt/mba-identity.wat", "smt/stored-value.wat"] {
        let plain = scan(rel, None);
        assert!(!plain.findings.is_empty(), "{rel}: the default analysis reports the dead call");
        assert!(plain.findings.iter().all(|f| f.smt.is_none()), "{rel}: no verdict without --smt");

        let kept = scan(rel, keep_refuted());
        assert_eq!(kept.findings.len(), plain.findings.len(), "{rel}: --keep-refuted keeps them");
        for f in &kept.findings {
            let v = f.smt.as_ref().expect("a verdict on every finding");
            assert_eq!(v.verdict, Verdict::Refuted, "{rel}: {} {:?}", f.detector.name, v);
            assert!(v.reason.as_deref().is_some_and(|r| r.contains("no feasible path")), "{v:?}");
        }

        let dropped = scan(rel, Some(fixed_budget()));
        assert!(dropped.findings.is_empty(), "{rel}: refuted findings are dropped: {:?}", dropped.findings);
    }
}

/// A real finding behind a transformed dispatch (`action ^ K == C`) is confirmed, and the
/// witness solves the dispatch: the action that reaches the handler, by name.
#[test]
fn transformed_dispatch_is_confirmed_with_the_action_name() {
    let r = scan("smt/transformed-dispatch.wat", Some(fixed_budget()));
    let f = r.findings.iter().find(|f| f.detector.name == "missing-authorization").expect("finding kept");
    let v = f.smt.as_ref().expect("verdict");
    assert_eq!(v.verdict, Verdict::Confirmed, "{v:?}");
    assert_eq!(v.model.get("entry").map(String::as_str), Some("apply"));
    let action = v.model.get("action").expect("action in the witness");
    assert!(action.starts_with("setowner "), "{action}");
    // The handler runs only for the contract's own code (`code == receiver`).
    assert_eq!(v.model.get("code"), v.model.get("receiver"), "{:?}", v.model);
}

/// An unchecked addition is confirmed with operands that do wrap.
#[test]
fn overflow_witness_gives_operands_that_wrap() {
    let r = scan("unchecked-arithmetic/ink-1/vulnerable.wat", Some(fixed_budget()));
    let f = r.findings.iter().find(|f| f.detector.name == "unchecked-arithmetic").expect("finding");
    let v = f.smt.as_ref().expect("verdict");
    assert_eq!(v.verdict, Verdict::Confirmed, "{v:?}");
    let operand = |k: &str| v.model.get(k).and_then(|x| x.parse::<u64>().ok()).expect(k);
    let (a, b) = (operand("lhs"), operand("rhs"));
    let (a32, b32) = (a as u32, b as u32);
    let wraps = match f.instruction.as_str() {
        "i64.add" => a.checked_add(b).is_none() || (a as i64).checked_add(b as i64).is_none(),
        "i64.sub" => a < b || (a as i64).checked_sub(b as i64).is_none(),
        "i64.mul" => a.checked_mul(b).is_none() || (a as i64).checked_mul(b as i64).is_none(),
        "i32.add" => a32.checked_add(b32).is_none() || (a32 as i32).checked_add(b32 as i32).is_none(),
        "i32.sub" => a32 < b32 || (a32 as i32).checked_sub(b32 as i32).is_none(),
        "i32.mul" => a32.checked_mul(b32).is_none() || (a32 as i32).checked_mul(b32 as i32).is_none(),
        other => panic!("unexpected instruction {other}"),
    };
    assert!(wraps, "{} with {a} and {b} does not wrap", f.instruction);
}

/// Every finding on every detector example gets a verdict, and none of the vulnerable examples'
/// findings (real by construction) is refuted: refutation must be sound.
#[test]
fn detector_examples_get_a_verdict_and_real_findings_are_never_refuted() {
    let mut counts = std::collections::BTreeMap::new();
    let corpus = common::repo_root().join("corpus");
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(&corpus).expect("corpus").flatten().map(|e| e.path()).collect();
    dirs.sort();
    for dir in dirs.iter().filter(|d| d.is_dir()) {
        let Ok(cases) = std::fs::read_dir(dir) else { continue };
        for case in cases.flatten() {
            let vuln = case.path().join("vulnerable.wat");
            if !vuln.is_file() {
                continue;
            }
            let rel = vuln.strip_prefix(&corpus).expect("under corpus").display().to_string();
            let r = scan(&rel, keep_refuted());
            for f in &r.findings {
                let v = f.smt.as_ref().unwrap_or_else(|| panic!("{rel}: no verdict"));
                assert_ne!(v.verdict, Verdict::Refuted, "{rel}: {} refuted: {:?}", f.detector.name, v.reason);
                *counts.entry(v.verdict.as_str()).or_insert(0usize) += 1;
            }
        }
    }
    println!("verdicts on the vulnerable examples: {counts:?}");
    assert!(counts.get("confirmed").copied().unwrap_or(0) > 0);
}

/// The command line: JSON gets an `smt` object per finding, text the witness under the
/// diagnostic, SARIF the verdict in the result's properties and the witness in its markdown.
#[test]
fn cli_renders_verdicts_in_every_format() {
    let file = path("smt/transformed-dispatch.wat").display().to_string();
    let json = wasmaudit()
        .args(["scan", "--smt", "--smt-budget", "10000", "--format", "json", &file])
        .output()
        .expect("runs");
    assert_eq!(json.status.code(), Some(1), "{}", String::from_utf8_lossy(&json.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let finding = &doc["files"][0]["findings"][0];
    assert_eq!(finding["smt"]["verdict"], "confirmed");
    assert!(finding["smt"]["model"]["action"].as_str().is_some_and(|a| a.starts_with("setowner")));
    assert!(finding["smt"]["time_ms"].is_u64());
    assert!(finding["smt"].get("reason").is_some());

    let text = wasmaudit().args(["scan", "--smt", "--smt-budget", "10000", &file]).output().expect("runs");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("smt: confirmed") && text.contains("action = setowner"), "{text}");

    let sarif = wasmaudit()
        .args(["scan", "--smt", "--smt-budget", "10000", "--format", "sarif", &file])
        .output()
        .expect("runs");
    let doc: serde_json::Value = serde_json::from_slice(&sarif.stdout).expect("SARIF");
    let result = &doc["runs"][0]["results"][0];
    assert_eq!(result["properties"]["smt"]["verdict"], "confirmed");
    assert!(result["message"]["markdown"].as_str().is_some_and(|m| m.contains("action = setowner")));

    // Without --smt nothing changes: no `smt` key.
    let plain = wasmaudit().args(["scan", "--format", "json", &file]).output().expect("runs");
    let doc: serde_json::Value = serde_json::from_slice(&plain.stdout).expect("JSON");
    assert!(doc["files"][0]["findings"][0].get("smt").is_none());
}

/// `--keep-refuted` keeps refuted findings in the output, with their verdict.
#[test]
fn cli_keep_refuted() {
    let file = path("smt/opaque-predicate.wat").display().to_string();
    let out = wasmaudit()
        .args(["scan", "--smt", "--smt-budget", "10000", "--format", "json", &file])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "the only finding is refuted");
    let out = wasmaudit()
        .args(["scan", "--smt", "--smt-budget", "10000", "--keep-refuted", "--format", "json", &file])
        .output()
        .expect("runs");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(doc["files"][0]["findings"][0]["smt"]["verdict"], "refuted");
}
