//! SARIF for code scanning and editors: artifact URIs (relative to `%SRCROOT%` under the source
//! root, absolute `file://` URIs elsewhere), one run with one artifact per file for a batch,
//! regions into `.wat` text, code flows, fingerprints that survive code moving, and the official
//! schema plus Microsoft's SARIF Multitool (with GitHub's rules) on everything produced here.

mod common;

use common::wasmaudit;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wasmaudit-sarif-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Runs `wasmaudit scan --format sarif` from `cwd` with `--source-root root` and returns the
/// file written and its JSON.
fn scan_sarif(cwd: &Path, root: &Path, inputs: &[&str], out: &Path) -> Value {
    let status = wasmaudit()
        .current_dir(cwd)
        .args(["scan", "--format", "sarif", "--fail-on", "none", "--source-root"])
        .arg(root)
        .arg("--output")
        .arg(out)
        .args(inputs)
        .status()
        .expect("runs");
    assert!(status.code() == Some(0) || status.code() == Some(2), "{status:?}");
    serde_json::from_str(&std::fs::read_to_string(out).expect("written")).expect("JSON")
}

fn artifact_uris(run: &Value) -> Vec<(String, Option<String>)> {
    run["artifacts"]
        .as_array()
        .expect("artifacts")
        .iter()
        .map(|a| {
            let l = &a["location"];
            (l["uri"].as_str().expect("uri").to_string(), l["uriBaseId"].as_str().map(String::from))
        })
        .collect()
}

#[test]
fn uris_are_relative_to_srcroot_under_the_root_and_absolute_file_uris_elsewhere() {
    let root = common::repo_root();
    let dir = temp_dir("paths");
    // The same contract outside the source root, named by an absolute path.
    let outside = dir.join("outside dir").join("contract.wat");
    std::fs::create_dir_all(outside.parent().expect("parent")).expect("dir");
    std::fs::copy(root.join("corpus/unprotected-upgrade/ink-1/vulnerable.wat"), &outside).expect("copy");
    let missing = dir.join("missing.wasm");
    let relative = "corpus/unprotected-terminate/ink-1/vulnerable.wat";
    let absolute = root.join("corpus/unprotected-upgrade/near-1/vulnerable.wat");
    let inputs = [
        relative,
        absolute.to_str().expect("utf-8"),
        outside.to_str().expect("utf-8"),
        missing.to_str().expect("utf-8"),
    ];
    let out = dir.join("batch.sarif");
    let sarif = scan_sarif(&root, &root, &inputs, &out);
    let runs = sarif["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1, "a batch is one run");
    let run = &runs[0];
    let base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"].as_str().expect("SRCROOT");
    assert!(base.starts_with("file:///") && base.ends_with('/'), "{base}");
    let uris = artifact_uris(run);
    let srcroot = Some("%SRCROOT%".to_string());
    assert!(uris.contains(&(relative.to_string(), srcroot.clone())), "{uris:?}");
    assert!(
        uris.contains(&("corpus/unprotected-upgrade/near-1/vulnerable.wat".to_string(), srcroot)),
        "{uris:?}"
    );
    let outside_uri = format!("file://{}", outside.display()).replace(' ', "%20");
    assert!(uris.contains(&(outside_uri, None)), "{uris:?}");
    for (uri, base) in &uris {
        assert!(!uri.starts_with('/'), "no bare absolute path: {uri}");
        assert!(base.is_some() || uri.starts_with("file:///"), "{uri}");
    }
    // Every result names its artifact by index, and the index agrees with the URI.
    let results = run["results"].as_array().expect("results");
    assert!(results.len() >= 3, "{}", results.len());
    for r in results {
        let loc = &r["locations"][0]["physicalLocation"];
        let index = loc["artifactLocation"]["index"].as_u64().expect("artifact index") as usize;
        assert_eq!(run["artifacts"][index]["location"]["uri"], loc["artifactLocation"]["uri"]);
        // A .wat input is its own source: the region is a line and column in its text.
        assert!(loc["region"]["startLine"].as_u64().is_some_and(|l| l > 1), "{r}");
        let flow = r["codeFlows"][0]["threadFlows"][0]["locations"].as_array().expect("thread flow");
        assert!(!flow.is_empty());
        let last = &flow[flow.len() - 1]["location"];
        assert_eq!(last["logicalLocations"][0]["name"], r["properties"]["function"]);
    }
    let notified = run["invocations"][0]["toolExecutionNotifications"].as_array().expect("notifications");
    assert_eq!(notified.len(), 1, "the missing file");
    common::validate_sarif(&out);
    common::multitool_validate(&[&out]);

    // Run from elsewhere with relative inputs: they resolve against the working directory.
    let out2 = dir.join("relative.sarif");
    let sarif = scan_sarif(&dir, &root, &["outside dir/contract.wat"], &out2);
    let uris = artifact_uris(&sarif["runs"][0]);
    assert_eq!(uris.len(), 1, "{uris:?}");
    assert!(
        uris[0].0.starts_with("file:///") && uris[0].0.ends_with("outside%20dir/contract.wat"),
        "{uris:?}"
    );
    common::validate_sarif(&out2);
    common::multitool_validate(&[&out2]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `src` with an unrelated function inserted before its first function definition.
fn with_function_before(src: &str) -> Option<String> {
    let at = src.lines().find(|l| l.trim_start().starts_with("(func"))?;
    let pos = src.find(at)?;
    let extra = "  (func $unrelated_helper (param i32) (result i32)\n    local.get 0\n    i32.const 3\n    i32.mul\n    i32.const 1\n    i32.add)\n";
    Some(format!("{}{extra}{}", &src[..pos], &src[pos..]))
}

fn fingerprints(doc: &Value) -> Vec<(String, String, u64)> {
    let mut v: Vec<(String, String, u64)> = doc["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().expect("rule").to_string(),
                r["partialFingerprints"]["wasmaudit/v1"].as_str().expect("fingerprint").to_string(),
                r["properties"]["offset"].as_u64().expect("offset"),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn fingerprints_survive_code_moving_to_other_offsets() {
    let root = common::repo_root();
    let dir = temp_dir("moved");
    let mut compared = 0;
    for detector in ["unprotected-upgrade", "missing-authorization", "weak-randomness"] {
        let cases = std::fs::read_dir(root.join("corpus").join(detector)).expect("examples");
        let mut cases: Vec<PathBuf> = cases.map(|e| e.expect("entry").path()).collect();
        cases.sort();
        for case in cases {
            let src = std::fs::read_to_string(case.join("vulnerable.wat")).expect("example");
            let Some(moved) = with_function_before(&src) else { continue };
            let name = format!("{detector}-{}", case.file_name().expect("name").to_string_lossy());
            let (a, b) = (dir.join(format!("{name}-a.wat")), dir.join(format!("{name}-b.wat")));
            std::fs::write(&a, &src).expect("write");
            std::fs::write(&b, &moved).expect("write");
            let fa =
                fingerprints(&scan_sarif(&dir, &dir, &[a.to_str().expect("utf-8")], &dir.join("a.sarif")));
            let fb =
                fingerprints(&scan_sarif(&dir, &dir, &[b.to_str().expect("utf-8")], &dir.join("b.sarif")));
            assert!(!fa.is_empty(), "{name}: the example has findings");
            let ids = |f: &[(String, String, u64)]| {
                f.iter().map(|x| (x.0.clone(), x.1.clone())).collect::<Vec<_>>()
            };
            assert_eq!(ids(&fa), ids(&fb), "{name}: same findings, same fingerprints");
            assert!(fa.iter().zip(&fb).all(|(x, y)| x.2 != y.2), "{name}: the code did move");
            compared += 1;
        }
    }
    assert!(compared >= 3, "{compared}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn dwarf_maps_a_clang_build_to_the_marked_source_line() {
    let root = common::repo_root();
    let fixture = "tests/fixtures/dwarf/vault.wasm";
    let source = std::fs::read_to_string(root.join("tests/fixtures/dwarf/vault.c")).expect("source");
    let (marked, _) = source
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("@expect unprotected-terminate"))
        .expect("the source marks the expected line");
    let marked = marked as u64 + 1;
    let dir = temp_dir("dwarf");
    let out = dir.join("dwarf.sarif");
    let sarif = scan_sarif(&root, &root, &[fixture], &out);
    let run = &sarif["runs"][0];
    let result = run["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["ruleId"] == "WA102")
        .expect("the unprotected terminate is found");
    // The editor opens the C source at the marked line; the .wasm bytes are a related location.
    let primary = &result["locations"][0]["physicalLocation"];
    assert_eq!(primary["artifactLocation"]["uri"], "tests/fixtures/dwarf/vault.c");
    assert_eq!(primary["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(primary["region"]["startLine"].as_u64(), Some(marked), "{result}");
    let related = result["relatedLocations"].as_array().expect("related locations");
    let in_module = &related[0]["physicalLocation"];
    assert_eq!(in_module["artifactLocation"]["uri"], fixture);
    assert_eq!(in_module["region"]["byteOffset"], result["properties"]["offset"]);
    // The code flow goes from the exported `call` through its call of the helper.
    let flow = result["codeFlows"][0]["threadFlows"][0]["locations"].as_array().expect("flow");
    assert_eq!(flow.len(), 2, "{result}");
    assert_eq!(flow[0]["location"]["logicalLocations"][0]["name"], "call");
    let call_line = flow[0]["location"]["physicalLocation"]["region"]["startLine"].as_u64().expect("line");
    let call_text = source.lines().nth(call_line as usize - 1).expect("line in the source");
    assert!(call_text.contains("close_vault("), "{call_text}");
    common::validate_sarif(&out);
    common::multitool_validate(&[&out]);

    // JSON carries the same positions.
    let json = wasmaudit()
        .current_dir(&root)
        .args(["scan", "--format", "json", "--fail-on", "none", fixture])
        .output();
    let doc: Value = serde_json::from_slice(&json.expect("runs").stdout).expect("JSON");
    let findings = doc["files"][0]["findings"].as_array().expect("findings");
    let f = findings.iter().find(|f| f["id"] == "WA102").expect("the unprotected terminate is found");
    assert_eq!(f["source"]["file"], "tests/fixtures/dwarf/vault.c");
    assert_eq!(f["source"]["line"].as_u64(), Some(marked));
    assert_eq!(f["trail"][1]["offset"], f["offset"]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A near-sdk contract built from source (corpus/compiled): names come out demangled with the
/// symbol kept, and a finding inside library code points at the user's function on its way.
#[test]
fn compiled_rust_names_are_demangled_and_results_point_at_user_code() {
    let root = common::repo_root();
    let inputs: Vec<PathBuf> = ["near/close-account", "near/coinflip", "near/owner-config"]
        .iter()
        .map(|c| root.join("corpus/compiled").join(c).join("vulnerable.wasm"))
        .collect();
    let reports = wasmaudit_engine::scan_paths(&inputs, &wasmaudit_engine::ScanOptions::default());
    let findings: Vec<_> = reports.iter().flat_map(|r| &r.findings).collect();
    assert!(!findings.is_empty());
    let mut demangled = 0;
    let mut moved_to_user_code = 0;
    for f in &findings {
        assert!(!f.function.starts_with("_ZN") && !f.function.starts_with("_R"), "{}", f.function);
        if f.function != f.function_raw {
            demangled += 1;
            assert!(
                f.function_raw.starts_with("_ZN") || f.function_raw.starts_with("_R"),
                "{}",
                f.function_raw
            );
        }
        let sink = f.trail.last().expect("the trail ends at the flagged instruction");
        assert_eq!((sink.function_index, sink.offset), (f.function_index, f.offset));
        let primary = f.primary_step().expect("a primary step");
        if f.trail.iter().any(|s| !s.in_library()) {
            assert!(!primary.in_library(), "{} points into {}", f.detector.name, primary.function);
        }
        if primary.offset != f.offset {
            moved_to_user_code += 1;
        }
    }
    assert!(demangled > 0, "the compiled contracts carry mangled Rust symbols");
    assert!(moved_to_user_code > 0, "no finding inside library code was shown at the user's call");
    println!(
        "{} findings, {demangled} demangled, {moved_to_user_code} shown at the user's call",
        findings.len()
    );
    let rules: Vec<_> = wasmaudit_detectors::registry().iter().map(|d| d.meta()).collect();
    let opts = wasmaudit_report::SarifOptions { source_root: root.clone(), working_dir: root.clone() };
    let sarif = wasmaudit_report::to_sarif_with(&reports, &rules, &opts);
    let dir = temp_dir("compiled");
    let out = dir.join("compiled.sarif");
    std::fs::write(&out, &sarif).expect("write");
    let doc: Value = serde_json::from_str(&sarif).expect("JSON");
    for (r, f) in doc["runs"][0]["results"].as_array().expect("results").iter().zip(&findings) {
        let primary = f.primary_step().expect("a primary step");
        assert_eq!(r["locations"][0]["logicalLocations"][0]["name"], primary.function.as_str());
    }
    common::validate_sarif(&out);
    common::multitool_validate(&[&out]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The same check on a Rust build (`rustc -g`, tests/fixtures/dwarf/vault_rs.rs): rustc's line
/// tables map the finding to the marked line, and the helper's mangled name comes out demangled.
#[test]
fn dwarf_maps_a_rust_build_to_the_marked_source_line() {
    let root = common::repo_root();
    let fixture = "tests/fixtures/dwarf/vault_rs.wasm";
    let source = std::fs::read_to_string(root.join("tests/fixtures/dwarf/vault_rs.rs")).expect("source");
    let (marked, _) = source
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("@expect unprotected-terminate"))
        .expect("the source marks the expected line");
    let json = wasmaudit()
        .current_dir(&root)
        .args(["scan", "--format", "json", "--fail-on", "none", fixture])
        .output();
    let doc: Value = serde_json::from_slice(&json.expect("runs").stdout).expect("JSON");
    let findings = doc["files"][0]["findings"].as_array().expect("findings");
    let f = findings.iter().find(|f| f["id"] == "WA102").expect("the unprotected terminate is found");
    assert_eq!(f["source"]["file"], "tests/fixtures/dwarf/vault_rs.rs");
    assert_eq!(f["source"]["line"].as_u64(), Some(marked as u64 + 1), "{f}");
    assert_eq!(f["function"], "vault_rs::close_vault");
    assert!(f["function_raw"].as_str().is_some_and(|r| r.starts_with("_ZN8vault_rs11close_vault")), "{f}");
    let steps: Vec<&str> =
        f["trail"].as_array().expect("trail").iter().filter_map(|s| s["function"].as_str()).collect();
    assert_eq!(steps, ["call", "vault_rs::close_vault"]);
    // The call step points at the call of the helper in `call`.
    let call_line = f["trail"][0]["source"]["line"].as_u64().expect("line of the call");
    let call_text = source.lines().nth(call_line as usize - 1).expect("line in the source");
    assert!(call_text.contains("close_vault("), "{call_text}");

    let dir = temp_dir("dwarf-rs");
    let out = dir.join("dwarf-rs.sarif");
    let sarif = scan_sarif(&root, &root, &[fixture], &out);
    let result = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["ruleId"] == "WA102")
        .expect("in SARIF too");
    let primary = &result["locations"][0]["physicalLocation"];
    assert_eq!(primary["artifactLocation"]["uri"], "tests/fixtures/dwarf/vault_rs.rs");
    assert_eq!(primary["region"]["startLine"].as_u64(), Some(marked as u64 + 1));
    common::validate_sarif(&out);
    common::multitool_validate(&[&out]);
    let _ = std::fs::remove_dir_all(&dir);
}
