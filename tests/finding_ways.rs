//! A finding shows the way its detector found at fault, not merely the shortest call chain to the
//! flagged function (../shared/corpus, skipped when absent). In VetEOS's `forum`, `db_remove_i64`
//! in `$func92` is reached from `unvote` (`$func110` -> `$func91`, which calls `require_auth`
//! first: protected) and from `clnproposal` (`$func111` -> `$func93`, which anyone may call): the
//! missing-authorization finding is about the second way, and its trail must say so; the
//! shortest chain runs through the protected `unvote`.

mod common;

use wasmaudit_engine::{scan_bytes, ScanOptions, Status};

#[test]
fn the_trail_is_the_unchecked_way() {
    let Some(corpus) = common::shared_corpus() else { return };
    let rel = "eosio/VetEOS/forum.forum.wasm";
    let bytes = std::fs::read(corpus.join(rel)).expect("corpus file");
    let report = scan_bytes(rel, &bytes, &ScanOptions::default(), &wasmaudit_detectors::registry());
    assert_eq!(report.status, Status::Ok, "{:?}", report.error);
    let finding = report
        .findings
        .iter()
        .find(|f| f.detector.name == "missing-authorization" && f.function_index == 92)
        .expect("the db_remove_i64 in $func92 is reported");
    let trail: Vec<u32> = finding.trail.iter().map(|s| s.function_index).collect();
    assert_eq!(trail, vec![55, 111, 93, 92], "the way through clnproposal, not unvote's");
}
