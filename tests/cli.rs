//! The command line as users drive it: formats, exit codes, --output, detectors, explain.

mod common;

use common::wasmaudit;

fn example(rel: &str) -> String {
    common::repo_root().join("corpus").join(rel).display().to_string()
}

#[test]
fn scan_exit_codes_follow_fail_on() {
    let vuln = example("unprotected-upgrade/ink-1/vulnerable.wat");
    let rem = example("unprotected-upgrade/ink-1/remediated.wat");
    let out = wasmaudit().args(["scan", &vuln]).output().expect("runs");
    assert_eq!(out.status.code(), Some(1), "critical finding fails the default --fail-on high");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("WA101") && text.contains("set_code"), "{text}");
    let out = wasmaudit().args(["scan", &vuln, "--fail-on", "none"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let out = wasmaudit().args(["scan", &rem]).output().expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn input_errors_exit_2_and_the_batch_goes_on() {
    let dir = std::env::temp_dir().join(format!("wasmaudit-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let bad = dir.join("bad.wasm");
    std::fs::write(&bad, b"\0asm\x01\0\0\0\x01\xff").expect("write");
    let good = wat::parse_file(example("unprotected-upgrade/ink-1/vulnerable.wat")).expect("assembles");
    std::fs::write(dir.join("good.wasm"), good).expect("write");
    let out = wasmaudit()
        .args(["scan", "--format", "json"])
        .arg(&dir)
        .arg(dir.join("missing.wasm"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    let files = doc["files"].as_array().expect("files");
    assert_eq!(files.len(), 3);
    let by_name =
        |n: &str| files.iter().find(|f| f["path"].as_str().is_some_and(|p| p.ends_with(n))).expect(n);
    assert_eq!(by_name("bad.wasm")["status"], "error");
    assert!(by_name("bad.wasm")["error"].as_str().is_some_and(|e| e.contains("offset")));
    assert_eq!(by_name("missing.wasm")["status"], "error");
    let good = by_name("good.wasm");
    assert_eq!(good["status"], "ok");
    assert_eq!(good["platform"], "ink");
    let f = &good["findings"][0];
    for key in
        ["id", "name", "class", "impact", "confidence", "function", "function_index", "offset", "message"]
    {
        assert!(!f[key].is_null(), "finding field {key} missing: {f}");
    }
    assert_eq!(f["class"], "unprotected-upgrade");
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["tool"]["name"], "wasmaudit");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn output_file_and_sarif() {
    let dir = std::env::temp_dir().join(format!("wasmaudit-sarif-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let out_file = dir.join("report.sarif");
    let out = wasmaudit()
        .args(["scan", "--format", "sarif", "--fail-on", "none", "--output"])
        .arg(&out_file)
        .arg(example("unprotected-upgrade/near-1/vulnerable.wat"))
        .arg(example("unprotected-terminate/ink-1/vulnerable.wat"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty(), "--output leaves stdout empty");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out_file).expect("written")).expect("JSON");
    let run = &sarif["runs"][0];
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 2);
    for r in results {
        let idx = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(run["tool"]["driver"]["rules"][idx]["id"], r["ruleId"]);
        assert!(r["partialFingerprints"]["wasmaudit/v1"].is_string());
        // A .wat input's regions point into its text.
        assert!(r["locations"][0]["physicalLocation"]["region"]["startLine"].is_u64(), "{r}");
        assert!(r["locations"][0]["logicalLocations"][0]["name"].is_string());
    }
    common::validate_sarif(&out_file);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn detectors_and_explain() {
    let out = wasmaudit().arg("detectors").output().expect("runs");
    assert!(out.status.success());
    let table = String::from_utf8_lossy(&out.stdout);
    for d in wasmaudit_detectors::registry() {
        let m = d.meta();
        assert!(
            table.contains(m.id) && table.contains(m.name) && table.contains(m.class.as_str()),
            "{table}"
        );
    }
    let by_id = wasmaudit().args(["explain", "WA102"]).output().expect("runs");
    let by_name = wasmaudit().args(["explain", "unprotected-terminate"]).output().expect("runs");
    assert!(by_id.status.success());
    assert_eq!(by_id.stdout, by_name.stdout);
    assert!(String::from_utf8_lossy(&by_id.stdout).contains("## Exploit scenario"));
    let unknown = wasmaudit().args(["explain", "no-such-detector"]).output().expect("runs");
    assert_eq!(unknown.status.code(), Some(2));
    let usage = wasmaudit().args(["scan", "--format", "yaml", "x.wasm"]).output().expect("runs");
    assert_eq!(usage.status.code(), Some(2));
}

#[test]
fn text_shows_disassembly_the_way_in_and_the_source_line() {
    let root = common::repo_root();
    let source = std::fs::read_to_string(root.join("tests/fixtures/dwarf/vault.c")).expect("source");
    let (index, marked) = source
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("@expect unprotected-terminate"))
        .expect("the source marks the expected line");
    let out = wasmaudit()
        .current_dir(&root)
        .args(["scan", "--fail-on", "none", "tests/fixtures/dwarf/vault.wasm"])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("source: tests/fixtures/dwarf/vault.c:{}:", index + 1)), "{text}");
    assert!(text.contains(marked.trim()), "the source line itself is shown:\n{text}");
    assert!(text.contains("via call → close_vault"), "{text}");
    // A few instructions around the flagged one, each with its offset.
    let disassembled = text.lines().filter(|l| l.contains("  close_vault:  ")).count();
    assert!(disassembled >= 3, "{text}");
}

/// In a build without the `smt` feature, `--smt` is a usage error that says how to get it.
#[cfg(not(feature = "smt"))]
#[test]
fn smt_without_the_feature_is_a_usage_error() {
    let file = example("unprotected-upgrade/ink-1/vulnerable.wat");
    let out = wasmaudit().args(["scan", "--smt", &file]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--smt") && err.contains("--features smt"), "{err}");
    assert!(out.stdout.is_empty(), "nothing scanned");
}
