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

/// The function `module` exports under `name`.
#[allow(dead_code)]
pub fn export(module: &Module, name: &str) -> u32 {
    module.exported_funcs().find(|(n, _)| *n == name).map(|(_, f)| f).expect("export")
}

/// The known keys `func` (transitively) accesses this way, resolved in `func`.
#[allow(dead_code)]
pub fn known_keys(
    cx: &wasmaudit_detect::Context<'_>,
    func: u32,
    access: wasmaudit_detect::storage::Access,
) -> std::collections::BTreeSet<wasmaudit_detect::storage::Key> {
    cx.storage()
        .instrs(func)
        .flat_map(|(_, a)| a.iter().filter(|a| a.access == access).map(|a| a.key.clone()).collect::<Vec<_>>())
        .filter_map(|k| match k {
            wasmaudit_detect::storage::KeyRef::Known(k) => Some(k),
            _ => None,
        })
        .collect()
}

/// The key among `keys` whose name on `platform` is `name`.
#[allow(dead_code)]
pub fn named(
    keys: &std::collections::BTreeSet<wasmaudit_detect::storage::Key>,
    platform: wasmaudit_platform::Platform,
    name: &str,
) -> Option<wasmaudit_detect::storage::Key> {
    keys.iter().find(|k| k.name(platform).as_deref() == Some(name)).cloned()
}
