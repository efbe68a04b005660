//! End to end on the real contracts in ../shared/corpus (skipped when absent): every contract
//! scans with status ok, every malformed input is a per-file error with a message, the SARIF of
//! the whole batch validates against the SARIF 2.1.0 schema, and findings are counted per
//! platform and class.

mod common;

use std::collections::BTreeMap;
use wasmaudit_engine::{scan_paths, ScanOptions, Status};

#[test]
fn whole_corpus_scans_and_sarif_validates() {
    let Some(corpus) = common::shared_corpus() else { return };
    let reports = scan_paths(std::slice::from_ref(&corpus), &ScanOptions::default());
    let (malformed, contracts): (Vec<_>, Vec<_>) =
        reports.iter().partition(|r| r.path.contains("/malformed/"));
    let failed: Vec<_> = contracts.iter().filter(|r| r.status != Status::Ok).collect();
    assert!(failed.is_empty(), "contracts that did not scan: {failed:#?}");
    assert_eq!(contracts.len(), 620, "the corpus has 620 contracts");
    assert_eq!(malformed.len(), 32, "the corpus has 32 malformed inputs");
    for r in &malformed {
        assert_eq!(r.status, Status::Error, "{} must be rejected", r.path);
        let msg = r.error.as_deref().unwrap_or("");
        assert!(msg.len() > 10, "{}: unclear error '{msg}'", r.path);
        println!("rejected {}: {msg}", r.path.rsplit('/').next().unwrap_or(""));
    }

    // Plain C programs compiled to Wasm are no contracts: no detector may report on them.
    let non_contract: Vec<_> = contracts
        .iter()
        .filter(|r| r.path.contains("/non-contract-c/"))
        .flat_map(|r| {
            r.findings.iter().map(move |f| format!("{}: {} {}", r.path, f.detector.name, f.message))
        })
        .collect();
    assert!(non_contract.is_empty(), "findings on non-contracts: {non_contract:#?}");

    let mut counts: BTreeMap<(String, &str), usize> = BTreeMap::new();
    for r in &contracts {
        let platform = r.platform.map(|p| p.as_str()).unwrap_or("-").to_string();
        for f in &r.findings {
            *counts.entry((platform.clone(), f.detector.class.as_str())).or_default() += 1;
        }
    }
    println!("findings per platform and class:");
    for ((platform, class), n) in &counts {
        println!("  {platform:<14} {class:<32} {n}");
    }

    let registry = wasmaudit_detectors::registry();
    let rules: Vec<_> = registry.iter().map(|d| d.meta()).collect();
    let sarif = wasmaudit_report::to_sarif(&reports, &rules);
    let out = std::env::temp_dir().join(format!("wasmaudit-corpus-{}.sarif", std::process::id()));
    std::fs::write(&out, &sarif).expect("write SARIF");
    common::validate_sarif(&out);
    // The corpus lies outside the repository: every artifact is an absolute file:// URI.
    common::multitool_validate(&[&out]);
    let _ = std::fs::remove_file(&out);
}
