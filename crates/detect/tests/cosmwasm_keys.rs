//! Debug dump (temporary).
use wasmaudit_detect::Context;
use wasmaudit_flow::Program;
use wasmaudit_platform::Platform;

#[test]
#[ignore]
fn dump() {
    let path = std::env::var("DUMP").expect("DUMP");
    let bytes = std::fs::read(path).expect("module");
    let module = wasmaudit_front::parse(&bytes).expect("valid module");
    let program = Program::build(&module);
    let cx = Context::new(&module, &program, Platform::Cosmwasm);
    for f in &module.functions {
        for (i, acc) in cx.storage().instrs(f.index) {
            for a in acc {
                println!(
                    "{} {:?} @{} {:?} {:?} here={}",
                    f.index,
                    module.func_name(f.index),
                    i,
                    a.access,
                    a.key,
                    a.resolved_here
                );
            }
        }
    }
}
