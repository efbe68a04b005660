//! `--format html`: the page's structure and data (always), and what a real browser renders from
//! it (headless Chromium, installed by `.ci/run`; skipped with a note elsewhere when absent).
//!
//! The screenshot test does not compare pixels with a stored image: fonts and anti-aliasing
//! differ between machines and Chromium versions. It checks what stays true everywhere: the
//! PNG has the requested size, the page is not blank (a share of non-white pixels between
//! bounds) and the chart's bars are painted (pixels of the first class's exact colour, solid
//! rectangles that anti-aliasing does not touch inside).

mod common;

use common::{repo_root, wasmaudit};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const EXAMPLES: [&str; 3] = [
    "freeze-bypass/near-1/vulnerable.wat",
    "nondeterminism/near-1/vulnerable.wat",
    "unprotected-upgrade/ink-1/vulnerable.wat",
];

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wasmaudit-html-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn examples() -> Vec<PathBuf> {
    EXAMPLES.iter().map(|e| repo_root().join("corpus").join(e)).collect()
}

/// Writes the HTML report of the examples into `dir` and returns its path and the JSON report
/// of the same scan.
fn report(dir: &Path, jobs: &str) -> (PathBuf, Value) {
    let html = dir.join(format!("report-{jobs}.html"));
    let out = wasmaudit()
        .args(["scan", "--format", "html", "--fail-on", "none", "--jobs", jobs, "--output"])
        .arg(&html)
        .args(examples())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let out = wasmaudit()
        .args(["scan", "--format", "json", "--fail-on", "none"])
        .args(examples())
        .output()
        .expect("runs");
    (html, serde_json::from_slice(&out.stdout).expect("JSON"))
}

fn findings(json: &Value) -> Vec<&Value> {
    json["files"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|f| f["findings"].as_array().into_iter().flatten())
        .collect()
}

/// (platform, class) → count, from the JSON report.
fn platform_class_counts(json: &Value) -> BTreeMap<(String, String), usize> {
    let mut counts = BTreeMap::new();
    for file in json["files"].as_array().into_iter().flatten() {
        for f in file["findings"].as_array().into_iter().flatten() {
            let key = (
                file["platform"].as_str().unwrap_or("").to_string(),
                f["class"].as_str().unwrap_or("").to_string(),
            );
            *counts.entry(key).or_insert(0) += 1;
        }
    }
    counts
}

/// The value of attribute `name` in the start tag `tag` (as Chromium serializes: `name="v"`).
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

/// The attributes (with their leading space) of the start tags `<name ...>` in `html` whose
/// class attribute is `class`.
fn tags_with_class<'a>(html: &'a str, name: &str, class: &str) -> Vec<&'a str> {
    html.split(&format!("<{name}"))
        .skip(1)
        .filter(|rest| rest.starts_with(' '))
        .filter_map(|rest| rest.find('>').map(|end| &rest[..end]))
        .filter(|t| attr(t, "class") == Some(class))
        .collect()
}

#[test]
fn page_is_self_contained_and_carries_the_findings() {
    let dir = temp_dir("structure");
    let (html_path, json) = report(&dir, "1");
    let html = std::fs::read_to_string(&html_path).expect("written");
    assert!(html.starts_with("<!DOCTYPE html>"));
    for needle in
        ["<table id=\"findings\"", "<svg id=\"chart-platform-class\"", "<style>", "Content-Security-Policy"]
    {
        assert!(html.contains(needle), "missing {needle}");
    }
    // No network: nothing is loaded from elsewhere.
    for needle in [" src=", " href=", "<link", "@import", "url("] {
        assert!(!html.contains(needle), "page loads something: {needle}");
    }
    let open = "<script id=\"wasmaudit-data\" type=\"application/json\">";
    let start = html.find(open).expect("data element") + open.len();
    let end = start + html[start..].find("</script>").expect("data element closed");
    let data: Value = serde_json::from_str(&html[start..end]).expect("embedded JSON");
    let expected = findings(&json);
    let embedded = data["findings"].as_array().expect("findings");
    assert_eq!(embedded.len(), expected.len());
    assert!(!expected.is_empty());
    for (e, j) in embedded.iter().zip(&expected) {
        for key in ["id", "impact", "function", "offset", "fingerprint", "message"] {
            assert_eq!(e[key], j[key], "{key}");
        }
        // The code flow is the finding's trail from the entry point, ending at the flagged
        // instruction (the instruction alone when there is no trail).
        let flow = e["flow"].as_array().expect("flow");
        let trail = j["trail"].as_array().map(Vec::len).unwrap_or(0).max(1);
        assert_eq!(flow.len(), trail, "code flow of {e}");
        assert_eq!(flow.last().map(|s| &s["offset"]), Some(&j["offset"]));
        assert!(data["rules"][e["id"].as_str().expect("id")]["recommendation"].is_string(), "docs of {e}");
    }
    let (again, _) = report(&dir, "2");
    assert_eq!(
        std::fs::read(&again).expect("written"),
        html.as_bytes(),
        "deterministic for any thread count"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Chromium, or `None` with a note (CI installs it, so there its absence is a failure).
fn chromium() -> Option<String> {
    let candidates = ["chromium", "chromium-browser", "google-chrome"];
    let found = std::env::var("WASMAUDIT_CHROMIUM")
        .ok()
        .into_iter()
        .chain(candidates.iter().map(|s| s.to_string()))
        .find(|c| Command::new(c).arg("--version").output().is_ok_and(|o| o.status.success()));
    if found.is_none() {
        assert!(std::env::var_os("CI").is_none(), "chromium not installed under CI (.ci/run installs it)");
        println!("skipped: no chromium binary (apt-get install chromium, or set WASMAUDIT_CHROMIUM)");
    }
    found
}

fn headless(chromium: &str, dir: &Path, extra: &[String], page: &Path) -> std::process::Output {
    Command::new(chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run"])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs")
}

#[test]
fn chromium_renders_the_table_and_the_chart() {
    let Some(chromium) = chromium() else { return };
    let dir = temp_dir("dom");
    let (html, json) = report(&dir, "1");
    let out = headless(&chromium, &dir, &["--dump-dom".to_string()], &html);
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(dom.contains("chart-platform-class"), "no DOM dumped: {}", String::from_utf8_lossy(&out.stderr));

    // The script rendered one row per finding, sorted by impact, highest first.
    let rows = tags_with_class(&dom, "tr", "finding");
    let expected = findings(&json);
    assert_eq!(rows.len(), expected.len(), "{dom}");
    let rank = |i: &str| ["info", "low", "medium", "high", "critical"].iter().position(|x| *x == i);
    let impacts: Vec<_> = rows.iter().map(|r| rank(attr(r, "data-impact").unwrap_or(""))).collect();
    assert!(impacts.windows(2).all(|w| w[0] >= w[1]), "rows sorted by impact: {impacts:?}");
    let mut row_prints: Vec<&str> = rows.iter().filter_map(|r| attr(r, "data-fingerprint")).collect();
    let mut json_prints: Vec<&str> = expected.iter().filter_map(|f| f["fingerprint"].as_str()).collect();
    row_prints.sort_unstable();
    json_prints.sort_unstable();
    assert_eq!(row_prints, json_prints);
    assert!(dom.contains(&format!("{} of {} shown", expected.len(), expected.len())));
    // Each row has its details: a code flow (the trail, ending at the flagged instruction) and
    // the docs.
    let mut step_offsets: Vec<u64> = tags_with_class(&dom, "li", "step")
        .iter()
        .filter_map(|t| attr(t, "data-offset")?.parse().ok())
        .collect();
    let mut json_offsets: Vec<u64> = expected
        .iter()
        .flat_map(|f| match f["trail"].as_array().filter(|t| !t.is_empty()) {
            Some(t) => t.iter().filter_map(|s| s["offset"].as_u64()).collect::<Vec<_>>(),
            None => f["offset"].as_u64().into_iter().collect(),
        })
        .collect();
    step_offsets.sort_unstable();
    json_offsets.sort_unstable();
    assert_eq!(step_offsets, json_offsets);
    assert_eq!(dom.matches("<h4>Recommendation</h4>").count(), expected.len());

    // The chart has one bar segment per (platform, class) with its count.
    let bars: BTreeMap<(String, String), usize> = tags_with_class(&dom, "rect", "bar")
        .iter()
        .map(|t| {
            let key = (
                attr(t, "data-platform").unwrap_or("").to_string(),
                attr(t, "data-class").unwrap_or("").to_string(),
            );
            (key, attr(t, "data-count").and_then(|c| c.parse().ok()).unwrap_or(0))
        })
        .collect();
    assert_eq!(bars, platform_class_counts(&json));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn chromium_screenshot_shows_a_painted_page() {
    let Some(chromium) = chromium() else { return };
    let dir = temp_dir("screenshot");
    let (html, _) = report(&dir, "1");
    let png = dir.join("page.png");
    let args = [format!("--screenshot={}", png.display()), "--window-size=1200,900".to_string()];
    let out = headless(&chromium, &dir, &args, &html);
    let bytes = std::fs::read(&png)
        .unwrap_or_else(|e| panic!("no screenshot ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    let image = decode_png(&bytes);
    assert_eq!((image.width, image.height), (1200, 900));
    let pixels = image.width * image.height;
    let white = image.pixels().filter(|p| p.iter().all(|&c| c >= 250)).count();
    let inked = pixels - white;
    assert!(inked * 100 > pixels, "page looks blank: {inked} of {pixels} pixels drawn");
    assert!(inked * 100 < pixels * 90, "page looks unrendered: {inked} of {pixels} pixels drawn");
    // The first class in the chart is painted #4e79a7.
    let bar = image.pixels().filter(|p| close(p, [0x4e, 0x79, 0xa7])).count();
    assert!(bar > 300, "chart bars not painted: {bar} pixels of the first class colour");
    let _ = std::fs::remove_dir_all(&dir);
}

fn close(p: &[u8], rgb: [u8; 3]) -> bool {
    p.iter().zip(rgb).all(|(a, b)| a.abs_diff(b) <= 3)
}

struct Image {
    width: usize,
    height: usize,
    channels: usize,
    data: Vec<u8>,
}

impl Image {
    fn pixels(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.data.chunks_exact(self.channels).map(|p| &p[..3])
    }
}

/// A minimal PNG decoder for Chromium's screenshots: 8-bit RGB or RGBA, not interlaced.
fn decode_png(bytes: &[u8]) -> Image {
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let mut pos = 8;
    let (mut width, mut height, mut channels) = (0, 0, 0);
    let mut idat = Vec::new();
    while pos + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[pos..pos + 4].try_into().expect("4 bytes")) as usize;
        let kind = &bytes[pos + 4..pos + 8];
        let body = &bytes[pos + 8..pos + 8 + len];
        match kind {
            b"IHDR" => {
                width = u32::from_be_bytes(body[0..4].try_into().expect("4 bytes")) as usize;
                height = u32::from_be_bytes(body[4..8].try_into().expect("4 bytes")) as usize;
                assert_eq!(body[8], 8, "bit depth");
                channels = match body[9] {
                    2 => 3,
                    6 => 4,
                    t => panic!("colour type {t}"),
                };
                assert_eq!(body[12], 0, "interlaced");
            }
            b"IDAT" => idat.extend_from_slice(body),
            _ => {}
        }
        pos += 12 + len;
    }
    let raw = miniz_oxide::inflate::decompress_to_vec_zlib(&idat).expect("zlib data");
    let stride = width * channels;
    assert_eq!(raw.len(), height * (stride + 1), "image data size");
    let mut data = vec![0u8; height * stride];
    for y in 0..height {
        let filter = raw[y * (stride + 1)];
        let line = &raw[y * (stride + 1) + 1..(y + 1) * (stride + 1)];
        for x in 0..stride {
            let a = if x >= channels { data[y * stride + x - channels] } else { 0 };
            let b = if y > 0 { data[(y - 1) * stride + x] } else { 0 };
            let c = if y > 0 && x >= channels { data[(y - 1) * stride + x - channels] } else { 0 };
            let predicted = match filter {
                0 => 0,
                1 => a,
                2 => b,
                3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                4 => paeth(a, b, c),
                f => panic!("filter {f}"),
            };
            data[y * stride + x] = line[x].wrapping_add(predicted);
        }
    }
    Image { width, height, channels, data }
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = ((p - i16::from(a)).abs(), (p - i16::from(b)).abs(), (p - i16::from(c)).abs());
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}
