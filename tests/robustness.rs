//! Hostile input through the whole analysis: arbitrary valid modules (wasm-smith), byte-mutated
//! real modules, the fuzzers' minimized crashers in `tests/regressions/`, oversized files and the
//! limit flags. Every input must give an ok or error report — never a panic (the engine turns
//! one into an "internal error" report) and never the per-file time limit.
//!
//! Deterministic and bounded: a fixed xorshift seed and fixed iteration counts.

mod common;

use arbitrary::Unstructured;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use wasmaudit_detect::Detector;
use wasmaudit_engine::{scan_bytes, scan_file, FileReport, ScanOptions, Status};

/// Arbitrary valid modules generated per run.
const SMITH_MODULES: usize = 500;
/// Mutated copies of real modules per run.
const MUTATIONS: usize = 1000;
/// Real modules larger than this are not mutated: their scans would dominate a debug test run.
const MAX_MUTATION_SOURCE: u64 = 24 * 1024;
/// Far above what any of these inputs needs; reaching it means analysis ran away.
const TIME_LIMIT: Duration = Duration::from_secs(20);

/// xorshift64*: a tiny deterministic PRNG, so every run sees the same inputs.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform-enough in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

fn options() -> ScanOptions {
    ScanOptions { jobs: Some(1), timeout_per_file: Some(TIME_LIMIT), ..ScanOptions::default() }
}

/// The property: an ok report, or an error report that is neither a contained panic nor a
/// time-out. Returns the report for further checks.
fn check(label: &str, bytes: &[u8], detectors: &[Box<dyn Detector>]) -> FileReport {
    let report = scan_bytes(label, bytes, &options(), detectors);
    if let Some(msg) = &report.error {
        assert!(!msg.contains("internal error"), "{label}: analysis panicked: {msg}");
        assert!(!msg.contains("time limit"), "{label}: analysis ran away: {msg}");
        assert_eq!(report.status, Status::Error);
    }
    report
}

#[test]
fn arbitrary_valid_modules_scan_ok() {
    let detectors = wasmaudit_detectors::registry();
    let mut rng = XorShift(0x5eed_0fa5_1de5);
    let start = Instant::now();
    let (mut generated, mut ok) = (0, 0);
    for i in 0..SMITH_MODULES {
        let len = 256 + rng.below(4096);
        let seed = rng.bytes(len);
        let mut u = Unstructured::new(&seed);
        // Modules of contract-like size; every proposal wasm-smith knows stays on, as the front
        // end validates with all features.
        let config = wasm_smith::Config {
            max_funcs: 40,
            max_instructions: 400,
            max_nesting_depth: 12,
            ..wasm_smith::Config::default()
        };
        let Ok(module) = wasm_smith::Module::new(config, &mut u) else { continue };
        generated += 1;
        let bytes = module.to_bytes();
        let report = check(&format!("smith-{i}.wasm"), &bytes, &detectors);
        // wasm-smith only emits valid modules: the front end must accept them.
        assert_eq!(report.status, Status::Ok, "smith-{i}: valid module rejected: {:?}", report.error);
        ok += 1;
    }
    println!("{generated} wasm-smith modules, {ok} ok, in {:?}", start.elapsed());
    assert!(generated >= SMITH_MODULES / 2, "wasm-smith generated only {generated} modules");
}

/// Real modules to mutate: the `.wat` examples under `corpus/` (always present) and the small
/// contracts and malformed inputs of `../shared/corpus` (skipped with a note when absent).
fn mutation_sources() -> Vec<(String, Vec<u8>)> {
    let mut sources = Vec::new();
    let mut wats = Vec::new();
    collect(&common::repo_root().join("corpus"), "wat", &mut wats);
    for p in wats {
        let wasm = wat::parse_file(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        sources.push((p.display().to_string(), wasm));
    }
    if let Some(shared) = common::shared_corpus() {
        let mut files = Vec::new();
        collect(&shared, "wasm", &mut files);
        for p in files {
            if std::fs::metadata(&p).is_ok_and(|m| m.len() <= MAX_MUTATION_SOURCE) {
                let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                sources.push((p.display().to_string(), bytes));
            }
        }
    }
    sources
}

fn collect(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            collect(&p, ext, out);
        } else if p.extension().is_some_and(|e| e == ext) {
            out.push(p);
        }
    }
}

/// One random mutation of the kinds that break parsers: bit flips, truncation, LEB128
/// continuation bytes (sizes and indices that run on or grow huge), interesting byte values,
/// and a duplicated chunk.
fn mutate(rng: &mut XorShift, input: &[u8]) -> Vec<u8> {
    let mut b = input.to_vec();
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        if b.is_empty() {
            b.push(0);
        }
        let at = rng.below(b.len());
        match rng.below(6) {
            0 => b[at] ^= 1 << rng.below(8),
            1 => b.truncate(at),
            2 => {
                let leb: &[u8] = match rng.below(3) {
                    0 => &[0x80],
                    1 => &[0xff, 0xff, 0xff, 0xff, 0x0f],
                    _ => &[0x80, 0x80, 0x80, 0x80, 0x80, 0x00],
                };
                b.splice(at..at, leb.iter().copied());
            }
            3 => b[at] = [0x00, 0x7f, 0x80, 0xff, 0x0b, 0x41][rng.below(6)],
            4 => {
                let end = (at + 1 + rng.below(64)).min(b.len());
                let chunk = b[at..end].to_vec();
                b.splice(at..at, chunk);
            }
            _ => {
                let n = rng.below(8);
                let junk = rng.bytes(n);
                b.splice(at..at, junk);
            }
        }
    }
    b
}

#[test]
fn mutated_real_modules_never_panic() {
    let detectors = wasmaudit_detectors::registry();
    let sources = mutation_sources();
    assert!(!sources.is_empty(), "corpus/ has .wat examples");
    let mut rng = XorShift(0xdead_beef_cafe_f00d);
    let start = Instant::now();
    let mut ok = 0;
    for i in 0..MUTATIONS {
        let (name, bytes) = &sources[rng.below(sources.len())];
        let mutated = mutate(&mut rng, bytes);
        let report = check(&format!("mutation-{i} of {name}"), &mutated, &detectors);
        ok += usize::from(report.status == Status::Ok);
    }
    println!(
        "{MUTATIONS} mutations of {} modules: {ok} still ok, {} errors, in {:?}",
        sources.len(),
        MUTATIONS - ok,
        start.elapsed()
    );
}

/// Minimized fuzzer crashers and hand-made hostile modules, kept so fixed bugs stay fixed.
#[test]
fn regression_inputs_scan_within_budget() {
    let detectors = wasmaudit_detectors::registry();
    let mut files = Vec::new();
    collect(&common::repo_root().join("tests/regressions"), "wasm", &mut files);
    for p in &files {
        let bytes = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let start = Instant::now();
        let report = check(&p.display().to_string(), &bytes, &detectors);
        println!("{}: {} in {:?}", p.display(), report.status.as_str(), start.elapsed());
    }
    println!("{} regression inputs", files.len());
}

/// A module with one exported function `apply(i64, i64, i64)` with `locals` extra i32 locals,
/// body `body`, and `extra` module fields.
fn module_with(extra: &str, locals: usize, body: &str) -> Vec<u8> {
    let locals = if locals == 0 { String::new() } else { format!("(local{})", " i32".repeat(locals)) };
    let src = format!(
        r#"(module
            (type $a (func)) (type $b (func (param i32)))
            (import "env" "memory" (memory 1))
            {extra}
            (func $main (export "apply") (param i64 i64 i64) {locals}
            {body}))"#
    );
    wat::parse_str(&src).unwrap_or_else(|e| panic!("hostile module: {e}"))
}

/// Small modules shaped to make one analysis do far more work than their size suggests. Each
/// ran out of memory or time before the analyses charged that work to their step budget.
fn hostile_modules() -> Vec<(&'static str, Vec<u8>)> {
    let n = 5_000;
    let set_locals: String = (0..n).map(|k| format!("i32.const 1 local.set {}\n", 3 + k)).collect();
    // Every branch copied the environment of n assigned locals: n copies held at once.
    let nested_branches =
        format!("{set_locals}{}{}", "block local.get 3 br_if 0\n".repeat(n), "end\n".repeat(n));
    // Every loop listed (and got a phi for) each of the n locals its body assigns.
    let nested_loops = format!("{}{set_locals}{}", "loop\n".repeat(n), "end\n".repeat(n));
    // Every call_indirect made a new value for each of n mutable globals.
    let globals = "(table 1 funcref)".to_string() + &"(global (mut i32) (i32.const 0))".repeat(n);
    let indirect_calls = "i32.const 0 i32.const 0 call_indirect (type $b)\n".repeat(n);
    // Every call_indirect scanned the whole table (of functions of another type).
    let slots = 4 * n;
    let table = format!(
        "(table {slots} funcref) (elem (i32.const 0) func {}) {}",
        (0..slots).map(|i| format!("$s{i} ")).collect::<String>(),
        (0..slots).map(|i| format!("(func $s{i} (type $a))")).collect::<String>()
    );
    let many_sites = "i32.const 0 i32.const 0 call_indirect (type $b)\n".repeat(5 * n);
    // One br_table with a distinct target for each of n nested blocks.
    let targets: String = (0..n).map(|d| format!("{d} ")).collect();
    let br_table = format!("{}i32.const 0 br_table {targets}\n{}", "block\n".repeat(n), "end\n".repeat(n));
    // A 64-bit memory's load and store offsets near i64::MAX in an EOSIO `apply` (the dispatch
    // walk's frame offsets must not overflow).
    let huge_offsets = wat::parse_str(
        r#"(module
            (import "env" "require_auth" (func $require_auth (param i64)))
            (memory i64 1)
            (func (export "apply") (param i64 i64 i64)
              i64.const 8 i64.load offset=0x7ffffffffffffff0 drop
              i64.const 8 i64.const 1 i64.store offset=0x7ffffffffffffff0
              i64.const 8 i32.load offset=0x7ffffffffffffffc drop
              local.get 0 call $require_auth))"#,
    )
    .unwrap_or_else(|e| panic!("hostile module: {e}"));
    vec![
        ("nested-branches-under-many-locals", module_with("", n, &nested_branches)),
        ("nested-loops-under-many-locals", module_with("", n, &nested_loops)),
        ("call-indirect-clobbering-many-globals", module_with(&globals, 0, &indirect_calls)),
        ("call-indirect-sites-times-table", module_with(&table, 0, &many_sites)),
        ("br-table-to-many-labels", module_with("", 0, &br_table)),
        ("offsets-near-the-end-of-i64", huge_offsets),
    ]
}

#[test]
fn hostile_shapes_stay_within_budget() {
    let detectors = wasmaudit_detectors::registry();
    // No contract of the real corpus needs more than 2M steps: a budget that keeps this quick.
    let mut opts = options();
    opts.limits.max_analysis_steps = 2_000_000;
    for (name, wasm) in hostile_modules() {
        let start = Instant::now();
        let report = scan_bytes(name, &wasm, &opts, &detectors);
        if let Some(msg) = &report.error {
            assert!(!msg.contains("internal error"), "{name}: analysis panicked: {msg}");
            assert!(!msg.contains("time limit"), "{name}: analysis ran away: {msg}");
        }
        println!("{name}: {} bytes, {} in {:?}", wasm.len(), report.status.as_str(), start.elapsed());
    }
}

/// Open: `wasmaudit_detect::query::unguarded_entry` walks every caller path up to depth 32
/// without remembering functions already shown guarded, so a 40-level diamond of callers (each
/// level two functions calling both of the level below; ~1 KB) takes 2^32 steps. The per-file
/// time limit contains it; enable this test when the walk is memoized.
#[test]
#[ignore = "open: exponential caller walk in crates/detect query::unguarded_entry"]
fn a_diamond_of_callers_is_analyzed_quickly() {
    let mut funcs = String::from("(func $sink (type $a) i32.const 0 call $set_code_hash drop)\n");
    let mut below = vec!["$sink".to_string()];
    for level in 1..=40 {
        let here = vec![format!("$f{level}a"), format!("$f{level}b")];
        for f in &here {
            let calls: String = below.iter().map(|b| format!("call {b} ")).collect();
            funcs.push_str(&format!("(func {f} (type $a) {calls})\n"));
        }
        below = here;
    }
    let calls: String = below.iter().map(|b| format!("call {b} ")).collect();
    let src = format!(
        r#"(module
            (type $ii (func (param i32 i32))) (type $i_i (func (param i32) (result i32))) (type $a (func))
            (import "seal0" "seal_caller" (func $seal_caller (type $ii)))
            (import "seal0" "seal_set_code_hash" (func $set_code_hash (type $i_i)))
            (import "env" "memory" (memory 1))
            {funcs}
            (func (export "call") (type $a)
              i32.const 0 i32.const 0 call $seal_caller
              i32.const 0 i32.load if unreachable end
              {calls}))"#
    );
    let wasm = wat::parse_str(&src).expect("valid WAT");
    let detectors = wasmaudit_detectors::registry();
    let opts = ScanOptions { timeout_per_file: Some(Duration::from_secs(5)), ..ScanOptions::default() };
    let report = scan_bytes("diamond.wasm", &wasm, &opts, &detectors);
    assert_eq!(report.status, Status::Ok, "{:?}", report.error);
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wasmaudit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn oversized_files_are_refused_before_reading() {
    let dir = temp_dir("oversized");
    // Sparse: 1 TiB of apparent size, no disk used. Reading it would take forever.
    let huge = dir.join("huge.wasm");
    let f = std::fs::File::create(&huge).expect("create");
    f.set_len(1 << 40).expect("sparse file");
    drop(f);
    let start = Instant::now();
    let detectors = wasmaudit_detectors::registry();
    let report = scan_file(&huge, &ScanOptions::default(), &detectors);
    assert_eq!(report.status, Status::Error);
    let msg = report.error.unwrap_or_default();
    assert!(msg.contains("over the limit of 67108864 bytes"), "{msg}");
    assert!(start.elapsed() < Duration::from_secs(5), "the file was read");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn limit_flags_give_clear_per_file_errors() {
    let dir = temp_dir("limit-flags");
    let wasm = wat::parse_str(
        r#"(module
            (func $a (export "a") nop nop nop nop nop nop)
            (func $b (export "b") block loop br 1 end end)
            (func $c (export "c")))"#,
    )
    .expect("valid WAT");
    let file = dir.join("m.wasm");
    std::fs::write(&file, &wasm).expect("write");
    let file = file.display().to_string();
    let run = |flags: &[&str]| {
        let out = common::wasmaudit()
            .args(["scan", "--format", "json", "--fail-on", "none", &file])
            .args(flags)
            .output()
            .expect("runs");
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
        (out.status.code(), doc["files"][0]["error"].as_str().unwrap_or("").to_string())
    };
    assert_eq!(run(&[]), (Some(0), String::new()));
    let (code, err) = run(&["--max-file-size", "10"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("over the limit of 10 bytes"), "{err}");
    let (code, err) = run(&["--max-functions", "2"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("3 functions, over the limit of 2"), "{err}");
    let (code, err) = run(&["--max-body-instructions", "4"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("more than 4 instructions"), "{err}");
    let (code, err) = run(&["--max-cfg-blocks", "4"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("more than 4 basic blocks"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_file_over_the_time_limit_is_an_error_and_the_batch_goes_on() {
    let detectors = wasmaudit_detectors::registry();
    let wasm = wat::parse_str(r#"(module (func (export "f") nop))"#).expect("valid WAT");
    // A limit no analysis can meet: the file times out, deterministically.
    let opts = ScanOptions { timeout_per_file: Some(Duration::from_nanos(1)), ..ScanOptions::default() };
    let report = scan_bytes("slow.wasm", &wasm, &opts, &detectors);
    assert_eq!(report.status, Status::Error);
    assert_eq!(report.error.as_deref(), Some("analysis exceeded the per-file time limit of 0.000000001 s"));
    assert!(!report.sha256.is_empty(), "the file was read; its hash is known");
    // The next file in the batch, with the normal limit, is analyzed.
    let report = scan_bytes("next.wasm", &wasm, &ScanOptions::default(), &detectors);
    assert_eq!(report.status, Status::Ok, "{:?}", report.error);
}

/// A detector of the caller's own that panics: the panic is that file's error, not the
/// caller's. Not in the registry, so it runs on the calling thread (borrowed detectors cannot
/// move to a thread that may outlive the call).
#[test]
fn a_panicking_detector_is_that_files_error() {
    use wasmaudit_detect::{Class, Confidence, Context, DetectorMeta, Docs, Finding, Impact};
    static META: DetectorMeta = DetectorMeta {
        id: "WA999",
        name: "always-panics",
        class: Class::UnprotectedUpgrade,
        impact: Impact::Info,
        confidence: Confidence::Low,
        summary: "test detector",
        docs: Docs {
            what_it_does: "",
            why_bad: "",
            exploit_scenario: "",
            recommendation: "",
            known_false_positives: "",
        },
        platforms: &[],
    };
    struct Panics;
    impl Detector for Panics {
        fn meta(&self) -> &'static DetectorMeta {
            &META
        }
        fn run(&self, _: &Context<'_>, _: &mut Vec<Finding>) {
            panic!("detector bug");
        }
    }
    let wasm = wat::parse_str(r#"(module (func (export "f") nop))"#).expect("valid WAT");
    let detectors: Vec<Box<dyn Detector>> = vec![Box::new(Panics)];
    let report = scan_bytes("p.wasm", &wasm, &ScanOptions::default(), &detectors);
    assert_eq!(report.status, Status::Error);
    assert_eq!(report.error.as_deref(), Some("internal error while analyzing: detector bug"));
}

/// Every malformed input of `../shared/corpus/malformed` is that file's error, the scan exits 2,
/// and a good file in the same batch is still analyzed.
#[test]
fn malformed_inputs_are_per_file_errors_and_the_batch_goes_on() {
    let Some(shared) = common::shared_corpus() else { return };
    let good = common::repo_root().join("corpus/unprotected-upgrade/ink-1/vulnerable.wat");
    let out = common::wasmaudit()
        .args(["scan", "--format", "json", "--fail-on", "none"])
        .arg(shared.join("malformed"))
        .arg(&good)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    let files = doc["files"].as_array().expect("files");
    assert_eq!(files.len(), 33, "32 malformed inputs and the good file");
    for f in files {
        let path = f["path"].as_str().unwrap_or("");
        if path.ends_with("vulnerable.wat") {
            assert_eq!(f["status"], "ok", "{f}");
        } else {
            assert_eq!(f["status"], "error", "{path} must be rejected");
            let msg = f["error"].as_str().unwrap_or("");
            assert!(!msg.contains("internal error") && !msg.contains("time limit"), "{path}: {msg}");
        }
    }
}
