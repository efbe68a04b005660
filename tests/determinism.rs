//! Output is a function of the inputs only: byte-identical SARIF and JSON for any `--jobs`,
//! directory scans that cannot be trapped by symbolic-link loops, and nothing written anywhere
//! but where `--output` says.

mod common;

use std::path::{Path, PathBuf};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wasmaudit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The `.wat` examples under `corpus/`, named directly.
fn examples() -> Vec<PathBuf> {
    let mut wats = Vec::new();
    collect_wat(&common::repo_root().join("corpus"), &mut wats);
    assert!(!wats.is_empty(), "corpus/ has .wat examples");
    wats.sort();
    wats
}

/// The whole batch: `../shared/corpus` (620 contracts and 32 malformed inputs), or the examples
/// when it is absent.
fn whole_corpus() -> Vec<PathBuf> {
    match common::shared_corpus() {
        Some(shared) => vec![shared],
        None => examples(),
    }
}

/// A quicker batch for the second format (rendering is a pure function of the reports): the
/// examples and the malformed inputs.
fn small_corpus() -> Vec<PathBuf> {
    let mut inputs = examples();
    if let Some(shared) = common::shared_corpus() {
        inputs.push(shared.join("malformed"));
    }
    inputs
}

fn collect_wat(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for p in entries.flatten().map(|e| e.path()) {
        if p.is_dir() {
            collect_wat(&p, out);
        } else if p.extension().is_some_and(|e| e == "wat") {
            out.push(p);
        }
    }
}

/// Runs a scan with `--jobs jobs` writing `format` to `out`. The time limit is off: whether a
/// slow file beats a wall-clock limit depends on the machine's load, which is the one thing
/// allowed to differ between two runs (the analyses' own step budgets are deterministic).
fn scan(inputs: &[PathBuf], format: &str, jobs: &str, out: &Path) {
    let status = common::wasmaudit()
        .arg("scan")
        .args(inputs)
        .args(["--format", format, "--fail-on", "none", "--timeout-per-file", "0", "--jobs", jobs])
        .arg("--output")
        .arg(out)
        .status()
        .expect("runs");
    assert!(matches!(status.code(), Some(0 | 2)), "scan failed: {status}");
}

#[test]
fn output_is_byte_identical_for_any_number_of_jobs() {
    let dir = temp_dir("determinism");
    for (format, inputs) in [("sarif", whole_corpus()), ("json", small_corpus())] {
        let one = dir.join(format!("jobs1.{format}"));
        let two = dir.join(format!("jobs2.{format}"));
        scan(&inputs, format, "1", &one);
        scan(&inputs, format, "2", &two);
        let a = std::fs::read(&one).expect("jobs 1 output");
        let b = std::fs::read(&two).expect("jobs 2 output");
        assert!(!a.is_empty());
        assert!(
            a == b,
            "{format} output differs between --jobs 1 and --jobs 2 ({} vs {} bytes)",
            a.len(),
            b.len()
        );
        println!("{format}: {} bytes, identical for --jobs 1 and 2", a.len());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[test]
fn symlink_loops_do_not_trap_a_directory_scan() {
    use std::os::unix::fs::symlink;
    let dir = temp_dir("symlink-loop");
    let root = dir.join("contracts");
    std::fs::create_dir_all(root.join("sub")).expect("dirs");
    let wasm = wat::parse_str(r#"(module (func (export "f") nop))"#).expect("valid WAT");
    std::fs::write(root.join("sub/real.wasm"), wasm).expect("write");
    // A link to the directory itself, and one from a subdirectory back up to it.
    symlink(&root, root.join("self")).expect("symlink");
    symlink("..", root.join("sub/up")).expect("symlink");
    let out = common::wasmaudit()
        .args(["scan", "--format", "json", "--fail-on", "none"])
        .arg(&root)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    let paths: Vec<&str> =
        doc["files"].as_array().expect("files").iter().filter_map(|f| f["path"].as_str()).collect();
    assert_eq!(paths.len(), 1, "the real file once: {paths:?}");
    assert!(paths[0].ends_with("sub/real.wasm"), "{paths:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every file under `dir`, relative, sorted.
fn listing(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for p in entries.flatten().map(|e| e.path()) {
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.push(p.strip_prefix(base).unwrap_or(&p).display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn output_goes_only_where_output_says() {
    let dir = temp_dir("output-only");
    let inputs = dir.join("inputs");
    let cwd = dir.join("cwd");
    let reports = dir.join("reports");
    for d in [&inputs, &cwd, &reports] {
        std::fs::create_dir_all(d).expect("dir");
    }
    let wasm = wat::parse_file(common::repo_root().join("corpus/unprotected-upgrade/ink-1/vulnerable.wat"))
        .expect("assembles");
    std::fs::write(inputs.join("c.wasm"), wasm).expect("write");
    std::fs::write(inputs.join("bad.wasm"), b"\0asm\x01\0\0\0\x01\xff").expect("write");
    let before = listing(&dir);
    for format in ["text", "json", "sarif"] {
        let out = common::wasmaudit()
            .current_dir(&cwd)
            .args(["scan", "--format", format])
            .arg(&inputs)
            .arg("--output")
            .arg(reports.join(format!("report.{format}")))
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "the bad file is an input error");
        assert!(out.stdout.is_empty(), "{format}: report also went to stdout");
    }
    let mut expected = before;
    expected.extend(["reports/report.json", "reports/report.sarif", "reports/report.text"].map(String::from));
    expected.sort();
    assert_eq!(listing(&dir), expected, "files appeared outside --output");
    let _ = std::fs::remove_dir_all(&dir);
}
