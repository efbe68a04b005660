//! What a row written back by a table update carries of the caller's data ([`row_labels`]): the
//! fields the functions on the way packed, not the key the row was looked up by. The example is
//! `corpus/missing-authorization/eosio-6` (MonsterEOS's shape): `feedpet(pet_id)` finds the row
//! by the caller's id and writes it back with the clock, `renamepet(pet_id, new_name)` writes the
//! caller's name into it.

use wasmaudit_detect::packed::row_labels;
use wasmaudit_detect::taint::label;
use wasmaudit_detect::Context;
use wasmaudit_flow::Program;
use wasmaudit_front::{Module, Op};
use wasmaudit_platform::{Effect, Platform};

const PETS: &str = include_str!("../../../corpus/missing-authorization/eosio-6/vulnerable.wat");

/// Function `name` and the index of its call to import `callee`.
fn site(m: &Module, name: &str, callee: &str) -> (u32, usize) {
    let f = m.functions.iter().find(|f| f.name.as_deref() == Some(name)).expect("function");
    let c = m.functions.iter().find(|f| f.name.as_deref() == Some(callee)).expect("callee").index;
    (f.index, f.body.iter().position(|i| i.op == Op::Call(c)).expect("call"))
}

#[test]
fn a_row_looked_up_by_the_callers_key_does_not_carry_the_key() {
    let bytes = wat::parse_str(PETS).expect("valid WAT");
    let module = wasmaudit_front::parse(&bytes).expect("valid module");
    let program = Program::build(&module);
    let cx = Context::new(&module, &program, Platform::Eosio);
    let input = label(Effect::Input);
    // db_update_i64(iterator, payer, data, size): the data buffer is argument 2.
    let (f, i) = site(&module, "pets_modify_fed", "db_update_i64");
    let fed = row_labels(&cx, f, i, 2);
    assert_eq!(fed & input, 0, "only the lookup key came from the caller: {fed:#x}");
    assert_ne!(fed & label(Effect::BlockInfo), 0, "the row carries the clock: {fed:#x}");
    let (f, i) = site(&module, "pets_modify_name", "db_update_i64");
    let named = row_labels(&cx, f, i, 2);
    assert_ne!(named & input, 0, "the caller's new name is written into the row: {named:#x}");
}
