//! eosio.system's destructor writes back the `global`, `global2` and `global3` singletons its
//! constructor read, after every action `execute_action` runs (../shared/corpus, skipped when
//! absent). Every action method of the signatures that reach it calls `require_auth` except
//! `bidrefund`, which pays a recorded bid back and stores nothing computed from data into the
//! contract object: on its way the destructor writes back exactly what was read, which is no
//! missing authorization. The removal of the refunded row in `bidrefund` itself stays reported
//! (a row the caller chose by key, with no check).

mod common;

#[test]
fn the_destructor_writing_back_what_it_read_is_not_reported() {
    let Some(report) = common::scan_shared("eosio/leap/eosio.system.wasm") else { return };
    let missing: Vec<u32> = report
        .findings
        .iter()
        .filter(|f| f.detector.name == "missing-authorization")
        .map(|f| f.function_index)
        .collect();
    // The singletons' `set` (store or update) for global, global2, global3.
    for f in 289..=293 {
        assert!(!missing.contains(&f), "write-back in ${f} reported: {missing:?}");
    }
    // bidrefund's `erase` of the refund row.
    assert!(missing.contains(&316), "{missing:?}");
}
