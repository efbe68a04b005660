//! EOSIO permission actions whose names are converted at run time
//! (corpus/compiled/eosio/unprotected_updateauth): the contract builds `eosio::updateauth` with
//! `"eosio"_n` and `"updateauth"_n` in a non-constant context, and clang keeps the string-to-name
//! loop, so neither name is ever a constant in the code; the function instead takes the address
//! of each NUL-terminated literal in the data segment. The action is still recognised as a
//! permission change: reported where no `require_auth` protects it, clean where one does.

mod common;

fn findings(build: &str) -> Vec<(String, String)> {
    common::compiled_findings("eosio", "unprotected_updateauth", build, "unprotected-key-management")
}

#[test]
fn updateauth_named_from_string_literals_is_a_permission_change() {
    let found = findings("vulnerable");
    assert!(
        found.iter().any(|(f, m)| f.contains("setcontrol") && m.contains("eosio::updateauth")),
        "{found:?}"
    );
}

#[test]
fn updateauth_under_require_auth_is_clean() {
    let found = findings("remediated");
    assert!(found.is_empty(), "{found:?}");
}
