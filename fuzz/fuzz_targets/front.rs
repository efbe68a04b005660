//! Bytes → `wasmaudit_front::parse`: the front end must turn any input into a module or a
//! `FrontError`, never panic, hang or run out of memory.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = wasmaudit_front::parse(data);
});
