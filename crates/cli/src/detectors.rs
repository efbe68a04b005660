use std::process::ExitCode;

pub fn run() -> ExitCode {
    let all = wasmaudit_detectors::registry();
    let width = all.iter().map(|d| d.meta().name.len()).max().unwrap_or(4).max(4);
    let class_width = all.iter().map(|d| d.meta().class.as_str().len()).max().unwrap_or(5).max(5);
    println!("{:<6} {:<width$} {:<class_width$} {:<8} {:<10}", "ID", "NAME", "CLASS", "IMPACT", "CONFIDENCE");
    for d in &all {
        let m = d.meta();
        println!(
            "{:<6} {:<width$} {:<class_width$} {:<8} {:<10}",
            m.id,
            m.name,
            m.class.as_str(),
            m.impact.as_str(),
            m.confidence.as_str()
        );
    }
    ExitCode::SUCCESS
}
