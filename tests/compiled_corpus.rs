//! Recall and precision on `corpus/compiled/`: contracts written as SDK users write them (from
//! the taxonomy and the platforms' documentation, not from the detectors) and built with the
//! platforms' real toolchains. Every case has a `case.toml` (platform, kind `pair` or `benign`,
//! class, entry, method) and its built modules.
//!
//! Each module is scanned twice, with its name section and stripped. A vulnerable module counts
//! as found when a finding of the case's class is reported in a function its case's `entry`
//! export reaches; a remediated module is a false
//! alarm when a finding of the case's class at medium impact or above is reported on it; a benign
//! module is a false alarm for every class reported on it at medium impact or above, except the
//! `build_flaws` its case.toml lists (true of the build, outside the case's intent: they must
//! be reported, and count neither way). The test
//! prints recall, precision and F1 per class and per platform and holds the outcome of every
//! (module, naming) against `corpus/compiled/outcomes.tsv`: a case found there must stay found,
//! a module clean there must stay clean. An improvement makes the test fail until the file is
//! rewritten with `COMPILED_UPDATE=1 cargo test --test compiled_corpus` (review the diff).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use wasmaudit_detect::Impact;
use wasmaudit_engine::{scan_bytes, FileReport, ScanOptions};

struct Case {
    dir: String,
    platform: String,
    kind: String,
    class: String,
    /// The export from which the flaw is reachable.
    entry: String,
    /// Classes that are true of this build though outside the case's intent (`build_flaws` in
    /// case.toml, with its `build_flaws_reason`): they must be reported, and count neither way.
    build_flaws: Vec<String>,
}

/// `key = "value"` lines of a flat TOML file.
fn read_case(path: &Path) -> Option<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let Some((k, v)) = line.split_once('=') else { continue };
        let v = v.trim();
        let v = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(v);
        out.insert(k.trim().to_string(), v.to_string());
    }
    Some(out)
}

fn cases(root: &Path) -> Vec<Case> {
    let mut out = Vec::new();
    let Ok(platforms) = std::fs::read_dir(root) else { return out };
    let mut platforms: Vec<_> = platforms.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    platforms.sort();
    for p in platforms {
        let Ok(entries) = std::fs::read_dir(&p) else { continue };
        let mut dirs: Vec<_> =
            entries.flatten().map(|e| e.path()).filter(|d| d.join("case.toml").is_file()).collect();
        dirs.sort();
        for d in dirs {
            let Some(c) = read_case(&d.join("case.toml")) else { continue };
            let rel = d.strip_prefix(root).unwrap_or(&d).to_string_lossy().to_string();
            out.push(Case {
                dir: rel,
                platform: c.get("platform").cloned().unwrap_or_default(),
                kind: c.get("kind").cloned().unwrap_or_default(),
                class: c.get("class").cloned().unwrap_or_default(),
                entry: c.get("entry").cloned().unwrap_or_default(),
                build_flaws: c
                    .get("build_flaws")
                    .map(|l| l.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect())
                    .unwrap_or_default(),
            });
        }
    }
    out
}

#[derive(Default)]
struct Tally {
    tp: usize,
    fn_: usize,
    fp: usize,
}

impl Tally {
    fn line(&self, name: &str) -> String {
        let r = ratio(self.tp, self.tp + self.fn_);
        let p = ratio(self.tp, self.tp + self.fp);
        let f1 = if r + p == 0.0 { 0.0 } else { 2.0 * r * p / (r + p) };
        format!("{name:<34} {:>4} {:>4} {:>4} {r:>7.2} {p:>9.2} {f1:>5.2}", self.tp, self.fn_, self.fp)
    }
}

/// Functions the export `entry` reaches through the call graph (itself included).
fn entry_reach(bytes: &[u8], entry: &str) -> BTreeSet<u32> {
    let Ok(module) = wasmaudit_front::parse(bytes) else { return BTreeSet::new() };
    let program = wasmaudit_flow::Program::build_control_flow(&module);
    let Some(root) = module.exported_funcs().find(|(n, _)| *n == entry).map(|(_, f)| f) else {
        panic!("entry {entry:?} is not an export");
    };
    program.calls.reachable_from(root).into_iter().collect()
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

#[test]
fn compiled_corpus_recall_and_precision() {
    let root = common::repo_root().join("corpus/compiled");
    let all = cases(&root);
    assert!(all.len() >= 40, "corpus/compiled holds {} cases", all.len());
    let registry = wasmaudit_detectors::registry();
    let opts = ScanOptions::default();

    // (module path, naming) -> outcome
    let mut outcomes: BTreeMap<(String, &str), String> = BTreeMap::new();
    let mut per_class: BTreeMap<String, Tally> = BTreeMap::new();
    let mut per_platform: BTreeMap<String, Tally> = BTreeMap::new();
    let mut total = Tally::default();
    for case in &all {
        assert!(
            case.kind == "benign" || wasmaudit_detect::Class::from_name(&case.class).is_some(),
            "{}: class {:?} is not a taxonomy class",
            case.dir,
            case.class
        );
        let modules: &[&str] =
            if case.kind == "benign" { &["benign.wasm"] } else { &["vulnerable.wasm", "remediated.wasm"] };
        for module in modules {
            let path = root.join(&case.dir).join(module);
            let Ok(bytes) = std::fs::read(&path) else {
                // Recorded, so a module that disappears is a regression of its outcome.
                println!("unbuilt {}/{module}", case.dir);
                for naming in ["named", "stripped"] {
                    outcomes.insert((format!("{}/{module}", case.dir), naming), "unbuilt".to_string());
                }
                continue;
            };
            for (naming, b) in [("named", bytes.clone()), ("stripped", common::strip_names(&bytes))] {
                let rel = format!("{}/{module}", case.dir);
                let report: FileReport = scan_bytes(&rel, &b, &opts, &registry);
                assert!(report.error.is_none(), "{rel} ({naming}): {:?}", report.error);
                let serious: BTreeSet<&str> = report
                    .findings
                    .iter()
                    .filter(|f| f.impact >= Impact::Medium)
                    .map(|f| f.detector.class.as_str())
                    .collect();
                // Found: a finding of the class in a function the case's entry point reaches
                // (the flaw's way), not anywhere in the module.
                let on_way = entry_reach(&b, &case.entry);
                let of_class = report
                    .findings
                    .iter()
                    .any(|f| f.detector.class.as_str() == case.class && on_way.contains(&f.function_index));
                let outcome = if *module == "vulnerable.wasm" {
                    let t = if of_class { "found" } else { "missed" };
                    let tally = |m: &mut Tally| {
                        if of_class {
                            m.tp += 1
                        } else {
                            m.fn_ += 1
                        }
                    };
                    tally(per_class.entry(case.class.clone()).or_default());
                    tally(per_platform.entry(case.platform.clone()).or_default());
                    tally(&mut total);
                    t.to_string()
                } else {
                    for flaw in &case.build_flaws {
                        assert!(
                            serious.contains(flaw.as_str()),
                            "{rel} ({naming}): build flaw {flaw} not reported"
                        );
                    }
                    let wrong: Vec<&str> = if case.kind == "benign" {
                        serious.iter().copied().filter(|c| !case.build_flaws.iter().any(|f| f == c)).collect()
                    } else {
                        serious.iter().copied().filter(|c| *c == case.class).collect()
                    };
                    for c in &wrong {
                        per_class.entry(c.to_string()).or_default().fp += 1;
                        per_platform.entry(case.platform.clone()).or_default().fp += 1;
                        total.fp += 1;
                    }
                    if wrong.is_empty() {
                        "clean".to_string()
                    } else {
                        format!("false-alarm:{}", wrong.join(","))
                    }
                };
                outcomes.insert((rel, naming), outcome);
            }
        }
    }

    println!(
        "{:<34} {:>4} {:>4} {:>4} {:>7} {:>9} {:>5}",
        "class", "tp", "fn", "fp", "recall", "precision", "f1"
    );
    for (c, t) in &per_class {
        println!("{}", t.line(c));
    }
    println!();
    for (p, t) in &per_platform {
        println!("{}", t.line(p));
    }
    println!("{}", total.line("all (named and stripped)"));

    let file = root.join("outcomes.tsv");
    let mut text = String::from("module\tnaming\toutcome\n");
    for ((m, n), o) in &outcomes {
        text.push_str(&format!("{m}\t{n}\t{o}\n"));
    }
    if std::env::var_os("COMPILED_UPDATE").is_some() {
        std::fs::write(&file, &text).expect("write outcomes.tsv");
        println!("rewrote corpus/compiled/outcomes.tsv");
        return;
    }
    let recorded = std::fs::read_to_string(&file).unwrap_or_default();
    let recorded: BTreeMap<(String, String), String> = recorded
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut it = l.split('\t');
            Some(((it.next()?.to_string(), it.next()?.to_string()), it.next()?.to_string()))
        })
        .collect();
    let mut worse = Vec::new();
    let mut better = Vec::new();
    for ((m, n), o) in &outcomes {
        let before = recorded.get(&(m.clone(), n.to_string())).map(String::as_str).unwrap_or("new");
        if before == o {
            continue;
        }
        let alarms = |s: &str| -> BTreeSet<String> {
            s.strip_prefix("false-alarm:")
                .map(|l| l.split(',').map(str::to_string).collect())
                .unwrap_or_default()
        };
        let regressed = (before == "found" && o == "missed")
            || (before != "unbuilt" && before != "new" && o == "unbuilt")
            || (before == "clean" && o != "clean")
            || !alarms(o).is_subset(&alarms(before));
        let line = format!("{m} ({n}): {before} -> {o}");
        if regressed {
            worse.push(line);
        } else {
            better.push(line);
        }
    }
    assert!(worse.is_empty(), "compiled corpus regressed: {worse:#?}");
    assert!(
        better.is_empty(),
        "compiled corpus outcomes changed (rerun with COMPILED_UPDATE=1 and review): {better:#?}"
    );
}
