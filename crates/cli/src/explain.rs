use std::process::ExitCode;

pub fn run(key: &str) -> ExitCode {
    match wasmaudit_detectors::find(key) {
        Some(d) => {
            print!("{}", d.meta().markdown());
            ExitCode::SUCCESS
        }
        None => {
            eprintln!("error: no detector with id or name '{key}' (see `wasmaudit detectors`)");
            ExitCode::from(crate::EXIT_ERROR)
        }
    }
}
