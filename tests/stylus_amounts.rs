//! Stylus amounts are 256-bit words passed by reference (corpus/compiled/stylus): the wrapping
//! `U256` arithmetic of `batch_transfer` (`value * recipients.len()`, `balance + value`) is
//! followed from the decoded argument behind a pointer, through the byte reversal that turns the
//! limbs into the big-endian word `storage_cache_bytes32` stores, to the write; the checked
//! remediation is clean.

mod common;

fn findings(build: &str) -> Vec<(String, String)> {
    common::compiled_findings("stylus", "unchecked_arith_batch", build, "unchecked-arithmetic")
}

#[test]
fn wrapping_u256_arithmetic_reaches_the_storage_write() {
    let found = findings("vulnerable");
    assert!(
        found.iter().any(|(f, m)| f.ends_with("batch_transfer") && m.contains("storage_cache_bytes32")),
        "{found:?}"
    );
}

#[test]
fn checked_u256_arithmetic_is_clean() {
    let found = findings("remediated");
    assert!(found.is_empty(), "{found:?}");
}

/// The module's own calls with a `U256` behind a pointer: `transfer` compares the limbs
/// (`have < value`) in one loop and subtracts them in another, and adds `value` to the
/// recipient (bounded by the supply `mint` adds it to with `checked_add`); the ABI decoder moves
/// the decoded arguments with `memory.copy`, so `value` is call input there. Neither is reported;
/// the wrapping `batch_transfer` is.
#[test]
fn limbs_compared_in_another_loop_check_the_operation() {
    let found = findings("vulnerable");
    assert!(found.iter().all(|(f, _)| f.ends_with("batch_transfer")), "{found:?}");
    let spend = common::compiled_findings("stylus", "benign_ownable_vault", "benign", "unchecked-arithmetic");
    assert!(spend.is_empty(), "{spend:?}");
}
