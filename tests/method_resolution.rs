//! Method-name resolution of ChainMaker `sys_call` and WXVM/XuperChain `_call_method` sites over
//! the real contracts in ../shared/corpus/chainmaker (skipped when absent): prints, per file and
//! per runtime, the dispatching import calls, the dispatch sites they expand into (wrapper call
//! sites included) and how many resolve to names in the platform model's method table, lists
//! the unresolved sites, and requires at least 90% resolved overall.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use wasmaudit_detect::methods::{dispatch_calls, method_call_sites};
use wasmaudit_detect::Context;
use wasmaudit_flow::Program;

fn wasm_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            wasm_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "wasm") {
            out.push(p);
        }
    }
}

/// The SDK a contract was built with, from its imports: WXVM C++ contracts dispatch through
/// `_call_method`; TinyGo links a WASI module for its runtime; Rust contracts import neither.
fn runtime(m: &wasmaudit_front::Module) -> &'static str {
    let imports: Vec<(&str, &str)> =
        m.functions.iter().filter_map(|f| f.import.as_ref().map(|(a, b)| (a.as_str(), b.as_str()))).collect();
    if imports.iter().any(|(_, n)| *n == "_call_method") {
        "C++"
    } else if imports.iter().any(|(module, _)| module.starts_with("wasi")) {
        "TinyGo"
    } else {
        "Rust"
    }
}

#[derive(Default)]
struct Count {
    files: usize,
    import_calls: usize,
    sites: usize,
    resolved: usize,
}

fn pct(a: usize, b: usize) -> f64 {
    if b == 0 {
        100.0
    } else {
        100.0 * a as f64 / b as f64
    }
}

#[test]
fn chainmaker_dispatch_sites_resolve_to_method_names() {
    let Some(corpus) = common::shared_corpus() else { return };
    let dir = corpus.join("chainmaker");
    if !dir.is_dir() {
        println!("skipped: {} not found", dir.display());
        return;
    }
    let mut files = Vec::new();
    wasm_files(&dir, &mut files);
    files.sort();
    assert!(!files.is_empty(), "no .wasm in {}", dir.display());

    let mut per_runtime: BTreeMap<&str, Count> = BTreeMap::new();
    let mut unresolved = Vec::new();
    let mut all_names: BTreeMap<String, usize> = BTreeMap::new();
    println!(
        "{:<50} {:<7} {:<11} {:>7} {:>6} {:>9}",
        "file", "runtime", "platform", "imports", "sites", "resolved"
    );
    for path in &files {
        let name = path.strip_prefix(&dir).unwrap_or(path).display().to_string();
        let bytes = std::fs::read(path).expect("read contract");
        let m = wasmaudit_front::parse(&bytes).expect("corpus contracts parse");
        let program = Program::build(&m);
        let platform = wasmaudit_engine::detect_platform(&m);
        let cx = Context::new(&m, &program, platform);
        let import_calls = dispatch_calls(&cx).len();
        let sites = method_call_sites(&cx);
        let resolved = sites.iter().filter(|s| s.resolved()).count();
        let rt = runtime(&m);
        println!(
            "{name:<50} {rt:<7} {:<11} {import_calls:>7} {:>6} {resolved:>9}",
            platform.as_str(),
            sites.len()
        );
        let mut found: BTreeMap<&str, usize> = BTreeMap::new();
        for s in &sites {
            for n in &s.methods {
                *found.entry(n.as_str()).or_default() += 1;
                *all_names.entry(n.clone()).or_default() += 1;
            }
        }
        if !found.is_empty() {
            let list: Vec<String> = found.iter().map(|(n, k)| format!("{n}:{k}")).collect();
            println!("    {}", list.join(" "));
        }
        let c = per_runtime.entry(rt).or_default();
        c.files += 1;
        c.import_calls += import_calls;
        c.sites += sites.len();
        c.resolved += resolved;
        for s in sites.iter().filter(|s| !s.resolved()) {
            unresolved.push(format!(
                "{name}: {} (func {}) instr {} via {:?}, names found {:?}",
                m.func_name(s.func),
                s.func,
                s.instr,
                s.path,
                s.methods
            ));
        }
    }

    let list: Vec<String> = all_names.iter().map(|(n, k)| format!("{n}:{k}")).collect();
    println!("method names at dispatch sites: {}", list.join(" "));
    println!("unresolved sites: {}", unresolved.len());
    for u in &unresolved {
        println!("  {u}");
    }
    let mut total = Count::default();
    println!("per runtime:");
    for (rt, c) in &per_runtime {
        println!(
            "  {rt:<7} {:>3} files, {:>4} import calls, {:>4} dispatch sites, {:>4} resolved ({:.1}%)",
            c.files,
            c.import_calls,
            c.sites,
            c.resolved,
            pct(c.resolved, c.sites)
        );
        total.files += c.files;
        total.import_calls += c.import_calls;
        total.sites += c.sites;
        total.resolved += c.resolved;
    }
    println!(
        "method resolution: {}/{} dispatch sites resolved ({:.1}%) in {} files, from {} import calls",
        total.resolved,
        total.sites,
        pct(total.resolved, total.sites),
        total.files,
        total.import_calls
    );
    assert!(total.sites > 0, "no dispatch site found in {}", dir.display());
    assert!(
        total.resolved * 10 >= total.sites * 9,
        "only {}/{} dispatch sites resolved to a method name",
        total.resolved,
        total.sites
    );
}
