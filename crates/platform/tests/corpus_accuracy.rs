//! Platform-detection accuracy on the shared corpus of real contracts (`../shared/corpus`,
//! relative to the workspace root). Each folder name is the ground-truth platform.
//! Skips (and passes) when the corpus is absent.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use wasmaudit_platform::{all_models, detect, Platform, Surface};
use wasmparser::{Parser, Payload, TypeRef};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");
const SKIPPED_FOLDERS: [&str; 2] = ["malformed", "labels"];
const REQUIRED_ACCURACY: f64 = 0.98;

fn expected_platform(folder: &str) -> Option<Platform> {
    Some(match folder {
        "chainmaker" => Platform::Chainmaker,
        "cosmwasm" => Platform::Cosmwasm,
        "eosio" => Platform::Eosio,
        "fisco-liquid" => Platform::FiscoLiquid,
        "ink-pallet-contracts" => Platform::Ink,
        "near" => Platform::Near,
        "soroban" => Platform::Soroban,
        "non-contract-c" => Platform::Unknown,
        _ => return None,
    })
}

/// Owned names of a module. Parsing stops at the first malformed payload and keeps what was
/// read so far (some corpus files are deliberately odd).
#[derive(Default)]
struct Names {
    imports: Vec<(String, String)>,
    exports: Vec<String>,
    custom_sections: Vec<String>,
    parse_error: Option<String>,
}

impl Names {
    fn surface(&self) -> Surface<'_> {
        Surface {
            imports: self.imports.iter().map(|(m, n)| (m.as_str(), n.as_str())).collect(),
            exports: self.exports.iter().map(String::as_str).collect(),
            custom_sections: self.custom_sections.iter().map(String::as_str).collect(),
        }
    }
}

fn read_names(bytes: &[u8]) -> Names {
    let mut names = Names::default();
    if let Err(e) = collect_names(bytes, &mut names) {
        names.parse_error = Some(e.to_string());
    }
    names
}

fn collect_names(bytes: &[u8], names: &mut Names) -> Result<(), wasmparser::BinaryReaderError> {
    for payload in Parser::new(0).parse_all(bytes) {
        match payload? {
            Payload::ImportSection(reader) => {
                for import in reader {
                    let import = import?;
                    if matches!(import.ty, TypeRef::Func(_) | TypeRef::FuncExact(_)) {
                        names.imports.push((import.module.to_string(), import.name.to_string()));
                    }
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    names.exports.push(export?.name.to_string());
                }
            }
            Payload::CustomSection(reader) => names.custom_sections.push(reader.name().to_string()),
            _ => {}
        }
    }
    Ok(())
}

fn wasm_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            wasm_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "wasm") {
            out.push(path);
        }
    }
}

/// True when nothing in the module names a host function or marker of any platform: the
/// file is then undecidable from imports, exports and custom sections alone.
fn has_no_platform_names(names: &Names) -> bool {
    let known_import =
        names.imports.iter().any(|(m, n)| all_models().iter().any(|model| model.host_fn(m, n).is_some()));
    !known_import && detect(&names.surface()).evidence.iter().all(|e| !e.contains("score"))
}

#[derive(Default)]
struct FolderStats {
    total: usize,
    correct: usize,
}

#[test]
fn platform_detection_accuracy_on_corpus() {
    let root = Path::new(CORPUS);
    if !root.is_dir() {
        println!("skipped: ../shared/corpus not found ({})", root.display());
        return;
    }
    let mut folders: Vec<(String, PathBuf)> = fs::read_dir(root)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter(|e| e.path().is_dir())
                .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
                .collect()
        })
        .unwrap_or_default();
    folders.sort();

    let mut stats: BTreeMap<String, FolderStats> = BTreeMap::new();
    let mut misses: Vec<String> = Vec::new();
    let mut undecidable = 0usize;
    for (folder, path) in &folders {
        if SKIPPED_FOLDERS.contains(&folder.as_str()) {
            continue;
        }
        let Some(expected) = expected_platform(folder) else {
            println!("note: folder {folder} has no expected platform; not scored");
            continue;
        };
        let mut files = Vec::new();
        wasm_files(path, &mut files);
        let entry = stats.entry(folder.clone()).or_default();
        for file in files {
            let Ok(bytes) = fs::read(&file) else {
                println!("note: cannot read {}", file.display());
                continue;
            };
            let names = read_names(&bytes);
            let detection = detect(&names.surface());
            entry.total += 1;
            if detection.platform == expected {
                entry.correct += 1;
                continue;
            }
            let rel = file.strip_prefix(root).unwrap_or(&file).display().to_string();
            let mut line = format!(
                "  {rel}: expected {expected}, got {} [{}]",
                detection.platform,
                detection.evidence.join("; ")
            );
            if has_no_platform_names(&names) {
                undecidable += 1;
                line.push_str(&format!(
                    " -- undecidable: no platform names ({} function imports {:?}, exports {:?}, custom sections {:?})",
                    names.imports.len(),
                    names.imports.iter().take(4).collect::<Vec<_>>(),
                    names.exports.iter().take(6).collect::<Vec<_>>(),
                    names.custom_sections
                ));
            }
            if let Some(e) = &names.parse_error {
                line.push_str(&format!(" (parse stopped: {e})"));
            }
            misses.push(line);
        }
    }

    let total: usize = stats.values().map(|s| s.total).sum();
    let correct: usize = stats.values().map(|s| s.correct).sum();
    println!("platform detection accuracy per folder:");
    for (folder, s) in &stats {
        let pct = if s.total == 0 { 100.0 } else { 100.0 * s.correct as f64 / s.total as f64 };
        println!("  {folder:<22} {:>4}/{:<4} {pct:6.2}%", s.correct, s.total);
    }
    let accuracy = if total == 0 { 1.0 } else { correct as f64 / total as f64 };
    println!(
        "overall: {correct}/{total} = {:.2}% ({} misclassified, {undecidable} of them undecidable from names alone)",
        100.0 * accuracy,
        total - correct
    );
    if !misses.is_empty() {
        println!("misclassified:");
        for m in &misses {
            println!("{m}");
        }
    }
    assert!(total > 0, "corpus found but no .wasm files scored");
    assert!(
        accuracy >= REQUIRED_ACCURACY,
        "accuracy {:.2}% below {:.0}%",
        100.0 * accuracy,
        100.0 * REQUIRED_ACCURACY
    );
}
