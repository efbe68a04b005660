//! An EOSIO `execute_action` calls the action's method through the pointer to member `apply`
//! hands it, then runs the contract's destructor, which writes back singletons such as
//! eosio.system's `global`. The call graph gives the `call_indirect` every function of the
//! method's signature in the table (other members, library code that checks nothing), so a
//! `require_auth` in the method alone could never protect the destructor. Followed up one way,
//! the table index is the constant `apply` passed for that action: the way is protected by that
//! method's guards (../shared/corpus/eosio/leap/eosio.system.wasm, skipped when absent).

use wasmaudit_detect::authz::Walker;
use wasmaudit_detect::Context;
use wasmaudit_platform::Platform;

#[test]
fn a_way_through_execute_action_is_guarded_by_the_method_it_names() {
    let path = format!("{}/../../../shared/corpus/eosio/leap/eosio.system.wasm", env!("CARGO_MANIFEST_DIR"));
    let Ok(bytes) = std::fs::read(&path) else {
        println!("skipped: {path} not found");
        return;
    };
    let m = wasmaudit_front::parse(&bytes).expect("valid module");
    let p = wasmaudit_flow::Program::build(&m);
    let cx = Context::new(&m, &p, Platform::Eosio);
    let w = Walker::new(&cx);
    // `db_store_i64` of the `global` singleton in the destructor's `set` ($func289).
    let ways = w.paths(289, 98);
    assert!(ways.len() > 10, "{}", ways.len());
    // The execute_action of each signature, as the way passes it (the step below `apply`).
    let via = |checked: bool| -> std::collections::BTreeSet<u32> {
        ways.iter()
            .filter(|p| p.identity == checked)
            .filter_map(|p| p.chain.iter().rev().nth(1).map(|s| s.0))
            .collect()
    };
    // Every action of the signatures $func333, $func335 and $func336 handle names a method
    // that calls `require_auth`; only `bidrefund` ($func315, through $func357) checks no one.
    let unchecked = via(false);
    assert_eq!(unchecked, [357].into_iter().collect(), "{unchecked:?}");
    for f in [333, 335, 336] {
        assert!(via(true).contains(&f), "{f}: {:?}", via(true));
    }
}
