//! Soroban `contracttype` keys built at run time get a symbolic identity: the same variant built
//! in different functions is the same key, other variants are other keys, and a variant with an
//! `Address` field is a family. On the compiled `paused-transfer-from` token (soroban-sdk 23),
//! where `DataKey::Paused` is a vector of one symbol built by `vec_new_from_linear_memory` inside
//! `IntoVal::into_val`, from a `DataKey` in a data segment or on the caller's stack.

mod common;

use wasmaudit_detect::storage::Access;
use wasmaudit_detect::Context;
use wasmaudit_flow::Program;
use wasmaudit_platform::Platform;

fn module() -> wasmaudit_front::Module {
    common::compiled("soroban", "paused-transfer-from", "vulnerable")
}

#[test]
fn contracttype_keys_have_an_identity() {
    let module = module();
    let program = Program::build(&module);
    let cx = Context::new(&module, &program, Platform::Soroban);

    // `set_paused` writes `DataKey::Paused` (through `Instance::set`, whose `DataKey` is a
    // static); `transfer` reads it (through `check_not_paused`): the same exact key.
    let written = common::known_keys(&cx, common::export(&module, "set_paused"), Access::Write);
    let read = common::known_keys(&cx, common::export(&module, "transfer"), Access::Read);
    let paused_w = common::named(&written, Platform::Soroban, "Paused").expect("set_paused writes Paused");
    let paused_r = common::named(&read, Platform::Soroban, "Paused").expect("transfer reads Paused");
    assert_eq!(paused_w, paused_r);
    assert!(!paused_w.is_family());

    // `Admin` is another unit variant: another key.
    let admin = common::named(
        &common::known_keys(&cx, common::export(&module, "set_paused"), Access::Read),
        Platform::Soroban,
        "Admin",
    )
    .expect("reads Admin");
    assert_ne!(admin, paused_w);

    // `Balance(from)` is built on the caller's stack around an `Address` parameter: a family,
    // the same in `transfer` and `transfer_from`, never equal to an exact key or to `Allowance`.
    let balance = common::named(
        &common::known_keys(&cx, common::export(&module, "transfer"), Access::Write),
        Platform::Soroban,
        "Balance(_)",
    )
    .expect("Balance");
    assert!(balance.is_family());
    let from_writes = common::known_keys(&cx, common::export(&module, "transfer_from"), Access::Write);
    assert_eq!(common::named(&from_writes, Platform::Soroban, "Balance(_)"), Some(balance.clone()));
    let allowance = common::named(&from_writes, Platform::Soroban, "Allowance(_, _)")
        .expect("transfer_from writes Allowance");
    assert!(allowance.is_family());
    assert_ne!(allowance, balance);
    assert_ne!(balance, paused_w);
    // `transfer_from` never touches the pause flag in the vulnerable build.
    assert!(common::named(
        &common::known_keys(&cx, common::export(&module, "transfer_from"), Access::Read),
        Platform::Soroban,
        "Paused"
    )
    .is_none());
}

/// `DataKey::Admin` is an authority key of the compiled `set-admin` token: `mint` calls
/// `require_auth` on the address read from it. `Balance(_)` entries, read and compared in
/// `transfer`, are a family and are not.
#[test]
fn the_key_require_auth_reads_its_account_from_is_an_authority_key() {
    let module = common::compiled("soroban", "set-admin", "vulnerable");
    let program = Program::build(&module);
    let cx = Context::new(&module, &program, Platform::Soroban);
    let authority = wasmaudit_detect::authz::authority_keys(&cx);
    let names: Vec<String> = authority.0.keys().filter_map(|k| k.name(Platform::Soroban)).collect();
    assert_eq!(names, vec!["Admin".to_string()], "{names:?}");
    let (check, _) = authority.0.values().next().copied().expect("one authority key");
    assert_eq!(check, common::export(&module, "mint"));
}
