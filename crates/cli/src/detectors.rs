use clap::{Args, ValueEnum};
use std::process::ExitCode;

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    /// A table: id, name, class, impact, confidence.
    Text,
    /// The detector reference with every detector's docs (as in docs/detectors.md).
    Markdown,
}

#[derive(Args)]
pub struct DetectorsArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

pub fn run(args: &DetectorsArgs) -> ExitCode {
    let all = wasmaudit_detectors::registry();
    if let Format::Markdown = args.format {
        let rules: Vec<_> = all.iter().map(|d| d.meta()).collect();
        print!("{}", wasmaudit_report::detectors_markdown(&rules));
        return ExitCode::SUCCESS;
    }
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
