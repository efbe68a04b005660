//! Readable function names: Rust (legacy and v0) and C++ (Itanium) symbols demangled, and
//! whether a name belongs to a library (the language runtime, a platform SDK, serialization)
//! rather than to the contract's own code — decided from the demangled path's leading crate or
//! namespace, never from a particular function name.

/// Longest symbol demangled: longer ones are kept raw (demangling cost grows with the name, and
/// no readable name is that long).
const MAX_DEMANGLE_LEN: usize = 4096;

/// The demangled form of `raw` (Rust without the trailing hash), or `raw` itself when it is not
/// a mangled symbol.
pub fn demangle(raw: &str) -> String {
    if raw.len() > MAX_DEMANGLE_LEN
        || !(raw.starts_with("_Z") || raw.starts_with("_R") || raw.starts_with("__Z"))
    {
        return raw.to_string();
    }
    if let Ok(d) = rustc_demangle::try_demangle(raw) {
        return format!("{d:#}");
    }
    let itanium = raw.strip_prefix('_').filter(|r| r.starts_with("_Z")).unwrap_or(raw);
    cpp_demangle::Symbol::new(itanium)
        .ok()
        .and_then(|s| s.demangle(&cpp_demangle::DemangleOptions::default()).ok())
        .unwrap_or_else(|| raw.to_string())
}

/// Leading crates and namespaces of library code: the Rust standard library, the platforms'
/// SDKs and the serialization crates they use, and the C++ standard library and EOSIO CDT. A
/// crate matches by its name or as the prefix of a name (`ink` covers `ink_env`, `serde` covers
/// `serde_json`).
const LIBRARY_ROOTS: &[&str] = &[
    "core",
    "alloc",
    "std",
    "compiler_builtins",
    "dlmalloc",
    "wee_alloc",
    "hashbrown",
    "near_sdk",
    "near_sys",
    "near_gas",
    "near_token",
    "cosmwasm",
    "cw_storage_plus",
    "cw_utils",
    "cw2",
    "soroban",
    "ink",
    "pallet_contracts",
    "parity_scale_codec",
    "scale_info",
    "multiversx_sc",
    "stylus_sdk",
    "stylus_proc",
    "alloy",
    "serde",
    "borsh",
    "schemars",
    "base64",
    "bs58",
    "hex",
    "eosio",
    "__cxxabiv1",
    "__gnu_cxx",
    "boost",
];

/// The leading crate or namespace of a demangled name: the identifier before its first `::`
/// (for `<T as Trait>::f`, `T`'s crate; for C++ with a return type, the last word before it).
pub fn path_root(name: &str) -> Option<&str> {
    let end = name.find("::")?;
    let head = &name[..end];
    let start = head.rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$')).map_or(0, |i| i + 1);
    let root = &head[start..];
    (!root.is_empty()).then_some(root)
}

/// For `<Type as Trait>::f`, the part whose crate decides: the type when it has a path, else
/// (a type parameter, a primitive, a slice) the trait.
fn owner_of_impl(name: &str) -> &str {
    let Some(inner) = name.strip_prefix('<') else { return name };
    let mut depth = 0usize;
    for (i, c) in inner.char_indices() {
        match c {
            '<' => depth += 1,
            '>' if depth == 0 => return inner,
            '>' => depth -= 1,
            ' ' if depth == 0 && inner[i..].starts_with(" as ") => {
                let ty = &inner[..i];
                return if ty.contains("::") { ty } else { &inner[i + 4..] };
            }
            _ => {}
        }
    }
    inner
}

/// Whether a (demangled) function name is library code. Names without a path are the module's
/// own, except toolchain internals (`__rust_alloc`, `__wasm_call_ctors`), which start with `__`.
pub fn is_library(name: &str) -> bool {
    let bare = owner_of_impl(name).trim_start_matches(['<', '&', '*', ' ', '[']);
    let Some(root) = path_root(bare) else { return bare.starts_with("__") };
    LIBRARY_ROOTS.iter().any(|lib| {
        root == *lib
            || root.strip_prefix(lib).is_some_and(|rest| rest.starts_with('_') || rest.starts_with("::"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_legacy_and_v0_symbols_demangle_without_their_hash() {
        assert_eq!(
            demangle("_ZN4core3ptr33drop_in_place$LT$nearc..Vault$GT$17h0123456789abcdefE"),
            "core::ptr::drop_in_place<nearc::Vault>"
        );
        assert_eq!(demangle("_RNvCs1234_5nearc7deposit"), "nearc::deposit");
    }

    #[test]
    fn cpp_symbols_demangle_and_plain_names_stay() {
        assert_eq!(demangle("_ZN5eosio4nameC2Ev"), "eosio::name::name()");
        assert_eq!(demangle("_ZN4dice4rollEy"), "dice::roll(unsigned long long)");
        assert_eq!(demangle("apply"), "apply");
        assert_eq!(demangle("$func12"), "$func12");
        assert_eq!(demangle("_Znot-a-symbol"), "_Znot-a-symbol");
    }

    #[test]
    fn library_code_is_told_by_its_leading_crate() {
        assert!(is_library("core::ptr::drop_in_place<nearc::Vault>"));
        assert!(is_library("<alloc::vec::Vec<u8> as core::ops::drop::Drop>::drop"));
        assert!(is_library("near_sdk::environment::env::state_write"));
        assert!(is_library("ink_env::engine::on_chain::impls::set_contract_storage"));
        assert!(is_library("serde_json::de::from_slice"));
        assert!(is_library("eosio::multi_index<1, row>::emplace(unsigned long long)"));
        assert!(is_library("void std::__2::vector<int>::push_back(int const&)"));
        assert!(is_library("__rust_alloc"));
        assert!(is_library("<T as alloc::slice::<impl [T]>::to_vec_in::ConvertVec>::to_vec"));
        assert!(is_library("<[u8] as core::fmt::Debug>::fmt"));
        assert!(!is_library("<nearc::Vault as core::default::Default>::default"));
        assert!(!is_library("nearc::Vault::deposit"));
        assert!(!is_library("<nearc::Vault as near_sdk::state::ContractState>::save"));
        assert!(!is_library("inkwell::run"), "a crate named like a library's prefix is not one");
        assert!(!is_library("apply"));
        assert!(!is_library("$func7"));
    }
}
