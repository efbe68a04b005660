//! resource-exhaustion: a table whose rows are all created under a few constant primary keys
//! holds at most that many rows in a scope (only the contract writes its tables, and the chain
//! rejects a second row under an existing key), so a walk over it is bounded. The dividend
//! example walks a `holders` table every joiner adds a row to; the same contract creating its
//! rows only under the key 1 (a single state row) has nothing to grow.

mod common;

const VULNERABLE: &str = include_str!("../corpus/resource-exhaustion/eosio-1/vulnerable.wat");

/// The `join` action's `db_store_i64(scope, table, payer, id, ...)` with the row key `id`.
const STORE_BY_USER: &str = "    local.get $user\n    local.get $user\n    local.get $sp\n";

#[test]
fn a_table_of_constant_keys_bounds_its_walk() {
    assert!(VULNERABLE.contains(STORE_BY_USER), "the example's store");
    let walked = common::wat_findings("holders.wasm", VULNERABLE, "resource-exhaustion");
    assert_eq!(walked.len(), 1, "{walked:?}");

    let single_row =
        VULNERABLE.replace(STORE_BY_USER, "    local.get $user\n    i64.const 1\n    local.get $sp\n");
    let bounded = common::wat_findings("state.wasm", &single_row, "resource-exhaustion");
    assert!(bounded.is_empty(), "{bounded:?}");
}
