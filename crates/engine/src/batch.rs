//! Batch scanning as a stream: files are analyzed by a pool of workers and handed to the caller
//! one by one, in path order, as soon as every file before them is done. Memory is bounded by
//! the files in flight and the reports waiting for an earlier slow file, not by the batch.
//!
//! Workers take the next file in path order (an atomic counter, not rayon's halving splits), so
//! the files in flight are always close together in the order and little waits to be emitted.
//! Identical modules (same SHA-256) are analyzed once and reported under every path; a shard
//! (`K/N`) keeps the files whose path hashes to it; files a previous run already reported (by
//! path and SHA-256) are skipped and announced as [`Event::Resumed`].

use crate::{sha256_hex, FileReport, ScanOptions};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// What one file cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FileStats {
    /// Wall-clock time of reading, hashing and analyzing the file.
    pub elapsed: Duration,
    /// Most live heap bytes of its analysis (see [`crate::memory`]); `None` when not counted
    /// (no counting allocator, a file that was not analyzed, or one reused from a duplicate).
    pub peak_memory: Option<u64>,
    /// The report is that of an identical module at another path, analyzed once.
    pub duplicate: bool,
}

/// One file of a batch, in path order.
#[derive(Debug, Clone)]
pub enum Event {
    /// A file scanned now (or an input that could not be read).
    Scanned { report: FileReport, stats: FileStats },
    /// A file skipped because the previous run being resumed has it (same path and SHA-256).
    Resumed { path: String, sha256: String },
}

impl Event {
    pub fn path(&self) -> &str {
        match self {
            Event::Scanned { report, .. } => &report.path,
            Event::Resumed { path, .. } => path,
        }
    }
}

/// A deterministic part of the inputs: shard `index` (0-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// Parses `K/N` with 1 ≤ K ≤ N (1-based, as users count shards).
    pub fn parse(s: &str) -> Result<Shard, String> {
        let bad = || format!("invalid shard `{s}`: expected K/N with 1 <= K <= N, e.g. 2/8");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let k: u32 = k.trim().parse().map_err(|_| bad())?;
        let n: u32 = n.trim().parse().map_err(|_| bad())?;
        if n == 0 || k == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { index: k - 1, count: n })
    }

    /// Whether `path` (as reported) belongs to this shard: the first 8 bytes of the SHA-256 of
    /// the path, modulo the count. Stable across machines and runs.
    pub fn contains(&self, path: &str) -> bool {
        let digest = sha256_hex(path.as_bytes());
        let h = u64::from_str_radix(&digest[..16], 16).unwrap_or(0);
        h % u64::from(self.count) == u64::from(self.index)
    }
}

/// Options of a batch beyond those of one file.
#[derive(Debug, Clone, Default)]
pub struct BatchOptions {
    /// Files already reported by the run being resumed: path → SHA-256.
    pub resume: BTreeMap<String, String>,
}

enum Item {
    File(PathBuf),
    Failed(FileReport),
}

/// The inputs of a batch in report order (by path), shard applied; with the count first known.
pub struct Inputs {
    items: Vec<(String, Item)>,
}

impl Inputs {
    pub fn collect(paths: &[PathBuf], shard: Option<Shard>) -> Inputs {
        let (files, failed) = crate::collect_inputs(paths);
        let mut items: Vec<(String, Item)> = files
            .into_iter()
            .map(|p| (p.display().to_string(), Item::File(p)))
            .chain(failed.into_iter().map(|r| (r.path.clone(), Item::Failed(r))))
            .filter(|(path, _)| shard.is_none_or(|s| s.contains(path)))
            .collect();
        items.sort_by(|a, b| a.0.cmp(&b.0));
        Inputs { items }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

type Shared = Arc<OnceLock<(FileReport, Option<u64>)>>;

/// Scans `inputs` with `opts.jobs` workers and calls `on_event` for each file in path order,
/// as soon as it and every file before it are done. Output is the same for any worker count.
pub fn scan_stream(
    inputs: Inputs,
    opts: &ScanOptions,
    batch: &BatchOptions,
    mut on_event: impl FnMut(Event),
) {
    let jobs = opts
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1))
        .max(1);
    let detectors: crate::SharedDetectors = wasmaudit_detectors::registry().into();
    let items = inputs.items;
    let next = AtomicUsize::new(0);
    let seen: Mutex<HashMap<String, Shared>> = Mutex::new(HashMap::new());
    let (tx, rx) = mpsc::channel::<(usize, Event)>();
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(items.len().max(1)) {
            let tx = tx.clone();
            let (items, next, seen, detectors) = (&items, &next, &seen, &detectors);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((path, item)) = items.get(i) else { break };
                let event = scan_item(path, item, opts, batch, seen, detectors);
                if tx.send((i, event)).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        let mut waiting: BTreeMap<usize, Event> = BTreeMap::new();
        let mut emitted = 0usize;
        for (i, event) in rx {
            waiting.insert(i, event);
            while let Some(e) = waiting.remove(&emitted) {
                on_event(e);
                emitted += 1;
            }
        }
    });
}

fn scan_item(
    path: &str,
    item: &Item,
    opts: &ScanOptions,
    batch: &BatchOptions,
    seen: &Mutex<HashMap<String, Shared>>,
    detectors: &crate::SharedDetectors,
) -> Event {
    let start = Instant::now();
    let file = match item {
        Item::Failed(r) => return Event::Scanned { report: r.clone(), stats: FileStats::default() },
        Item::File(f) => f,
    };
    let bytes = match crate::read_bounded(file, opts.limits.max_file_size) {
        Ok(b) => b,
        Err(e) => {
            let report = FileReport::error(path.to_string(), String::new(), e);
            return Event::Scanned {
                report,
                stats: FileStats { elapsed: start.elapsed(), ..FileStats::default() },
            };
        }
    };
    // `.wat` text is assembled first: the report, the resume check and the duplicate check all
    // go by the module's SHA-256 (the text's when it does not assemble).
    let is_wat = file.extension().is_some_and(|e| e == "wat");
    let (module, text, assembly_error) = if is_wat {
        match crate::isolate::run_inline(|| wat::parse_bytes(&bytes).map(|w| w.into_owned())) {
            Ok(Ok(wasm)) => (wasm, Some(bytes), None),
            Ok(Err(e)) => (bytes, None, Some(format!("invalid WAT: {e}"))),
            Err(i) => (bytes, None, Some(i.message())),
        }
    } else {
        (bytes, None, None)
    };
    let sha256 = sha256_hex(&module);
    if batch.resume.get(path).is_some_and(|s| *s == sha256) {
        return Event::Resumed { path: path.to_string(), sha256 };
    }
    if let Some(e) = assembly_error {
        let report = FileReport::error(path.to_string(), sha256, e);
        return Event::Scanned {
            report,
            stats: FileStats { elapsed: start.elapsed(), ..FileStats::default() },
        };
    }
    let cell: Shared = {
        // A poisoned lock only means another worker panicked outside `isolate`; the map is
        // still consistent (entries are inserted whole).
        let mut map = seen.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(sha256.clone()).or_default().clone()
    };
    let mut first = false;
    // Blocks while another worker analyzes the same module, then reuses its report.
    let (report, peak) = cell.get_or_init(|| {
        first = true;
        // A `.wat` input's findings point into its own text.
        let lines = text.as_ref().and_then(|t| crate::wat_lines(file, t, &module));
        crate::scan_module(path, &module, opts, detectors, lines, sha256.clone())
    });
    let mut report = report.clone();
    report.path = path.to_string();
    let stats = FileStats {
        elapsed: start.elapsed(),
        peak_memory: if first { *peak } else { None },
        duplicate: !first,
    };
    Event::Scanned { report, stats }
}
