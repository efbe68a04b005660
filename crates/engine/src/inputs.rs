use crate::FileReport;
use std::path::{Path, PathBuf};

/// Expands inputs: files are taken as given; directories are walked recursively for `.wasm`
/// files without following symbolic links (so link loops cannot trap the walk). Paths that do
/// not exist or cannot be listed become error reports.
pub fn collect_inputs(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<FileReport>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => walk(p, &mut files, &mut errors),
            Ok(_) => files.push(p.clone()),
            Err(e) => errors.push(FileReport::error(
                p.display().to_string(),
                String::new(),
                format!("cannot read: {e}"),
            )),
        }
    }
    files.sort();
    files.dedup();
    (files, errors)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<FileReport>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(FileReport::error(
                dir.display().to_string(),
                String::new(),
                format!("cannot list directory: {e}"),
            ));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_symlink() {
            // A link to a file is scanned; a link to a directory is not followed.
            if std::fs::metadata(&path).is_ok_and(|m| m.is_file()) && is_wasm(&path) {
                files.push(path);
            }
        } else if ft.is_dir() {
            walk(&path, files, errors);
        } else if ft.is_file() && is_wasm(&path) {
            files.push(path);
        }
    }
}

fn is_wasm(p: &Path) -> bool {
    p.extension().is_some_and(|e| e == "wasm")
}
