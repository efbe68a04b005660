use super::*;

/// Every `effects` array and every method-table value in a model file, with a location.
fn effect_names(value: &serde_json::Value, path: &str, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                let here = format!("{path}.{key}");
                if key == "effects" {
                    collect_strings(v, &here, out);
                } else if key == "table" {
                    if let serde_json::Value::Object(table) = v {
                        for (method, effects) in table {
                            collect_strings(effects, &format!("{here}.{method}"), out);
                        }
                    }
                } else {
                    effect_names(v, &here, out);
                }
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                effect_names(v, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

fn collect_strings(value: &serde_json::Value, path: &str, out: &mut Vec<(String, String)>) {
    if let serde_json::Value::Array(items) = value {
        for item in items {
            out.push((path.to_string(), item.as_str().unwrap_or("<not a string>").to_string()));
        }
    } else {
        out.push((path.to_string(), "<not an array>".to_string()));
    }
}

#[test]
fn every_model_file_parses() {
    for (p, json) in MODEL_SOURCES {
        if let Err(e) = parse_model(p, json) {
            panic!("{p} model: {e}");
        }
    }
    assert_eq!(all_models().len(), Platform::ALL.len() - 1);
}

#[test]
fn every_platform_but_unknown_has_a_model() {
    for p in Platform::ALL {
        match p {
            Platform::Unknown => assert!(model(p).is_none()),
            _ => {
                let m = model(p).unwrap_or_else(|| panic!("no model for {p}"));
                assert_eq!(m.platform, p);
                assert!(!m.host.is_empty(), "{p} has no host functions");
                assert!(!m.sources().is_empty(), "{p} model names no sources");
            }
        }
    }
}

#[test]
fn every_effect_name_is_valid() {
    for (p, json) in MODEL_SOURCES {
        let value: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{p}: {e}"));
        let mut names = Vec::new();
        effect_names(&value, p.as_str(), &mut names);
        assert!(!names.is_empty(), "{p}: no effects found");
        for (path, name) in names {
            assert!(Effect::from_name(&name).is_some(), "{path}: unknown effect {name:?}");
        }
    }
}

#[test]
fn effect_names_round_trip() {
    for e in Effect::ALL {
        assert_eq!(Effect::from_name(e.as_str()), Some(e));
        let json = serde_json::to_string(&e).unwrap_or_default();
        assert_eq!(json, format!("\"{}\"", e.as_str()));
        let back: Effect = serde_json::from_str(&json).unwrap_or(Effect::Log);
        assert_eq!(back, e);
    }
    for p in Platform::ALL {
        assert_eq!(Platform::from_name(p.as_str()), Some(p));
    }
}

#[test]
fn argument_roles_and_method_tables_are_sane() {
    for m in all_models() {
        for h in &m.host {
            let mut seen = BTreeSet::new();
            for (role, &i) in &h.args {
                assert!(!role.is_empty(), "{}: {}.{}", m.platform, h.module, h.name);
                assert!(i < 16, "{}: {}.{} arg {role} = {i}", m.platform, h.module, h.name);
                assert!(
                    seen.insert(i),
                    "{}: {}.{} two roles for parameter {i}",
                    m.platform,
                    h.module,
                    h.name
                );
            }
            if let Some(d) = &h.methods {
                assert!(!d.table.is_empty());
                assert_ne!(Some(d.name_ptr_arg), d.name_len_arg);
            }
        }
    }
}

#[test]
fn ink_alias_lookup() {
    let ink = model(Platform::Ink).expect("ink model");
    let prefixed = ink.host_fn("seal0", "seal_call").expect("seal0.seal_call");
    let plain = ink.host_fn("seal0", "call").expect("seal0.call");
    assert_eq!((prefixed.module.as_str(), prefixed.name.as_str()), ("seal0", "call"));
    assert_eq!(plain.name, prefixed.name);
    assert!(plain.has(Effect::ExternalCall));
    assert_eq!(plain.arg("flags"), None);

    // Versioned modules keep their own argument layout ...
    let v1 = ink.host_fn("seal1", "seal_call").expect("seal1.seal_call");
    assert_eq!(v1.module, "seal1");
    assert_eq!(v1.arg("flags"), Some(0));
    // ... and a function only defined in seal0 is found from seal1.
    let caller = ink.host_fn("seal1", "seal_caller").expect("seal1.seal_caller");
    assert_eq!(caller.module, "seal0");
    assert!(caller.has(Effect::CallerId));
    // An unknown future version falls back to the nearest lower one.
    let v3 = ink.host_fn("seal3", "call").expect("seal3.call");
    assert_eq!(v3.module, "seal2");
    assert_eq!(ink.host_fn("seal0", "seal_return").map(|h| h.name.as_str()), Some("return"));
    assert!(ink.host_fn("seal0", "no_such_function").is_none());
    assert!(ink.host_fn("env", "seal_call").is_none());
    assert!(ink.host_fn("sealx", "call").is_none());
}

#[test]
fn emscripten_underscore_alias() {
    let xc = model(Platform::Xuperchain).expect("xuperchain model");
    let h = xc.host_fn("env", "call_method").expect("call_method");
    assert_eq!(h.name, "_call_method");
    let d = h.methods.as_ref().expect("dispatch");
    assert_eq!(d.effects_of("PutObject"), &[Effect::StorageWrite]);
    assert!(d.effects_of("NoSuchMethod").is_empty());
}

#[test]
fn examples_from_the_platforms() {
    let eosio = model(Platform::Eosio).expect("eosio");
    let ra = eosio.host_fn("env", "require_auth").expect("require_auth");
    assert!(ra.has(Effect::AuthCheck));
    assert_eq!(ra.arg("account"), Some(0));

    let near = model(Platform::Near).expect("near");
    let pred = near.host_fn("env", "predecessor_account_id").expect("predecessor_account_id");
    assert!(pred.has(Effect::CallerId));
    assert_eq!(pred.arg("register"), Some(0));
    for (name, effect) in [
        ("promise_batch_action_deploy_contract", Effect::CodeUpgrade),
        ("promise_batch_action_delete_account", Effect::Terminate),
        ("promise_batch_action_add_key_with_full_access", Effect::KeyManagement),
        ("signer_account_id", Effect::OriginId),
        ("random_seed", Effect::Randomness),
        ("panic_utf8", Effect::Abort),
    ] {
        let h = near.host_fn("env", name).unwrap_or_else(|| panic!("near {name}"));
        assert!(h.has(effect), "near {name} lacks {effect}");
    }

    let soroban = model(Platform::Soroban).expect("soroban");
    let auth = soroban.host_fn("a", "0").expect("a.0");
    assert_eq!(auth.display_name(), "require_auth");
    assert!(auth.has(Effect::AuthCheck));
    let upgrade = soroban.host_fn("l", "6").expect("l.6");
    assert_eq!(upgrade.display_name(), "update_current_contract_wasm");
    assert!(upgrade.has(Effect::CodeUpgrade));

    let cm = model(Platform::Chainmaker).expect("chainmaker");
    let sys_call = cm.host_fn("env", "sys_call").expect("sys_call");
    let d = sys_call.methods.as_ref().expect("sys_call dispatch");
    assert_eq!(d.encoding, NameEncoding::EasycodecHeader);
    assert_eq!(d.effects_of("PutState"), &[Effect::StorageWrite]);
    assert_eq!(d.effects_of("GetSenderAddress"), &[Effect::CallerId]);
    assert!(sys_call.possible_effects().contains(&Effect::ExternalCall));
}

#[test]
fn detect_empty_surface_is_unknown() {
    let d = detect(&Surface::default());
    assert_eq!(d.platform, Platform::Unknown);
    assert!(!d.evidence.is_empty());
}

#[test]
fn detect_wasi_only_is_unknown() {
    let surface = Surface {
        imports: vec![
            ("wasi_snapshot_preview1", "fd_write"),
            ("wasi_snapshot_preview1", "proc_exit"),
            ("env", "abort"),
        ],
        exports: vec!["_start", "memory"],
        custom_sections: vec!["name"],
    };
    assert_eq!(detect(&surface).platform, Platform::Unknown);
}

/// Each platform is detected from a handful of its own characteristic host imports.
#[test]
fn detect_each_platform_from_its_own_table() {
    for m in all_models() {
        let imports: Vec<(&str, &str)> = m
            .host
            .iter()
            .filter(|h| h.detection_weight() >= 1.0)
            .take(6)
            .map(|h| (h.module.as_str(), h.name.as_str()))
            .collect();
        let exports: Vec<&str> = m.required_exports.iter().map(String::as_str).collect();
        let d = detect(&Surface { imports, exports, custom_sections: vec![] });
        assert_eq!(d.platform, m.platform, "evidence: {:?}", d.evidence);
        assert!(d.evidence.iter().any(|e| e.starts_with("import ")));
    }
}

#[test]
fn detect_examples() {
    let ink = detect(&Surface {
        imports: vec![("seal0", "seal_call"), ("seal0", "seal_input"), ("env", "memory")],
        exports: vec!["deploy", "call"],
        custom_sections: vec![],
    });
    assert_eq!(ink.platform, Platform::Ink);
    assert!(ink.evidence.contains(&"import seal0.seal_call".to_string()));

    let cosmwasm_no_imports = detect(&Surface {
        imports: vec![],
        exports: vec!["interface_version_8", "allocate", "deallocate", "instantiate"],
        custom_sections: vec![],
    });
    assert_eq!(cosmwasm_no_imports.platform, Platform::Cosmwasm);

    let soroban_no_imports = detect(&Surface {
        imports: vec![],
        exports: vec!["add", "_"],
        custom_sections: vec!["contractspecv0", "contractenvmetav0"],
    });
    assert_eq!(soroban_no_imports.platform, Platform::Soroban);

    let eosio_apply_only =
        detect(&Surface { imports: vec![], exports: vec!["apply"], custom_sections: vec![] });
    assert_eq!(eosio_apply_only.platform, Platform::Eosio);

    // Shared names alone (abort, memcpy) are not enough.
    let generic = detect(&Surface {
        imports: vec![("env", "abort"), ("env", "memcpy"), ("env", "memset")],
        exports: vec!["main"],
        custom_sections: vec![],
    });
    assert_eq!(generic.platform, Platform::Unknown);

    // ChainMaker WXVM and XuperChain share _call_method; the exports decide.
    let wxvm = |export: &'static str| {
        detect(&Surface {
            imports: vec![("env", "_call_method"), ("env", "_fetch_response")],
            exports: vec![export],
            custom_sections: vec![],
        })
        .platform
    };
    assert_eq!(wxvm("_init_contract"), Platform::Chainmaker);
    assert_eq!(wxvm("_initialize"), Platform::Xuperchain);
}

#[test]
fn detect_is_deterministic_and_order_independent() {
    let a = Surface {
        imports: vec![("env", "storage_write"), ("env", "abort"), ("env", "input")],
        exports: vec!["new", "memory"],
        custom_sections: vec![],
    };
    let b = Surface {
        imports: a.imports.iter().rev().copied().collect(),
        exports: a.exports.iter().rev().copied().collect(),
        custom_sections: vec![],
    };
    assert_eq!(detect(&a), detect(&b));
    assert_eq!(detect(&a).platform, Platform::Near);
}

#[test]
fn detect_odd_names_do_not_panic() {
    let long = "x".repeat(10_000);
    let surface = Surface {
        imports: vec![("", ""), ("seal", "call"), ("seal99999999999999", ""), (&long, &long)],
        exports: vec!["", "*", "interface_version_", &long],
        custom_sections: vec!["", "\u{0}"],
    };
    let _ = detect(&surface);
}

/// The VM import lists generated into the models (`models/imports/*.txt`, merged by
/// `models/gen_imports.py`).
const IMPORT_LISTS: [(Platform, &str); 8] = [
    (Platform::Multiversx, include_str!("../models/imports/multiversx.txt")),
    (Platform::Near, include_str!("../models/imports/near.txt")),
    (Platform::Soroban, include_str!("../models/imports/soroban.txt")),
    (Platform::Cosmwasm, include_str!("../models/imports/cosmwasm.txt")),
    (Platform::Ink, include_str!("../models/imports/ink.txt")),
    (Platform::Eosio, include_str!("../models/imports/eosio.txt")),
    (Platform::Stylus, include_str!("../models/imports/stylus.txt")),
    (Platform::Ewasm, include_str!("../models/imports/ewasm.txt")),
];

/// `(module, name)` of every entry of an import list.
fn list_entries(list: &str) -> Vec<(&str, &str)> {
    list.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let full = l.split_whitespace().next().unwrap_or(l);
            full.split_once('.').unwrap_or_else(|| panic!("list entry {l:?} is not module.name"))
        })
        .collect()
}

fn list_is_complete(list: &str) -> bool {
    list.lines().any(|l| l.trim().to_ascii_lowercase().starts_with("# complete: yes"))
}

#[test]
fn every_import_list_is_embedded() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/imports");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|f| f.strip_suffix(".txt").map(str::to_string))
        .collect();
    on_disk.sort();
    let mut embedded: Vec<String> = IMPORT_LISTS.iter().map(|(p, _)| p.as_str().to_string()).collect();
    embedded.sort();
    assert_eq!(on_disk, embedded, "models/imports/*.txt and IMPORT_LISTS differ");
}

#[test]
fn every_listed_import_is_in_the_model() {
    for (p, list) in IMPORT_LISTS {
        let m = model(p).expect("model");
        let entries = list_entries(list);
        assert!(!entries.is_empty(), "{p}: empty import list");
        assert!(list.lines().any(|l| l.starts_with("# source:")), "{p}: list names no source");
        let missing: Vec<String> = entries
            .iter()
            .filter(|(md, n)| m.host_fn(md, n).is_none())
            .map(|(md, n)| format!("{md}.{n}"))
            .collect();
        assert!(
            missing.is_empty(),
            "{p}: listed but not in the model (run models/gen_imports.py): {missing:?}"
        );
    }
}

#[test]
fn imports_closed_only_with_a_complete_list() {
    for m in all_models() {
        if !m.deploy.imports_closed {
            continue;
        }
        let list = IMPORT_LISTS.iter().find(|(p, _)| *p == m.platform).map(|(_, l)| *l);
        let list =
            list.unwrap_or_else(|| panic!("{}: imports_closed without models/imports list", m.platform));
        assert!(list_is_complete(list), "{}: imports_closed but the list is not marked complete", m.platform);
    }
}

#[test]
fn failure_semantics_from_the_vm_source() {
    let on = |p: Platform, module: &str, name: &str| {
        model(p)
            .expect("model")
            .host_fn(module, name)
            .unwrap_or_else(|| panic!("{p}: {module}.{name}"))
            .on_failure()
    };
    use OnFailure::*;
    for name in [
        "transferValueExecute",
        "managedTransferValueExecute",
        "multiTransferESDTNFTExecute",
        "managedMultiTransferESDTNFTExecute",
        "executeOnDestContext",
        "managedExecuteOnDestContext",
        "executeOnSameContext",
        "createContract",
        "managedCreateContract",
        "deployFromSourceContract",
        "verifyEd25519",
        "managedVerifySecp256k1",
    ] {
        assert_eq!(on(Platform::Multiversx, "env", name), Some(Traps), "multiversx {name}");
    }
    for name in ["managedMultiTransferESDTNFTExecuteWithReturn", "managedExecuteOnDestContextWithErrorReturn"]
    {
        assert_eq!(on(Platform::Multiversx, "env", name), Some(ReturnsStatus), "multiversx {name}");
    }
    assert!(model(Platform::Multiversx)
        .expect("model")
        .host_fn("env", "verifyBLS")
        .expect("verifyBLS")
        .traps_on_failure());
    assert_eq!(on(Platform::Multiversx, "env", "getCaller"), None);
    assert_eq!(on(Platform::Soroban, "c", "0"), Some(Traps)); // verify_sig_ed25519
    assert_eq!(on(Platform::Soroban, "d", "0"), Some(ReturnsStatus)); // try_call
    assert_eq!(on(Platform::Near, "env", "ed25519_verify"), Some(ReturnsStatus));
    assert_eq!(on(Platform::Eosio, "env", "send_inline"), Some(Traps));
    assert_eq!(on(Platform::Eosio, "env", "eosio_assert"), Some(Traps));
    assert_eq!(on(Platform::Cosmwasm, "env", "secp256k1_verify"), Some(ReturnsStatus));
    assert_eq!(on(Platform::Cosmwasm, "env", "ed25519_verify"), Some(ReturnsStatus));
    assert_eq!(on(Platform::Ink, "seal1", "seal_call"), Some(ReturnsStatus));
    assert_eq!(OnFailure::ReturnsStatus.to_string(), "returns-status");
}

#[test]
fn generated_entries_make_vm_functions_known() {
    // Issue 10, cause 9: functions the MultiversX VM provides that the hand-written table lacked.
    let mx = model(Platform::Multiversx).expect("model");
    for name in [
        "getESDTTokenData",
        "getESDTNFTNameLength",
        "managedMapNew",
        "managedScalarMultEC",
        "getBlockTimestampMs",
    ] {
        assert!(mx.host_fn("env", name).is_some(), "multiversx env.{name}");
    }
    assert!(mx
        .host_fn("env", "managedVerifySecp256r1")
        .expect("managedVerifySecp256r1")
        .has(Effect::SignatureVerify));
    assert!(mx.host_fn("env", "getBlockHash").expect("getBlockHash").has(Effect::BlockInfo));
}
