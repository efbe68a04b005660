use wasmaudit_detect::authz::{host_arg_taint, key_along, taint_along, tokens, Walker};
use wasmaudit_detect::eosio_dispatch::name_string;
use wasmaudit_detect::storage::Key;
use wasmaudit_detect::taint::Taint;
use wasmaudit_detect::{
    Class, Confidence, Context, Detector, DetectorMeta, Docs, Finding, FindingSet, HostCall, Impact,
};
use wasmaudit_platform::{Effect, Platform};

pub struct SecretLeak;

pub static META: DetectorMeta = DetectorMeta {
    id: "WA312",
    name: "secret-leak",
    class: Class::SecretLeak,
    impact: Impact::Medium,
    confidence: Confidence::Low,
    summary: "A value the contract names as a secret (password, seed, private key, mnemonic) is \
        written to storage in plain text",
    docs: Docs {
        what_it_does: "A binary has no types, so secrets are recognised by the names the code \
            itself gives them, honestly a heuristic: a storage key whose text (a constant string, \
            an EOSIO table name) contains the word `secret`, `password`/`passwd`/`passphrase`, \
            `mnemonic`, `seed`, `private key`/`privkey`/`priv_key`. Reported: a storage write under a \
            secret-named key whose value comes from the call's input (followed up through \
            wrappers): the secret is stored in plain text, where anyone can read it for as long as \
            the contract lives. Logs and events are not reported on their own: what a contract \
            can log is its input, which the transaction that carried it already publishes, or \
            values read from storage, which are as public as the log (the store that put a secret \
            there is the finding). Values that pass through a host hash function (`sha256`, \
            `keccak256`) lose their taint, so storing a hash of a secret is not reported.",
        why_bad: "Contract storage, events and logs are replicated to every node and readable by \
            anyone (on consortium chains, by every member and auditor). A password, seed or key \
            written there is disclosed: a commit-reveal game's secret seed stored before the \
            reveal lets players predict outcomes; a stored password lets anyone pass the check it \
            guards; a logged private key hands over the account.",
        exploit_scenario: "A FISCO BCOS vault stores `set_password(pw)` under the key `password` \
            and later lets `withdraw(pw)` through when it matches. An attacker reads the contract's \
            storage through any node's RPC, learns the password, and withdraws everything. An \
            EOSIO dice contract stores the house seed in its `seed` table before bets close; \
            players read the row and only bet on winning rolls.",
        recommendation: "Never put secrets on chain: store a salted hash (or a commitment) and \
            compare hashes, reveal seeds only after the outcome is fixed, keep keys off-chain, and \
            never log sensitive input.",
        known_false_positives: "Names are matched as words, so a key or message that merely \
            mentions a secret (`password_hash` storing a hash computed inside the contract, a \
            `seed` that is public by design) is reported; a secret stored under a key with a neutral name, or built \
            at run time, is missed. Hashes computed in contract code rather than by a host \
            function keep the taint of their input and are reported.",
    },
    platforms: &[],
};

/// Words naming a secret, matched against the words of an identifier or a text.
const SECRET_WORDS: [&str; 9] =
    ["secret", "secrets", "password", "passwd", "passphrase", "mnemonic", "seed", "privkey", "privatekey"];

/// Whether `text` names a secret: one of [`SECRET_WORDS`], or "private key" / "priv key".
pub fn names_secret(text: &str) -> bool {
    let t = tokens(text);
    t.iter().any(|w| SECRET_WORDS.contains(&w.as_str()))
        || t.windows(2).any(|p| matches!(p[0].as_str(), "private" | "priv") && p[1] == "key")
}

fn key_text(platform: Platform, k: &Key) -> Option<String> {
    match k {
        Key::Bytes(_) => k.text().map(str::to_string),
        Key::Value(v) if platform == Platform::Eosio => Some(name_string(*v as u64)),
        Key::Value(_) | Key::Built(_) => None,
    }
}

impl Detector for SecretLeak {
    fn meta(&self) -> &'static DetectorMeta {
        &META
    }

    fn run(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let mut found = FindingSet::new(&META);
        let w = Walker::new(cx);
        stored_secrets(cx, &w, &mut found);
        out.extend(found.into_findings());
    }
}

/// The value argument of a storage write host call, by value or behind a pointer.
fn value_taint(cx: &Context<'_>, c: &HostCall) -> Taint {
    let h = c.host;
    let by_value = matches!(cx.platform, Platform::Soroban | Platform::Multiversx);
    ["value", "data"]
        .iter()
        .find_map(|r| h.arg(r))
        .map(|a| host_arg_taint(cx, c.func, c.instr, a, 64, by_value))
        .unwrap_or_default()
}

fn stored_secrets(cx: &Context<'_>, w: &Walker<'_, '_>, found: &mut FindingSet) {
    for sink in cx.host_calls(Effect::StorageWrite) {
        let value = value_taint(cx, &sink);
        if value.is_empty() {
            continue;
        }
        for path in w.paths(sink.func, sink.instr) {
            let (key, _) = key_along(cx, &path.chain);
            let Some(text) = key.known().and_then(|k| key_text(cx.platform, k)) else { continue };
            if !names_secret(&text) {
                continue;
            }
            let t = taint_along(cx, &path.chain, value, 64);
            // A digest of the input (`crypto`: it went through a hash host call) is no secret.
            if !t.has(Effect::Input) || t.has(Effect::Crypto) {
                continue;
            }
            let at = (sink.func, sink.instr);
            found.report(cx, at, || {
                format!(
                    "`{}` stores a value from the call's input under the key \"{text}\" in plain text: \
                     anyone who can read the contract's state reads the secret",
                    cx.host_display_name(sink.callee)
                )
            });
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for s in ["password", "userPassword", "private_key", "PRIVATE KEY", "seed", "secret: {}", "mnemonic"]
        {
            assert!(names_secret(s), "{s}");
        }
        for s in ["owner", "pubkey", "public_key", "seedling", "secretary", "key"] {
            assert!(!names_secret(s), "{s}");
        }
    }
}
