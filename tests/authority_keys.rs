//! Authority keys (issue 11): a storage key whose stored account a caller check compares against
//! (an owner, an admin) needs a check at every write, even when no other write of it is guarded.
//! In corpus/compiled/soroban/set-admin, `mint` calls `require_auth` on the address stored under
//! `DataKey::Admin`, and the vulnerable `set_admin` overwrites that key with no check at all
//! (`initialize` writes it too, once): the write is reported from the key's role, whatever the
//! method is called. The remediated `set_admin` requires the current admin's authorization.

mod common;

fn findings(build: &str) -> Vec<(String, String)> {
    common::compiled_findings("soroban", "set-admin", build, "missing-authorization")
}

#[test]
fn an_unchecked_write_of_the_key_a_caller_check_reads_is_reported() {
    let found = findings("vulnerable");
    assert!(
        found.iter().any(|(_, m)| m.contains("storage key Admin")
            && m.contains("compares the caller with")
            && m.contains("entry point `set_admin`")),
        "{found:?}"
    );
}

#[test]
fn a_checked_write_of_the_authority_key_is_clean() {
    let found = findings("remediated");
    assert!(found.is_empty(), "{found:?}");
}
