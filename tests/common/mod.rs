//! Helpers shared by the end-to-end tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/corpus` beside the repository, or `None` with a printed note (tests then skip).
pub fn shared_corpus() -> Option<PathBuf> {
    let p = repo_root().join("../shared/corpus");
    if p.is_dir() {
        Some(p)
    } else {
        println!("skipped: ../shared/corpus not found");
        None
    }
}

/// Drops the `name` custom section, as a stripped release build has none.
pub fn strip_names(wasm: &[u8]) -> Vec<u8> {
    let mut out = wasm[..8].to_vec();
    let mut pos = 8;
    while pos < wasm.len() {
        let id = wasm[pos];
        let (size, n) = leb_u32(&wasm[pos + 1..]);
        let start = pos + 1 + n;
        let end = start + size as usize;
        let is_name = id == 0 && {
            let (len, m) = leb_u32(&wasm[start..]);
            &wasm[start + m..start + m + len as usize] == b"name"
        };
        if !is_name {
            out.extend_from_slice(&wasm[pos..end]);
        }
        pos = end;
    }
    out
}

fn leb_u32(b: &[u8]) -> (u32, usize) {
    let mut v = 0u32;
    for (i, byte) in b.iter().enumerate().take(5) {
        v |= ((byte & 0x7f) as u32) << (7 * i);
        if byte & 0x80 == 0 {
            return (v, i + 1);
        }
    }
    panic!("bad LEB128 in test input");
}

/// Runs the SARIF schema validator on `file`. A missing validator fails under CI (where
/// `.ci/run` installs it) and skips with a note elsewhere.
pub fn validate_sarif(file: &Path) {
    let script = repo_root().join("tests/validate_sarif.py");
    let out = Command::new("python3").arg(&script).arg(file).output();
    let out = match out {
        Ok(o) => o,
        Err(e) => {
            assert!(std::env::var_os("CI").is_none(), "python3 not available under CI: {e}");
            println!("skipped SARIF schema validation: python3 not available ({e})");
            return;
        }
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    match out.status.code() {
        Some(0) => {}
        Some(3) if std::env::var_os("CI").is_none() => println!("skipped SARIF schema validation: {stdout}"),
        _ => panic!("SARIF schema validation failed:\n{stdout}{}", String::from_utf8_lossy(&out.stderr)),
    }
}

pub fn wasmaudit() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wasmaudit"))
}

/// Microsoft's SARIF Multitool (npm `@microsoft/sarif-multitool`, a self-contained binary):
/// `$SARIF_MULTITOOL`, else the platform binary under `npm root -g`. The npm wrapper script is
/// not used: it passes arguments through a shell, which splits `Sarif;Gh;Ghas` at the `;`.
pub fn sarif_multitool() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SARIF_MULTITOOL") {
        return Some(PathBuf::from(p));
    }
    let out = Command::new("npm").args(["root", "-g"]).output().ok()?;
    let root = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    [
        "@microsoft/sarif-multitool/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool",
        "@microsoft/sarif-multitool-linux/Sarif.Multitool",
    ]
    .iter()
    .map(|rel| root.join(rel))
    .find(|p| p.is_file())
}

/// Runs the Multitool's `validate` with the SARIF rules and GitHub code scanning's (`Gh`,
/// `Ghas`) on `files` and fails on any error or warning it reports; skips with a note when the
/// Multitool is not installed (`.ci/run` installs it).
pub fn multitool_validate(files: &[&Path]) {
    let Some(tool) = sarif_multitool() else {
        assert!(std::env::var_os("CI").is_none(), "SARIF Multitool not installed under CI");
        println!("skipped: SARIF Multitool not found (npm install -g @microsoft/sarif-multitool)");
        return;
    };
    let out = Command::new(&tool)
        .args(["validate", "--rule-kind", "Sarif;Gh;Ghas", "--level", "Error;Warning"])
        .args(files)
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", tool.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let problems: Vec<&str> =
        stdout.lines().filter(|l| l.contains(": error ") || l.contains(": warning ")).collect();
    assert!(
        out.status.success() && problems.is_empty(),
        "SARIF Multitool reports problems (exit {:?}):\n{}\n{}",
        out.status.code(),
        problems.join("\n"),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("SARIF Multitool: {} file(s) clean under Sarif;Gh;Ghas", files.len());
}

/// `(function, message)` of the findings of `detector` in a compiled-corpus build
/// (`corpus/compiled/<platform>/<case>/<build>.wasm`), scanned with the default options.
pub fn compiled_findings(platform: &str, case: &str, build: &str, detector: &str) -> Vec<(String, String)> {
    let path = repo_root().join(format!("corpus/compiled/{platform}/{case}/{build}.wasm"));
    let bytes = std::fs::read(&path).expect("compiled corpus module");
    let registry = wasmaudit_detectors::registry();
    let report =
        wasmaudit_engine::scan_bytes(build, &bytes, &wasmaudit_engine::ScanOptions::default(), &registry);
    assert!(report.error.is_none(), "{:?}", report.error);
    report
        .findings
        .iter()
        .filter(|f| f.detector.name == detector)
        .map(|f| (f.function.clone(), f.message.clone()))
        .collect()
}

/// The report of `../shared/corpus/<rel>` scanned with the default options (status checked), or
/// `None` with a printed note when the corpus is absent (tests then skip).
pub fn scan_shared(rel: &str) -> Option<wasmaudit_engine::FileReport> {
    let corpus = shared_corpus()?;
    let path = corpus.join(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let registry = wasmaudit_detectors::registry();
    let report =
        wasmaudit_engine::scan_bytes(rel, &bytes, &wasmaudit_engine::ScanOptions::default(), &registry);
    assert_eq!(report.status, wasmaudit_engine::Status::Ok, "{rel}: {:?}", report.error);
    Some(report)
}

/// The messages of the findings of `detector` in the module written as `wat`, scanned with the
/// default options.
pub fn wat_findings(name: &str, wat: &str, detector: &str) -> Vec<String> {
    let wasm = wat::parse_str(wat).expect("valid WAT");
    let registry = wasmaudit_detectors::registry();
    let report =
        wasmaudit_engine::scan_bytes(name, &wasm, &wasmaudit_engine::ScanOptions::default(), &registry);
    assert!(report.error.is_none(), "{:?}", report.error);
    report.findings.iter().filter(|f| f.detector.name == detector).map(|f| f.message.clone()).collect()
}
