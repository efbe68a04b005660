//! `wasmaudit.toml`: what a project decides once instead of on every command line — which
//! detectors run (`select`/`ignore` by id, name or class), impact overrides, per-path ignores,
//! suppressions of single findings by fingerprint, `fail-on`, a baseline and resource limits.
//!
//! The file is found upward from the first scanned path, or named with `--config`. Command-line
//! flags override it. An unknown key is an error naming the key (serde's `deny_unknown_fields`),
//! so a typo never silently does nothing. Paths in the file (`baseline`, `per-path-ignores`,
//! `[[suppress]] path`) are relative to the directory holding it.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file name looked for upward from the scanned path.
pub const FILE_NAME: &str = "wasmaudit.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Detectors to run (ids, names or classes); absent means all.
    pub select: Option<Vec<String>>,
    /// Detectors not to run, applied after `select`.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// `critical|high|medium|low|info|none`, as `--fail-on`.
    pub fail_on: Option<String>,
    /// Selector (id, name or class) → impact that findings of those detectors get instead.
    #[serde(default)]
    pub impact: BTreeMap<String, String>,
    /// Glob (relative to the config's directory) → selectors ignored in matching files.
    #[serde(default)]
    pub per_path_ignores: BTreeMap<String, Vec<String>>,
    /// Baseline file read as `--baseline` is, when the command line names none.
    pub baseline: Option<PathBuf>,
    #[serde(default)]
    pub limits: LimitsConfig,
    /// Single findings accepted after review.
    #[serde(default)]
    pub suppress: Vec<Suppression>,
}

/// `[limits]`: the same names and meaning as the `scan` flags.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LimitsConfig {
    pub jobs: Option<usize>,
    pub timeout_per_file: Option<u64>,
    pub max_file_size: Option<usize>,
    pub max_functions: Option<usize>,
    pub max_body_instructions: Option<usize>,
    pub max_cfg_blocks: Option<usize>,
    pub max_analysis_steps: Option<u64>,
}

/// `[[suppress]]`: one finding, by its fingerprint (as in the JSON and SARIF output), with the
/// reason it is accepted; optionally only in files matching `path`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suppression {
    pub fingerprint: String,
    pub reason: String,
    pub path: Option<String>,
}

/// A loaded config and the directory its relative paths start from.
#[derive(Debug, Default)]
pub struct Loaded {
    pub config: Config,
    /// The config's directory; the working directory when no file was found.
    pub dir: PathBuf,
}

impl Loaded {
    /// `p` from the config, relative to the config's directory.
    pub fn resolve(&self, p: &Path) -> PathBuf {
        self.dir.join(p)
    }
}

/// Reads and checks a config file.
pub fn load(path: &Path) -> Result<Loaded, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("cannot read config {}: {e}", path.display()))?;
    let config = parse(&text).map_err(|e| format!("invalid config {}: {e}", path.display()))?;
    let absolute = absolute(path);
    let dir = absolute.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok(Loaded { config, dir })
}

pub fn parse(text: &str) -> Result<Config, String> {
    let config: Config = toml::from_str(text).map_err(|e| e.to_string().trim_end().to_string())?;
    for s in &config.suppress {
        if s.reason.trim().is_empty() {
            return Err(format!("[[suppress]] of fingerprint '{}' needs a non-empty reason", s.fingerprint));
        }
    }
    Ok(config)
}

/// The nearest `wasmaudit.toml` in the directory of `start` (itself when a directory) or above.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let start = absolute(start);
    let first = if start.is_dir() { Some(start.as_path()) } else { start.parent() };
    first?.ancestors().map(|d| d.join(FILE_NAME)).find(|c| c.is_file())
}

/// The config for a scan: `explicit` (`--config`) when given, else the one found upward from the
/// first scanned path, else an empty one.
pub fn resolve(explicit: Option<&Path>, scanned: &[PathBuf]) -> Result<Loaded, String> {
    let found = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => scanned.first().and_then(|p| discover(p)),
    };
    match found {
        Some(p) => load(&p),
        None => Ok(Loaded { dir: absolute(Path::new(".")), ..Loaded::default() }),
    }
}

/// `p` made absolute against the working directory, without touching the file system (so a
/// path that does not exist yet, such as a baseline to write, still resolves).
pub fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_config_parses() {
        let c = parse(
            r#"
select = ["WA101", "reentrancy"]
ignore = ["nondeterminism"]
fail-on = "medium"
baseline = "wasmaudit-baseline.json"
[impact]
unchecked-arithmetic = "low"
[per-path-ignores]
"vendor/**" = ["WA702"]
[limits]
jobs = 2
max-functions = 10
[[suppress]]
fingerprint = "abc"
reason = "reviewed"
"#,
        )
        .expect("parses");
        assert_eq!(c.select.as_deref(), Some(&["WA101".to_string(), "reentrancy".to_string()][..]));
        assert_eq!(c.limits.max_functions, Some(10));
        assert_eq!(c.suppress[0].reason, "reviewed");
        assert_eq!(c.per_path_ignores["vendor/**"], vec!["WA702".to_string()]);
    }

    #[test]
    fn unknown_keys_are_named() {
        let e = parse("selcet = [\"WA101\"]\n").expect_err("unknown key");
        assert!(e.contains("selcet"), "{e}");
        let e = parse("[limits]\nmax-fns = 3\n").expect_err("unknown nested key");
        assert!(e.contains("max-fns"), "{e}");
    }

    #[test]
    fn a_suppression_needs_a_reason() {
        let e = parse("[[suppress]]\nfingerprint = \"abc\"\nreason = \" \"\n").expect_err("empty reason");
        assert!(e.contains("abc"), "{e}");
    }
}
