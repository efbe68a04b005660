//! ink! 5 SCALE-encodes every storage key into its static buffer before `seal1::get_storage` /
//! `seal2::set_storage`: the root key (`0u32`), and a `Mapping` entry's key (the mapping's
//! 4-byte key, then the encoded map key). The length is computed by the encoder, so the key is
//! read from a run of the accessor up to the host call: the root key is a known key, and an
//! entry is symbolic in the map key the accessor was given. In the dispatcher, where the run
//! cannot follow the caller's account through the decoded input, both `Mapping::get` and
//! `Mapping::insert` of one mapping give the family of its entries, the mapping's key followed by
//! unknown bytes (corpus/compiled/ink/reentrancy_vault).

mod common;

use wasmaudit_detect::hostval::KeyByte;
use wasmaudit_detect::storage::{Access, Key, KeyRef};
use wasmaudit_detect::Context;
use wasmaudit_platform::Platform;

fn keys(cx: &Context<'_>, func: u32, access: Access) -> Vec<KeyRef> {
    cx.storage()
        .instrs(func)
        .flat_map(|(_, a)| a.iter().filter(|a| a.access == access).map(|a| a.key.clone()).collect::<Vec<_>>())
        .collect()
}

#[test]
fn encoded_keys_get_an_identity() {
    let (m, p) = common::compiled_program("ink", "reentrancy_vault", "vulnerable");
    let cx = Context::new(&m, &p, Platform::Ink);
    let call = common::export(&m, "call");

    // The root state: the all-zero 4-byte key.
    let root = KeyRef::Known(Key::Bytes(vec![0u8; 4].into()));
    assert!(keys(&cx, call, Access::Write).contains(&root));

    // Entries of the balances mapping, read and written in `call`: one family, a constant
    // prefix and unknown bytes.
    let families: Vec<KeyRef> = keys(&cx, call, Access::Read)
        .into_iter()
        .chain(keys(&cx, call, Access::Write))
        .filter(|k| matches!(k, KeyRef::Computed(_)))
        .collect();
    assert!(families.len() >= 2, "{families:?}");
    assert!(families.windows(2).all(|w| w[0] == w[1]), "{families:?}");
    let KeyRef::Computed(bytes) = &families[0] else { panic!("{families:?}") };
    assert!(bytes.iter().take(4).all(|b| matches!(b, KeyByte::Const(_))), "{bytes:?}");
    assert!(bytes.iter().skip(4).all(|b| matches!(b, KeyByte::Any)), "{bytes:?}");
    // The mapping's 4-byte key, then a 32-byte `AccountId`.
    assert_eq!(bytes.len(), 36, "{bytes:?}");
    // A constant entry of the same mapping is a member of the family; the root key is not.
    let mut member: Vec<u8> =
        bytes.iter().take(4).map(|b| if let KeyByte::Const(c) = b { *c } else { 0 }).collect();
    member.extend([7u8; 32]);
    assert!(families[0].may_alias(&KeyRef::Known(Key::Bytes(member.into()))));
    assert!(!families[0].may_alias(&root));

    // Inside the accessors (`Mapping::get`, `Mapping::insert`), the entry is symbolic in the map
    // key behind their parameter.
    let symbolic = m
        .functions
        .iter()
        .filter(|f| f.index != call)
        .filter(|f| {
            keys(&cx, f.index, Access::Read)
                .iter()
                .chain(&keys(&cx, f.index, Access::Write))
                .any(KeyRef::is_param)
        })
        .count();
    assert!(symbolic >= 2, "{symbolic}");
}
