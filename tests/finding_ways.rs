//! A finding shows the way its detector found at fault, not merely the shortest call chain to the
//! flagged function (../shared/corpus, skipped when absent). In VetEOS's `forum`, `db_remove_i64`
//! in `$func92` is reached from `unvote` (`$func110` -> `$func91`, which calls `require_auth`
//! first: protected) and from `clnproposal` (`$func111` -> `$func93`, which anyone may call): the
//! missing-authorization finding is about the second way, and its trail must say so; the
//! shortest chain runs through the protected `unvote`.

mod common;

#[test]
fn the_trail_is_the_unchecked_way() {
    let Some(report) = common::scan_shared("eosio/VetEOS/forum.forum.wasm") else { return };
    let finding = report
        .findings
        .iter()
        .find(|f| f.detector.name == "missing-authorization" && f.function_index == 92)
        .expect("the db_remove_i64 in $func92 is reported");
    let trail: Vec<u32> = finding.trail.iter().map(|s| s.function_index).collect();
    assert_eq!(trail, vec![55, 111, 93, 92], "the way through clnproposal, not unvote's");
}
