//! `wasmaudit.toml`, suppressions and baselines as users drive them from the command line.

mod common;

use common::wasmaudit;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

/// A fresh directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wasmaudit-config-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn example_wat(rel: &str) -> String {
    std::fs::read_to_string(common::repo_root().join("corpus").join(rel)).expect("example exists")
}

/// Assembles `wat` into `dir/rel` (directories created).
fn put_wasm(dir: &Path, rel: &str, wat: &str) -> PathBuf {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().expect("has a parent")).expect("dirs");
    std::fs::write(&path, wat::parse_str(wat).expect("assembles")).expect("write");
    path
}

fn put_config(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("wasmaudit.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

/// Four findings: WA104 and WA611 in `mint_rewards`, WA201 and WA611 in `deposit`.
const FREEZE: &str = "freeze-bypass/near-1/vulnerable.wat";
const FREEZE_FIXED: &str = "freeze-bypass/near-1/remediated.wat";
/// Two medium findings: WA701 and WA702.
const NONDET: &str = "nondeterminism/near-1/vulnerable.wat";

fn scan_json(args: &[&str], paths: &[&Path]) -> (Option<i32>, Value, String) {
    let out: Output =
        wasmaudit().arg("scan").args(["--format", "json"]).args(args).args(paths).output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let doc = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code(), doc, stderr)
}

fn ids_of(file: &Value) -> BTreeSet<String> {
    file["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["id"].as_str().map(String::from))
        .collect()
}

fn file_ending<'a>(doc: &'a Value, suffix: &str) -> &'a Value {
    doc["files"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["path"].as_str().is_some_and(|p| p.ends_with(suffix))))
        .unwrap_or_else(|| panic!("no file ending {suffix} in {doc}"))
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

#[test]
fn select_and_ignore_by_id_name_and_class() {
    let dir = temp_dir("select");
    let wasm = put_wasm(&dir, "c.wasm", &example_wat(FREEZE));
    let (_, doc, _) = scan_json(&["--fail-on", "none"], &[&wasm]);
    assert_eq!(ids_of(&doc["files"][0]), set(&["WA104", "WA201", "WA611"]), "all detectors by default");

    // A name and an id.
    put_config(&dir, "select = [\"freeze-bypass\", \"WA611\"]\n");
    let (code, doc, err) = scan_json(&["--fail-on", "none"], &[&wasm]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(ids_of(&doc["files"][0]), set(&["WA104", "WA611"]));

    // A class.
    put_config(&dir, "ignore = [\"missing-authorization\"]\n");
    let (_, doc, _) = scan_json(&["--fail-on", "none"], &[&wasm]);
    assert_eq!(ids_of(&doc["files"][0]), set(&["WA104", "WA611"]));

    // `ignore` applies after `select`; the command line replaces the config's lists.
    put_config(&dir, "select = [\"all\"]\nignore = [\"WA611\", \"WA104\"]\n");
    let (_, doc, _) = scan_json(&["--fail-on", "none"], &[&wasm]);
    assert_eq!(ids_of(&doc["files"][0]), set(&["WA201"]));
    let (_, doc, _) = scan_json(&["--fail-on", "none", "--ignore", "WA201,unchecked-arithmetic"], &[&wasm]);
    assert_eq!(ids_of(&doc["files"][0]), set(&["WA104"]));

    // A selector that names nothing is a usage error, not a silent empty scan.
    put_config(&dir, "select = [\"WA999\"]\n");
    let (code, _, err) = scan_json(&[], &[&wasm]);
    assert_eq!(code, Some(2));
    assert!(err.contains("WA999"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn impact_override_changes_exit_code_and_output_impact() {
    let dir = temp_dir("impact");
    let wasm = put_wasm(&dir, "c.wasm", &example_wat(NONDET));
    let (code, doc, _) = scan_json(&[], &[&wasm]);
    assert_eq!(code, Some(0), "medium findings pass the default fail-on high");
    assert!(doc["files"][0]["findings"]
        .as_array()
        .is_some_and(|f| f.iter().all(|f| f["impact"] == "medium")));

    put_config(&dir, "[impact]\nnondeterminism = \"critical\"\n");
    let (code, doc, err) = scan_json(&[], &[&wasm]);
    assert_eq!(code, Some(1), "{err}");
    for f in doc["files"][0]["findings"].as_array().expect("findings") {
        let expected = if f["id"] == "WA702" { "critical" } else { "medium" };
        assert_eq!(f["impact"], expected, "{f}");
    }
    // The text report shows the overridden impact too.
    let out = wasmaudit().arg("scan").arg(&wasm).output().expect("runs");
    assert!(String::from_utf8_lossy(&out.stdout).to_lowercase().contains("critical"));

    put_config(&dir, "[impact]\nnondeterminism = \"severe\"\n");
    let (code, _, err) = scan_json(&[], &[&wasm]);
    assert_eq!(code, Some(2));
    assert!(err.contains("severe"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn per_path_ignores_apply_below_the_config_directory() {
    let dir = temp_dir("per-path");
    put_wasm(&dir, "vendor/lib/a.wasm", &example_wat(NONDET));
    put_wasm(&dir, "src/b.wasm", &example_wat(NONDET));
    put_config(
        &dir,
        "[per-path-ignores]\n\"vendor/**\" = [\"WA702\"]\n\"*.wasm\" = [\"deployment-compliance\"]\n",
    );
    let (code, doc, err) = scan_json(&["--fail-on", "none"], &[&dir]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(ids_of(file_ending(&doc, "a.wasm")), set(&[]));
    assert_eq!(ids_of(file_ending(&doc, "b.wasm")), set(&["WA702"]));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn fail_on_from_config_and_flags_override_it() {
    let dir = temp_dir("fail-on");
    let wasm = put_wasm(&dir, "c.wasm", &example_wat(NONDET));
    put_config(&dir, "fail-on = \"medium\"\n");
    let (code, _, err) = scan_json(&[], &[&wasm]);
    assert_eq!(code, Some(1), "{err}");
    let (code, _, _) = scan_json(&["--fail-on", "critical"], &[&wasm]);
    assert_eq!(code, Some(0), "the flag wins over the config");

    put_config(&dir, "fail-on = \"sometimes\"\n");
    let (code, _, err) = scan_json(&[], &[&wasm]);
    assert_eq!(code, Some(2));
    assert!(err.contains("sometimes"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn limits_from_config_and_flags_override_them() {
    let dir = temp_dir("limits");
    let wasm = put_wasm(&dir, "c.wasm", &example_wat(NONDET));
    put_config(&dir, "[limits]\nmax-functions = 2\njobs = 1\n");
    let (code, doc, _) = scan_json(&[], &[&wasm]);
    assert_eq!(code, Some(2));
    assert_eq!(doc["files"][0]["status"], "error");
    assert!(doc["files"][0]["error"].as_str().is_some_and(|e| e.contains("function")), "{doc}");
    let (code, doc, _) = scan_json(&["--max-functions", "1000"], &[&wasm]);
    assert_eq!(code, Some(0));
    assert_eq!(doc["files"][0]["status"], "ok");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unknown_key_is_an_error_naming_it() {
    let dir = temp_dir("unknown");
    let wasm = put_wasm(&dir, "c.wasm", &example_wat(NONDET));
    for (text, key) in [("selcet = [\"WA101\"]\n", "selcet"), ("[limits]\nmax-fns = 3\n", "max-fns")] {
        put_config(&dir, text);
        let out = wasmaudit().arg("scan").arg(&wasm).output().expect("runs");
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(key) && err.contains("wasmaudit.toml"), "{err}");
        assert!(out.stdout.is_empty(), "nothing is scanned under a bad config");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn config_is_found_upward_or_named() {
    let dir = temp_dir("upward");
    let wasm = put_wasm(&dir, "project/build/out/c.wasm", &example_wat(NONDET));
    put_config(&dir.join("project"), "ignore = [\"WA701\"]\n");
    let (_, doc, _) = scan_json(&[], &[&wasm]);
    assert_eq!(ids_of(&doc["files"][0]), set(&["WA702"]), "found from the file's directory upward");
    let (_, doc, _) = scan_json(&[], &[&dir.join("project/build")]);
    assert_eq!(ids_of(&doc["files"][0]), set(&["WA702"]), "found from a scanned directory upward");

    let other = dir.join("elsewhere.toml");
    std::fs::write(&other, "ignore = [\"WA702\"]\n").expect("write");
    let (_, doc, _) = scan_json(&["--config"], &[&other, &wasm]);
    assert_eq!(ids_of(&doc["files"][0]), set(&["WA701"]), "--config replaces discovery");
    let (code, _, err) = scan_json(&["--config"], &[&dir.join("missing.toml"), &wasm]);
    assert_eq!(code, Some(2));
    assert!(err.contains("missing.toml"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_suppression_hides_one_finding_by_fingerprint() {
    let dir = temp_dir("suppress");
    let wasm = put_wasm(&dir, "c.wasm", &example_wat(FREEZE));
    let (_, doc, _) = scan_json(&["--fail-on", "none"], &[&wasm]);
    let findings = doc["files"][0]["findings"].as_array().expect("findings").clone();
    let target = findings.iter().find(|f| f["id"] == "WA611").expect("a WA611 finding");
    let print = target["fingerprint"].as_str().expect("fingerprint");
    put_config(
        &dir,
        &format!("[[suppress]]\nfingerprint = \"{print}\"\nreason = \"bounded by the supply cap\"\n"),
    );
    let (_, doc, err) = scan_json(&["--fail-on", "none"], &[&wasm]);
    let left = doc["files"][0]["findings"].as_array().expect("findings");
    assert_eq!(left.len(), findings.len() - 1, "{err}");
    assert!(left.iter().all(|f| f["fingerprint"] != print));

    // A suppression limited to other paths does not apply; one matching nothing gets a note.
    put_config(
        &dir,
        &format!("[[suppress]]\nfingerprint = \"{print}\"\nreason = \"vendored\"\npath = \"vendor/**\"\n"),
    );
    let (_, doc, err) = scan_json(&["--fail-on", "none"], &[&wasm]);
    assert_eq!(doc["files"][0]["findings"].as_array().map(Vec::len), Some(findings.len()));
    assert!(err.contains("matched no finding"), "{err}");

    put_config(&dir, &format!("[[suppress]]\nfingerprint = \"{print}\"\n"));
    let (code, _, err) = scan_json(&[], &[&wasm]);
    assert_eq!(code, Some(2));
    assert!(err.contains("reason"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_baseline_reports_only_new_findings() {
    let dir = temp_dir("baseline");
    let wasm = put_wasm(&dir, "contract.wasm", &example_wat(FREEZE_FIXED));
    let baseline = dir.join("baseline.json");
    let (code, doc, err) = scan_json(&["--write-baseline", baseline.to_str().expect("utf-8 path")], &[&wasm]);
    assert_eq!(code, Some(0), "findings written to a baseline are accepted: {err}");
    let accepted = doc["files"][0]["findings"].as_array().map(Vec::len).unwrap_or(0);
    assert!(accepted > 0, "the remediated contract still has findings of other detectors");
    let stored: Value =
        serde_json::from_str(&std::fs::read_to_string(&baseline).expect("written")).expect("JSON");
    assert_eq!(stored["findings"].as_array().map(Vec::len), Some(accepted));
    assert_eq!(stored["findings"][0]["path"], "contract.wasm", "stored relative to the baseline");

    // The contract regresses: only what the regression added is reported.
    put_wasm(&dir, "contract.wasm", &example_wat(FREEZE));
    let (code, doc, _) = scan_json(&["--baseline", baseline.to_str().expect("utf-8 path")], &[&wasm]);
    assert_eq!(code, Some(1));
    let new = doc["files"][0]["findings"].as_array().expect("findings");
    assert!(new.iter().any(|f| f["id"] == "WA104"), "{doc}");
    assert!(
        new.iter().all(|f| f["function"] == "mint_rewards"),
        "deposit's findings are in the baseline: {doc}"
    );

    // A baseline named in the config works the same.
    put_config(&dir, "baseline = \"baseline.json\"\n");
    let (_, doc2, _) = scan_json(&[], &[&wasm]);
    assert_eq!(doc2["files"][0]["findings"], doc["files"][0]["findings"]);

    std::fs::write(&baseline, "{\"findings\": 3}").expect("write");
    let (code, _, err) = scan_json(&[], &[&wasm]);
    assert_eq!(code, Some(2));
    assert!(err.contains("baseline.json"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_baseline_survives_a_rebuild_that_moves_code() {
    let dir = temp_dir("rebuild");
    let original = example_wat(FREEZE);
    let wasm = put_wasm(&dir, "contract.wasm", &original);
    let baseline = dir.join("baseline.json");
    let baseline_arg = baseline.to_str().expect("utf-8 path");
    let (_, before, _) = scan_json(&["--write-baseline", baseline_arg], &[&wasm]);

    // The rebuild adds a function ahead of the others: every function index and byte offset moves.
    let first_fn = original.find("\n  (func $").expect("a defined function");
    let mut rebuilt = original.clone();
    rebuilt.insert_str(first_fn, "\n  (func $build_stamp (result i32) i32.const 20260101)");
    put_wasm(&dir, "contract.wasm", &rebuilt);
    let (_, after, _) = scan_json(&["--fail-on", "none"], &[&wasm]);
    let offsets = |d: &Value| -> Vec<Value> {
        d["files"][0]["findings"].as_array().into_iter().flatten().map(|f| f["offset"].clone()).collect()
    };
    assert_eq!(offsets(&before).len(), offsets(&after).len());
    assert_ne!(offsets(&before), offsets(&after), "the rebuild moved the code");

    let (code, doc, _) = scan_json(&["--baseline", baseline_arg], &[&wasm]);
    assert_eq!(code, Some(0));
    assert_eq!(doc["files"][0]["findings"].as_array().map(Vec::len), Some(0), "{doc}");
    let _ = std::fs::remove_dir_all(&dir);
}
