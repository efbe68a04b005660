//! Loading the compiled corpus (`corpus/compiled/<platform>/<case>/<build>.wasm`) in tests.

use wasmaudit_flow::Program;
use wasmaudit_front::Module;

/// The parsed module of one compiled-corpus build.
pub fn compiled(platform: &str, case: &str, build: &str) -> Module {
    let path = format!("{}/../../corpus/compiled/{platform}/{case}/{build}.wasm", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    wasmaudit_front::parse(&bytes).expect("valid module")
}

/// [`compiled`] with its program (graphs and values).
#[allow(dead_code)]
pub fn compiled_program(platform: &str, case: &str, build: &str) -> (Module, Program) {
    let module = compiled(platform, case, build);
    let program = Program::build(&module);
    (module, program)
}
