//! The registry's contract: every detector is fully declared (id, kebab-case name, a class from
//! TAXONOMY.md, docs with every section) and has vulnerable and remediated examples.

mod common;

use std::collections::BTreeSet;

#[test]
fn every_detector_is_declared_completely() {
    let all = wasmaudit_detectors::registry();
    assert!(all.len() >= 2);
    let mut ids = BTreeSet::new();
    let mut names = BTreeSet::new();
    for d in &all {
        let m = d.meta();
        m.validate().unwrap_or_else(|e| panic!("{e}"));
        assert!(ids.insert(m.id), "duplicate id {}", m.id);
        assert!(names.insert(m.name), "duplicate name {}", m.name);
        for p in m.platforms {
            assert!(wasmaudit_platform::Platform::from_name(p).is_some(), "{}: unknown platform {p}", m.id);
        }
    }
    let sorted: Vec<_> = all.iter().map(|d| d.meta().id).collect();
    let mut expected = sorted.clone();
    expected.sort();
    assert_eq!(sorted, expected, "registry is sorted by id");
}

#[test]
fn classes_match_the_taxonomy() {
    let taxonomy = common::repo_root().join("../shared/TAXONOMY.md");
    let Ok(text) = std::fs::read_to_string(&taxonomy) else {
        println!("skipped: ../shared/TAXONOMY.md not found");
        return;
    };
    let listed: BTreeSet<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("| "))
        .filter_map(|l| l.split(" |").next())
        .filter(|c| *c != "class" && !c.starts_with('-'))
        .collect();
    for class in wasmaudit_detect::Class::ALL {
        assert!(listed.contains(class.as_str()), "class {class} is not in TAXONOMY.md");
    }
    assert_eq!(listed.len(), wasmaudit_detect::Class::ALL.len(), "TAXONOMY.md lists {listed:?}");
}

#[test]
fn every_detector_has_examples() {
    for d in wasmaudit_detectors::registry() {
        let name = d.meta().name;
        let dir = common::repo_root().join("corpus").join(name);
        let cases: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{name}: missing corpus/{name}/: {e}"))
            .flatten()
            .filter(|e| e.path().is_dir())
            .collect();
        assert!(!cases.is_empty(), "{name}: no example case");
        for case in cases {
            for file in ["vulnerable.wat", "remediated.wat"] {
                assert!(case.path().join(file).is_file(), "{name}: {} lacks {file}", case.path().display());
            }
        }
    }
}

#[test]
fn explain_renders_every_section() {
    for d in wasmaudit_detectors::registry() {
        let md = d.meta().markdown();
        for heading in [
            "## What it does",
            "## Why is this bad?",
            "## Exploit scenario",
            "## Recommendation",
            "## Known false positives",
        ] {
            assert!(md.contains(heading), "{}: {heading} missing", d.meta().id);
        }
    }
}

#[test]
fn readme_lists_every_detector() {
    let readme = std::fs::read_to_string(common::repo_root().join("README.md")).expect("README.md");
    for d in wasmaudit_detectors::registry() {
        let m = d.meta();
        let row = format!("| {} | {} |", m.id, m.name);
        assert!(readme.contains(&row), "README.md's detector table lacks `{row}`");
    }
}
