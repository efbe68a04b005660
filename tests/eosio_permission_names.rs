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

/// The literals alone are not the action: a function that only passes `"eosio"` and
/// `"updateauth"` to `prints` (a log line) before sending some other inline action does not
/// build a permission change.
#[test]
fn literals_that_are_only_printed_do_not_name_the_action() {
    let found = common::wat_findings(
        "printed",
        r#"(module
          (import "env" "prints" (func $prints (param i32)))
          (import "env" "send_inline" (func $send_inline (param i32 i32)))
          (memory 1)
          (data (i32.const 1024) "eosio\00updateauth\00")
          (func $apply (export "apply") (param i64 i64 i64)
            i32.const 1024
            call $prints
            i32.const 1030
            call $prints
            i32.const 2048
            i32.const 16
            call $send_inline))"#,
        "unprotected-key-management",
    );
    assert!(found.is_empty(), "{found:?}");
}
