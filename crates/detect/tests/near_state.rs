//! near-sdk keeps the whole contract state under one storage key, `STATE`: `state_read` reads it
//! into a register, copies it into a `Vec`, borsh-decodes it field by field on its own stack and
//! moves the decoded struct into the caller's out-pointer with `memory.copy` (rustc 1.95 enables
//! bulk memory); `Option::unwrap_or_default` moves it once more, parameter to parameter. Taint
//! follows both copies over the struct's length, so a field past the first window (the length of
//! an `IterableMap`'s key vector, a pause flag) still carries `storage-read` where the contract
//! loads it (corpus/compiled/near/reward-distribution).

mod common;

use wasmaudit_detect::loops::{Bound, Effects};
use wasmaudit_detect::taint::{label, WINDOW};
use wasmaudit_detect::Context;
use wasmaudit_front::Module;
use wasmaudit_platform::{Effect, Platform};

fn named(m: &Module, needle: &str) -> Vec<u32> {
    m.functions
        .iter()
        .filter(|f| f.name.as_deref().is_some_and(|n| n.contains(needle)))
        .map(|f| f.index)
        .collect()
}

#[test]
fn the_decoded_state_moved_by_memory_copy_carries_the_stored_value() {
    let (m, p) = common::compiled_program("near", "reward-distribution", "vulnerable");
    let cx = Context::new(&m, &p, Platform::Near);
    let df = cx.dataflow();
    let state_read = named(&m, "ContractState10state_read");
    assert_eq!(state_read.len(), 1);
    let s = &df.summaries[state_read[0] as usize];
    // The out-pointer receives the stored value over the struct's whole length.
    assert!(s.writes[0].labels & label(Effect::StorageRead) != 0, "{s:?}");
    assert!(s.spans[0] > WINDOW, "{s:?}");
    // `unwrap_or_default(out, option)` copies what its second parameter points to into the first.
    let unwrap = named(&m, "unwrap_or_default");
    assert!(!unwrap.is_empty());
    assert!(
        unwrap.iter().any(|f| {
            let s = &df.summaries[*f as usize];
            s.writes[0].param_mem & 0b10 != 0 && s.spans[0] > WINDOW
        }),
        "{:?}",
        unwrap.iter().map(|f| &df.summaries[*f as usize]).collect::<Vec<_>>()
    );
}

/// The bounds of the loops in `distribute` of a reward-distribution build whose iterations
/// transfer.
fn paying_loop_bounds(build: &str) -> Vec<Bound> {
    let (m, p) = common::compiled_program("near", "reward-distribution", build);
    let cx = Context::new(&m, &p, Platform::Near);
    let loops = cx.loops();
    loops
        .of(common::export(&m, "distribute"))
        .iter()
        .filter(|l| l.body.effects.contains(Effects::TRANSFER))
        .map(|l| l.bound)
        .collect()
}

#[test]
fn a_walk_over_every_stored_entry_is_bounded_by_storage() {
    // `for (account, stake) in self.stakes.iter()`: the exit compares the index with the key
    // vector's length, a field of the decoded `STATE`, and each iteration transfers.
    let paying = paying_loop_bounds("vulnerable");
    assert_eq!(paying.len(), 1);
    assert!(matches!(paying[0], Bound::Storage { .. }), "{:?}", paying[0]);

    // The remediation caps the page with `limit.min(MAX_PAGE)`.
    assert_eq!(paying_loop_bounds("remediated"), vec![Bound::Capped]);
}

/// The ways from `entry` to storage writes in a price-view-cache build, each as (whether its key
/// is built from stored data, whether the method's result can still be returned after it).
fn view_writes(build: &str, entry: &str) -> Vec<(bool, bool)> {
    use wasmaudit_detect::authz::Walker;
    use wasmaudit_detect::views::{precedes_result, result_returners, writes_stored_entry};
    let (m, p) = common::compiled_program("near", "price-view-cache", build);
    let cx = Context::new(&m, &p, Platform::Near);
    let root = common::export(&m, entry);
    let w = Walker::new(&cx);
    let returners = result_returners(&cx);
    let mut out = Vec::new();
    for sink in cx.host_calls(Effect::StorageWrite) {
        for path in w.paths(sink.func, sink.instr).into_iter().filter(|p| p.entry == root) {
            out.push((writes_stored_entry(&cx, &path.chain), precedes_result(&cx, &returners, &path.chain)));
        }
    }
    out
}

#[test]
fn a_method_that_reads_state_and_never_writes_it_back_is_a_view() {
    // near-sdk writes `STATE` back after every `&mut self` method, never after a `&self` one.
    let (m, p) = common::compiled_program("near", "price-view-cache", "remediated");
    let cx = Context::new(&m, &p, Platform::Near);
    let views: Vec<&str> = wasmaudit_detect::views::state_views(&cx).into_iter().map(|(n, _)| n).collect();
    assert_eq!(views, vec!["get_twap"]);
    // Static methods (`contract_source_metadata`) read no state; `new` (#[init]) writes it.
    let (m, p) = common::compiled_program("near", "benign-factory", "benign");
    let cx = Context::new(&m, &p, Platform::Near);
    let views: Vec<&str> = wasmaudit_detect::views::state_views(&cx).into_iter().map(|(n, _)| n).collect();
    assert_eq!(views, vec!["get_round", "upgrade"]);
}

#[test]
fn a_view_writes_only_in_the_state_drop_unless_it_writes_itself() {
    // Dropping the state after `value_return` flushes the `Vector`/`LookupMap` caches, under keys
    // built from the prefixes decoded from `STATE`.
    let remediated = view_writes("remediated", "get_twap");
    assert!(
        !remediated.is_empty() && remediated.iter().all(|(stored, before)| *stored && !*before),
        "{remediated:?}"
    );
    // `env::storage_write(b"twap:" ++ height, ..)` before the average is returned: a key of its own.
    let vulnerable = view_writes("vulnerable", "get_twap");
    assert!(vulnerable.iter().any(|(stored, before)| !*stored && *before), "{vulnerable:?}");
}

#[test]
fn an_identity_migration_writes_back_only_the_state_and_its_stored_entries() {
    // `migrate() -> Self { env::state_read().expect(..) }`: the wrapper writes `STATE` back (a
    // constant key) and drops the state, whose `Vector`/`LookupMap` flush their caches under
    // the prefixes decoded from `STATE`; the decoder's own drops on failure are rolled back.
    let (m, p) = common::compiled_program("near", "benign-factory", "benign");
    let cx = Context::new(&m, &p, Platform::Near);
    let sites = wasmaudit_detect::views::persisting_write_sites(&cx, common::export(&m, "migrate"));
    let stored: Vec<bool> = sites.values().copied().collect();
    assert_eq!(stored, vec![false, true], "{sites:?}");
}
