//! The triage ledger (`tests/triage/ledger.tsv`): findings on real contracts in
//! ../shared/corpus judged true or false by hand. This test re-scans every judged file and
//!
//! - fails when a finding judged **true** is no longer reported (recall lost on real code);
//! - fails when a finding judged **false** is reported but not listed in
//!   `tests/triage/open.tsv` (a false positive fixed once came back, or a new judgement);
//! - fails when a listed open false positive is no longer reported (the list is stale: run with
//!   `TRIAGE_UPDATE=1` to rewrite it after checking the change is a fix);
//! - prints the precision of the judged sample as the scanner stands, per class and overall,
//!   and that of the uniform second sample (`tests/triage/sample2.tsv`) alone.
//!
//! A finding is identified by (file sha256, detector name, function name), so a detector that
//! moves its report to another instruction of the same function keeps its verdict. Skipped when
//! ../shared/corpus is absent.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use wasmaudit_engine::{scan_paths, ScanOptions};

type Key = (String, String, String);

struct Entry {
    path: String,
    verdict: bool,
    cause: String,
}

fn read_tsv(path: &std::path::Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

#[test]
fn triage_ledger_holds() {
    let Some(corpus) = common::shared_corpus() else { return };
    let dir = common::repo_root().join("tests/triage");
    let mut ledger: BTreeMap<Key, Entry> = BTreeMap::new();
    for row in read_tsv(&dir.join("ledger.tsv")) {
        assert!(row.len() >= 7, "ledger row with {} columns: {row:?}", row.len());
        let verdict = match row[4].as_str() {
            "true" => true,
            "false" => false,
            v => panic!("verdict must be true or false, got {v:?}"),
        };
        let key = (row[0].clone(), row[2].clone(), row[3].clone());
        ledger.insert(key, Entry { path: row[1].clone(), verdict, cause: row[5].clone() });
    }
    assert!(ledger.len() >= 80, "the ledger holds {} judged findings", ledger.len());
    let open: BTreeSet<Key> = read_tsv(&dir.join("open.tsv"))
        .into_iter()
        .filter(|r| r.len() >= 3)
        .map(|r| (r[0].clone(), r[1].clone(), r[2].clone()))
        .collect();

    let files: BTreeSet<String> = ledger.values().map(|e| e.path.clone()).collect();
    let paths: Vec<_> = files.iter().map(|p| corpus.join(p)).collect();
    let reports = scan_paths(&paths, &ScanOptions::default());
    let mut reported: BTreeSet<Key> = BTreeSet::new();
    for r in &reports {
        let sha = &r.sha256;
        for f in &r.findings {
            reported.insert((sha.clone(), f.detector.name.to_string(), f.function_raw.clone()));
        }
    }

    let mut lost_true = Vec::new();
    let mut back_false = Vec::new();
    let mut stale_open = Vec::new();
    let mut now_open = BTreeSet::new();
    // class -> (true still reported, false still reported)
    let mut per_class: BTreeMap<String, (usize, usize, usize, usize)> = BTreeMap::new();
    for (key, e) in &ledger {
        let is_reported = reported.contains(key);
        let c = per_class.entry(key.1.clone()).or_default();
        if e.verdict {
            c.0 += 1;
            if is_reported {
                c.1 += 1;
            } else {
                lost_true.push(format!("{} {} {}", e.path, key.1, key.2));
            }
        } else {
            c.2 += 1;
            if is_reported {
                c.3 += 1;
                now_open.insert(key.clone());
                if !open.contains(key) {
                    back_false.push(format!("{} {} {} (cause {})", e.path, key.1, key.2, e.cause));
                }
            }
        }
    }
    for key in &open {
        if !now_open.contains(key) && ledger.contains_key(key) {
            stale_open.push(format!("{} {} {}", key.0, key.1, key.2));
        }
    }

    println!("{:<34} {:>10} {:>12} {:>9}", "detector", "true kept", "false left", "precision");
    let (mut tk, mut fl, mut tt, mut ft) = (0, 0, 0, 0);
    for (class, (t, kept, f, left)) in &per_class {
        let p = if kept + left == 0 { 1.0 } else { *kept as f64 / (kept + left) as f64 };
        println!("{class:<34} {:>10} {:>12} {p:>9.2}", format!("{kept}/{t}"), format!("{left}/{f}"));
        tk += kept;
        fl += left;
        tt += t;
        ft += f;
    }
    let before = tt as f64 / (tt + ft) as f64;
    let after = if tk + fl == 0 { 1.0 } else { tk as f64 / (tk + fl) as f64 };
    println!(
        "judged sample: {} findings; precision as judged {before:.2}, now {after:.2} \
         ({tk} true kept of {tt}, {fl} false left of {ft})",
        ledger.len()
    );

    // The second sample, drawn uniformly from the findings of one scan (`sample.py --uniform`):
    // its precision is the one a user meets, where the first, stratified by class, gives small
    // classes more weight.
    let uniform: BTreeSet<Key> = read_tsv(&dir.join("sample2.tsv"))
        .into_iter()
        .filter(|r| r.len() >= 6)
        .map(|r| (r[0].clone(), r[4].clone(), r[5].clone()))
        .collect();
    let judged: Vec<(&Key, &Entry)> = ledger.iter().filter(|(k, _)| uniform.contains(*k)).collect();
    assert_eq!(judged.len(), uniform.len(), "every entry of sample2.tsv has a verdict in the ledger");
    let true_as_judged = judged.iter().filter(|(_, e)| e.verdict).count();
    let true_now = judged.iter().filter(|(k, e)| e.verdict && reported.contains(*k)).count();
    let false_now = judged.iter().filter(|(k, e)| !e.verdict && reported.contains(*k)).count();
    println!(
        "uniform sample 2: {} findings; precision as judged {:.2}, now {:.2} ({true_now} true kept of \
         {true_as_judged}, {false_now} false left of {})",
        judged.len(),
        true_as_judged as f64 / judged.len().max(1) as f64,
        if true_now + false_now == 0 { 1.0 } else { true_now as f64 / (true_now + false_now) as f64 },
        judged.len() - true_as_judged
    );

    if std::env::var_os("TRIAGE_UPDATE").is_some() {
        let mut text = String::from("sha256\tdetector\tfunction\n");
        for (s, d, f) in &now_open {
            text.push_str(&format!("{s}\t{d}\t{f}\n"));
        }
        std::fs::write(dir.join("open.tsv"), text).expect("write open.tsv");
        println!("rewrote tests/triage/open.tsv ({} open false positives)", now_open.len());
        back_false.clear();
        stale_open.clear();
    }
    assert!(lost_true.is_empty(), "findings judged true are no longer reported: {lost_true:#?}");
    assert!(
        back_false.is_empty(),
        "findings judged false are reported and not listed in tests/triage/open.tsv: {back_false:#?}"
    );
    assert!(
        stale_open.is_empty(),
        "open.tsv lists false positives no longer reported (rerun with TRIAGE_UPDATE=1): {stale_open:#?}"
    );
}
