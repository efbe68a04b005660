//! Actions an SDK queues as tagged records and issues later from one dispatcher (near-sdk's
//! `Promise` builder): the place where an entry point writes the record's tag and hands the
//! record on stands for the host call of that tag's dispatcher arm. On compiled near-sdk 5
//! contracts: `add_full_access_key` queued in `add_key` (the record built on the stack and passed
//! to `Promise::add_action`) and `delete_account` queued in `close` (the record written straight
//! into the promise's action vector, then the promise moved).

mod common;

use wasmaudit_detect::queued::queued;
use wasmaudit_detect::Context;
use wasmaudit_flow::Program;
use wasmaudit_front::Module;
use wasmaudit_platform::{Effect, Platform};

fn load(case: &str, build: &str) -> (Module, Program) {
    common::compiled_program("near", case, build)
}

/// `(function name, host import name)` of every queued action with effect `e`.
fn queued_names(m: &Module, p: &Program, e: Effect) -> Vec<(String, String)> {
    let cx = Context::new(m, p, Platform::Near);
    let q = queued(&cx);
    let mut out: Vec<(String, String)> =
        q.with(&cx, e).map(|q| (cx.func_name(q.func), cx.host_display_name(q.host))).collect();
    out.dedup();
    out
}

fn pair(f: &str, h: &str) -> (String, String) {
    (f.to_string(), h.to_string())
}

#[test]
fn a_record_built_on_the_stack_and_pushed_is_the_action_of_its_tag() {
    let (m, p) = load("access-keys", "vulnerable");
    assert_eq!(
        queued_names(&m, &p, Effect::KeyManagement),
        vec![
            pair("add_key", "promise_batch_action_add_key_with_full_access"),
            pair("remove_key", "promise_batch_action_delete_key"),
        ]
    );
    // `send` queues a transfer, which is neither.
    assert!(queued_names(&m, &p, Effect::Terminate).is_empty());
    assert!(queued_names(&m, &p, Effect::CodeUpgrade).is_empty());
}

#[test]
fn a_record_written_into_the_action_vector_is_the_action_of_its_tag() {
    let (m, p) = load("close-account", "vulnerable");
    assert_eq!(
        queued_names(&m, &p, Effect::Terminate),
        vec![pair("close", "promise_batch_action_delete_account")]
    );
    assert!(queued_names(&m, &p, Effect::KeyManagement).is_empty());
}

#[test]
fn contracts_that_queue_no_such_action_have_none() {
    // A token with no promises at all, and one whose only promises are transfers.
    for case in ["paused-token", "reward-distribution"] {
        let (m, p) = load(case, "vulnerable");
        for e in [Effect::KeyManagement, Effect::Terminate, Effect::CodeUpgrade] {
            assert!(queued_names(&m, &p, e).is_empty(), "{case}: {e:?}");
        }
    }
}
