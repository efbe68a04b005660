use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use wasmaudit_detect::taint::{Taint, WINDOW};
use wasmaudit_detect::{Class, Confidence, Context, Detector, DetectorMeta, Docs, Finding, Impact};
use wasmaudit_flow::{Addr, Base, Evaluator, ValueDef, ValueId};
use wasmaudit_front::{BinOp, CmpOp, ConvOp, Module, Op, UnOp};
use wasmaudit_platform::{Builds, Effect, Platform};

pub struct HardcodedSecret;

pub static META: DetectorMeta = DetectorMeta {
    id: "WA301",
    name: "hardcoded-secret",
    class: Class::HardcodedSecret,
    impact: Impact::High,
    confidence: Confidence::Medium,
    summary: "A private key, seed phrase, password or hashing key is embedded in the module (a data \
        segment or integer immediates) and used by the code",
    docs: Docs {
        what_it_does: "Scans the active data segments for key material: EOSIO/Bitcoin WIF private \
            keys (`5H`/`5J`/`5K` and compressed `K`/`L`, base58 with the double-SHA-256 checksum \
            verified), Antelope `PVT_K1_`/`PVT_R1_` keys (prefix and a 36-byte base58 payload; the \
            RIPEMD-160 checksum is not verified), NEAR `ed25519:` keys with a 64-byte payload and \
            `secp256k1:` keys with a 32-byte payload (the secret-key sizes), PEM `-----BEGIN ... \
            PRIVATE KEY-----` blocks, 64-hex-digit strings next to a word such as `private`, \
            `secret`, `seed` or `password`, `password=`/`api_key:` assignments with a non-trivial \
            value, and BIP-39-shaped mnemonics (a heuristic, the word list is not embedded: exactly \
            12, 15, 18, 21 or 24 lowercase words of 3 to 8 letters separated by single spaces, with \
            no common English function word). Public keys (`EOS...`, `PUB_K1_...`, `ed25519:` with \
            a 32-byte payload) are not reported. A secret is reported only where it is used, and use \
            is address-based: every function that contains an `i32.const` or `i64.const` whose value \
            is an address inside the secret's bytes, or inside the text that runs into it (at most \
            64 printable bytes before it, such as the `{\"signing_key\":\"` of a JSON template), \
            gets one finding, at the first such constant. Two data-flow rules find secrets that \
            are not lexically marked. A *secret comparison*: a branch or assertion whose condition \
            tests at least 12 contiguous bytes, loaded through one pointer, for equality with \
            integer immediates (`load ^ k` terms ored together and tested for zero, or `load == k` \
            tests anded: how rustc inlines `password == \"...\"`), where the loaded bytes carry \
            caller input (taint, followed up to four levels of callers), the branch decides a \
            check (one side traps, or reaches a call the other cannot) and the constant text looks \
            like a credential: printable, no spaces, at least 6 distinct characters, not a bech32 \
            address, a 32+-digit hex string, a long base58 run or a URL, and holding either a \
            random-looking token (an alphanumeric run of 8+ characters switching between letters \
            and digits at least 4 times) or a password mix (letters, digits and one of \
            `!@#$%^&*+=?~`). Field, variant and method names a JSON decoder or a dispatcher \
            compares input with are identifiers and never qualify. A *keyed hash*: a host \
            constructor the platform model marks as building bytes or a string from linear memory \
            (Soroban `bytes_new_from_linear_memory`) copies at least 16 bytes of binary key \
            material from a constant data-segment address (at least 3/4 distinct bytes, at most \
            3/4 printable, at most 1/8 zeros, not containing a SHA-2 initial value or round \
            constant word in either byte order), the object flows through effect-free host calls, \
            one of which mixes in caller data (an exported function's parameter or input taint), \
            into the data of a `crypto` host call, and the digest flows into a branch or an \
            assertion (a comparison with the caller's code).",
        why_bad: "Everything in a deployed module is public: anyone can download the code from the \
            chain and read its data section. A key, seed or password compiled into a contract is \
            therefore disclosed to the world, and whatever it protects (an account, an oracle's \
            signing key, a `sha256(secret + input)` dice seed) is controlled by whoever reads it \
            first. The key-management requirement is that private keys never leave their holder.",
        exploit_scenario: "A dice contract derives each roll from `sha256(house_secret || bet_id)` \
            with the house secret compiled in as a WIF key. An attacker downloads the code, \
            extracts the key from the data section, precomputes every roll and only places bets \
            that win; because the same WIF key also controls the house account, they import it \
            into a wallet and empty the bankroll directly.",
        recommendation: "Never compile private keys, seeds or passwords into a contract. Verify \
            signatures against a stored public key (`assert_recover_key`, `ed25519_verify`), keep \
            signing keys off-chain or in the platform's key management, use commit-reveal or a \
            VRF instead of a secret seed, and rotate any key that was ever deployed.",
        known_false_positives: "The lexical rules report test fixtures, well-known example keys and \
            64-hex-digit hashes that happen to sit next to a word like `secret`; the \
            mnemonic check is a shape heuristic without the BIP-39 word list or checksum. Use is \
            approximated by address constants: a constant that equals an address inside the secret \
            for another reason is reported, and a secret reached only through computed addresses \
            (position-independent code, data segments with non-constant offsets) or a key split \
            across strings is missed. NEAR keys followed directly by other string bytes are not \
            recognised. The comparison rule only sees comparisons inlined as immediates (a \
            `memcmp`/`bcmp` against a data-segment string is not followed) and only credential-shaped \
            text: a password made of plain words (`opensesame_admin`) is missed, and a constant \
            public token with a random-looking part compared with input (an API route or ticker \
            such as `pool-7f3a9c1e`) would be reported. The keyed-hash rule is modelled only for \
            host-object platforms (Soroban): a key concatenated with input in linear memory and \
            hashed by a pointer-based host call (NEAR `sha256`, EOSIO `sha256`) is missed, as is a \
            key whose bytes are built by code rather than copied from a data segment; any \
            high-entropy table other than SHA-2's that is hashed with caller data (a domain \
            separator, a salt that is public by design) is reported.",
    },
    platforms: &[],
};

impl Detector for HardcodedSecret {
    fn meta(&self) -> &'static DetectorMeta {
        &META
    }

    fn run(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for f in cx.module.functions.iter().filter(|f| !f.is_import()) {
            for c in secret_compares(cx, f.index) {
                let preview: String = String::from_utf8_lossy(&c.text).chars().take(6).collect();
                out.push(Finding::at(
                    cx,
                    &META,
                    f.index,
                    c.at,
                    format!(
                        "caller input is compared with the {}-byte constant `{preview}…`, inlined as integer \
                         immediates, and the comparison decides a check: the password is in the code for \
                         anyone who downloads the module",
                        c.text.len()
                    ),
                ));
            }
            for k in keyed_hashes(cx, f.index) {
                out.push(Finding::at(
                    cx,
                    &META,
                    f.index,
                    k.at,
                    format!(
                        "{} bytes of key material at address {:#x} are hashed together with caller data \
                         (`{}`) and the digest decides a check: anyone who reads the module can compute \
                         the expected value",
                        k.len,
                        k.addr,
                        cx.host_display_name(k.hash)
                    ),
                ));
            }
        }
        let secrets = find_secrets(cx.module);
        if secrets.is_empty() {
            return;
        }
        for f in cx.module.functions.iter().filter(|f| !f.is_import()) {
            for s in &secrets {
                let Some(instr) =
                    f.body.iter().position(|i| const_value(&i.op).is_some_and(|v| s.contains(v)))
                else {
                    continue;
                };
                out.push(Finding::at(
                    cx,
                    &META,
                    f.index,
                    instr,
                    format!(
                        "{} `{}` is embedded at address {:#x} ({} bytes) and this constant points to it \
                         (or to the string holding it): anyone who downloads the module can read it",
                        s.kind, s.preview, s.addr, s.len
                    ),
                ));
            }
        }
    }
}

/// A secret found in an active data segment, by memory address.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Secret {
    addr: u64,
    len: u64,
    /// Start of the text the secret is part of (`{"key":"...`), at most [`MAX_LEAD`] bytes
    /// before it: a pointer to that string is a use of the secret too.
    use_addr: u64,
    kind: &'static str,
    /// The first characters, for the message (the rest is elided).
    preview: String,
}

impl Secret {
    fn contains(&self, v: u64) -> bool {
        v >= self.use_addr && v < self.addr + self.len
    }
}

/// How far before a secret a pointer to the string containing it may start.
const MAX_LEAD: usize = 64;

/// Start of the printable text that runs into `start`, at most [`MAX_LEAD`] bytes back.
fn text_start(bytes: &[u8], start: usize) -> usize {
    let printable = |b: u8| (0x20..0x7f).contains(&b) || matches!(b, b'\t' | b'\n' | b'\r');
    let lead = bytes[..start].iter().rev().take(MAX_LEAD).take_while(|&&b| printable(b)).count();
    start - lead
}

/// The value of an `i32.const` (as an unsigned address) or `i64.const`.
fn const_value(op: &Op) -> Option<u64> {
    match op {
        Op::I32Const(v) => Some(u64::from(*v as u32)),
        Op::I64Const(v) => u64::try_from(*v).ok(),
        _ => None,
    }
}

/// A secret inside one byte string: its range and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Hit {
    start: usize,
    end: usize,
    kind: &'static str,
}

fn find_secrets(module: &Module) -> Vec<Secret> {
    let mut out = Vec::new();
    for seg in module.data.iter().filter(|d| d.active) {
        let Some(base) = seg.offset else { continue };
        for hit in scan(&seg.bytes) {
            let text = String::from_utf8_lossy(&seg.bytes[hit.start..hit.end]);
            let preview: String = text.chars().take(12).collect();
            out.push(Secret {
                addr: base + hit.start as u64,
                len: (hit.end - hit.start) as u64,
                use_addr: base + text_start(&seg.bytes, hit.start) as u64,
                kind: hit.kind,
                preview: format!("{preview}…"),
            });
        }
    }
    out
}

/// Every secret in `bytes`, in order, without overlaps (the first found wins).
fn scan(bytes: &[u8]) -> Vec<Hit> {
    let mut hits = Vec::new();
    hits.extend(wif_keys(bytes));
    hits.extend(prefixed_base58_keys(bytes));
    hits.extend(pem_private_keys(bytes));
    hits.extend(hex_secrets(bytes));
    hits.extend(password_assignments(bytes));
    hits.extend(mnemonics(bytes));
    hits.sort_by_key(|h| (h.start, std::cmp::Reverse(h.end)));
    let mut out: Vec<Hit> = Vec::new();
    for h in hits {
        if out.last().is_none_or(|last| h.start >= last.end) {
            out.push(h);
        }
    }
    out
}

const BASE58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

fn is_base58(b: u8) -> bool {
    BASE58.contains(&b)
}

/// Decodes base58 (Bitcoin alphabet); `None` on any other character.
fn base58_decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut num: Vec<u8> = Vec::new(); // little-endian base-256
    for &c in s {
        let mut carry = BASE58.iter().position(|&a| a == c)? as u32;
        for byte in num.iter_mut() {
            carry += u32::from(*byte) * 58;
            *byte = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            num.push((carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    let zeros = s.iter().take_while(|&&c| c == b'1').count();
    let mut out = vec![0u8; zeros];
    out.extend(num.iter().rev());
    Some(out)
}

fn double_sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(Sha256::digest(data)).into()
}

/// Whether `payload` is a WIF private key: version 0x80, a 32-byte key, an optional 0x01
/// compression flag, and the first four bytes of the double SHA-256 as checksum.
fn is_wif(payload: &[u8]) -> bool {
    let body_len = match payload.len() {
        37 => 33,
        38 if payload.get(33) == Some(&1) => 34,
        _ => return false,
    };
    payload[0] == 0x80 && double_sha256(&payload[..body_len])[..4] == payload[body_len..]
}

/// WIF keys: 51 characters starting `5H`/`5J`/`5K`, or 52 starting `K`/`L` (compressed).
fn wif_keys(bytes: &[u8]) -> Vec<Hit> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let len = match (bytes[i], bytes.get(i + 1)) {
            (b'5', Some(b'H' | b'J' | b'K')) => 51,
            (b'K' | b'L', Some(_)) => 52,
            _ => {
                i += 1;
                continue;
            }
        };
        let window = bytes.get(i..i + len);
        let found = window
            .is_some_and(|w| w.iter().all(|&b| is_base58(b)) && base58_decode(w).is_some_and(|p| is_wif(&p)));
        if found {
            out.push(Hit { start: i, end: i + len, kind: "WIF private key" });
            i += len;
        } else {
            i += 1;
        }
    }
    out
}

/// Keys written as `prefix` + base58: Antelope `PVT_K1_`/`PVT_R1_` (32-byte key + 4-byte
/// checksum), NEAR `ed25519:` (64-byte secret key; 32 bytes is a public key) and `secp256k1:`
/// (32-byte secret key; 64 bytes is a public key). NEAR keys must end at a non-base58 byte.
fn prefixed_base58_keys(bytes: &[u8]) -> Vec<Hit> {
    const PREFIXES: [(&[u8], usize, &str, bool); 4] = [
        (b"PVT_K1_", 36, "Antelope private key", false),
        (b"PVT_R1_", 36, "Antelope private key", false),
        (b"ed25519:", 64, "NEAR ed25519 secret key", true),
        (b"secp256k1:", 32, "NEAR secp256k1 secret key", true),
    ];
    let mut out = Vec::new();
    for (prefix, size, kind, exact) in PREFIXES {
        for start in find_all(bytes, prefix) {
            let body = start + prefix.len();
            let run = bytes[body..].iter().take_while(|&&b| is_base58(b)).count();
            let decodes = |n: usize| base58_decode(&bytes[body..body + n]).is_some_and(|p| p.len() == size);
            let len = if decodes(run) {
                Some(run)
            } else if exact {
                None
            } else {
                // A key followed by other string bytes: the shortest prefix with the key's size.
                (run.min(48)..=run.min(52)).find(|&n| n > 0 && decodes(n))
            };
            if let Some(n) = len {
                out.push(Hit { start, end: body + n, kind });
            }
        }
    }
    out
}

/// PEM blocks whose label ends in `PRIVATE KEY` (RSA, EC, OPENSSH, ENCRYPTED, PKCS#8).
fn pem_private_keys(bytes: &[u8]) -> Vec<Hit> {
    let mut out = Vec::new();
    for start in find_all(bytes, b"-----BEGIN ") {
        let label_end = bytes[start + 11..].iter().take(40).position(|&b| b == b'-').map(|p| start + 11 + p);
        let Some(label_end) = label_end else { continue };
        if !bytes[start + 11..label_end].ends_with(b"PRIVATE KEY") {
            continue;
        }
        let end = find_all(&bytes[label_end..], b"-----END ")
            .first()
            .and_then(|&e| {
                let after = label_end + e + 9;
                find_all(&bytes[after..], b"-----").first().map(|&d| after + d + 5)
            })
            .unwrap_or_else(|| {
                let body = bytes[label_end..]
                    .iter()
                    .take_while(|&&b| b.is_ascii_graphic() || b.is_ascii_whitespace());
                label_end + body.count()
            });
        out.push(Hit { start, end, kind: "PEM private key" });
    }
    out
}

/// Words that, found within 64 bytes before a 64-hex-digit string, make it a secret.
const SECRET_WORDS: [&str; 9] =
    ["private", "privkey", "priv_key", "secret", "seed", "password", "mnemonic", "signing", "passphrase"];

fn near_secret_word(bytes: &[u8], start: usize) -> bool {
    let from = start.saturating_sub(64);
    let before = String::from_utf8_lossy(&bytes[from..start]).to_ascii_lowercase();
    SECRET_WORDS.iter().any(|w| before.contains(w))
}

/// Exactly 64 hex digits (optionally `0x`-prefixed), diverse enough to be random, next to a
/// secret word.
fn hex_secrets(bytes: &[u8]) -> Vec<Hit> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let run = bytes[i..].iter().take_while(|b| b.is_ascii_hexdigit()).count();
        if run == 0 {
            i += 1;
            continue;
        }
        let start =
            if i >= 2 && bytes[i - 2] == b'0' && matches!(bytes[i - 1], b'x' | b'X') { i - 2 } else { i };
        let preceded_by_word_char = start > 0 && bytes[start - 1].is_ascii_alphanumeric();
        if run == 64 && !preceded_by_word_char && near_secret_word(bytes, start) {
            let mut digits = bytes[i..i + run].to_ascii_lowercase();
            digits.sort_unstable();
            digits.dedup();
            if digits.len() >= 8 {
                out.push(Hit { start, end: i + run, kind: "64-hex-digit secret" });
            }
        }
        i += run;
    }
    out
}

/// `password=...`, `api_key: ...` and similar assignments with a value of at least 8
/// characters mixing letters with digits or symbols.
fn password_assignments(bytes: &[u8]) -> Vec<Hit> {
    const KEYS: [&str; 8] =
        ["password", "passwd", "passphrase", "pwd", "api_key", "apikey", "secret_key", "client_secret"];
    let lower = bytes.to_ascii_lowercase();
    let mut out = Vec::new();
    for key in KEYS {
        for start in find_all(&lower, key.as_bytes()) {
            if start > 0 && lower[start - 1].is_ascii_alphabetic() {
                continue;
            }
            let mut j = start + key.len();
            let skip = |j: &mut usize, set: &[u8]| {
                while *j < bytes.len() && set.contains(&bytes[*j]) {
                    *j += 1;
                }
            };
            skip(&mut j, b"\"' ");
            if !matches!(bytes.get(j), Some(b'=' | b':')) {
                continue;
            }
            j += 1;
            skip(&mut j, b"\"' ");
            let value_start = j;
            while j < bytes.len() && is_value_char(bytes[j]) {
                j += 1;
            }
            if is_credential(&bytes[value_start..j]) {
                out.push(Hit { start, end: j, kind: "hardcoded password" });
            }
        }
    }
    out
}

fn is_value_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&*+-./=?@^_~".contains(&b)
}

fn is_credential(value: &[u8]) -> bool {
    if value.len() < 8 || matches!(value.first(), Some(b'{' | b'%' | b'<' | b'$')) {
        return false;
    }
    let letters = value.iter().any(|b| b.is_ascii_alphabetic());
    let digits = value.iter().any(|b| b.is_ascii_digit());
    let symbols = value.iter().any(|b| !b.is_ascii_alphanumeric());
    letters && (digits || symbols)
}

/// English function words that are not in the BIP-39 list: a phrase containing one is prose.
const STOP_WORDS: [&str; 24] = [
    "the", "and", "for", "are", "was", "with", "from", "have", "has", "been", "were", "which", "its", "into",
    "your", "these", "those", "should", "would", "could", "must", "does", "did", "her",
];

/// BIP-39-shaped phrases: 12/15/18/21/24 lowercase words of 3-8 letters separated by single
/// spaces, bounded by non-alphanumeric bytes, no stop word, no word more than twice.
fn mnemonics(bytes: &[u8]) -> Vec<Hit> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_lowercase() || (i > 0 && bytes[i - 1].is_ascii_alphanumeric()) {
            i += 1;
            continue;
        }
        let run = bytes[i..].iter().take_while(|&&b| b.is_ascii_lowercase() || b == b' ').count();
        let mut end = i + run;
        while end > i && bytes[end - 1] == b' ' {
            end -= 1;
        }
        let bounded = bytes.get(i + run).is_none_or(|b| !b.is_ascii_alphanumeric());
        if bounded && is_mnemonic(&bytes[i..end]) {
            out.push(Hit { start: i, end, kind: "mnemonic seed phrase" });
        }
        i += run.max(1);
    }
    out
}

fn is_mnemonic(phrase: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(phrase) else { return false };
    let words: Vec<&str> = text.split(' ').collect();
    if ![12, 15, 18, 21, 24].contains(&words.len()) {
        return false;
    }
    let shaped = words.iter().all(|w| (3..=8).contains(&w.len()) && !STOP_WORDS.contains(w));
    shaped && words.iter().all(|w| words.iter().filter(|x| *x == w).count() <= 2)
}

/// Start offsets of every occurrence of `needle`.
fn find_all(hay: &[u8], needle: &[u8]) -> Vec<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return Vec::new();
    }
    // Overlapping occurrences too: the next search starts one byte after the last match.
    let finder = memchr::memmem::Finder::new(needle);
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = hay.get(from..).and_then(|h| finder.find(h)) {
        out.push(from + i);
        from += i + 1;
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Data-flow rules: secrets the code compares caller data with, or hashes together with it.
// ---------------------------------------------------------------------------------------------

/// Bytes of constant material a comparison must test to be a secret comparison.
const MIN_COMPARED: usize = 12;
/// Bytes of a key copied into a host byte string before hashing.
const MIN_KEY: usize = 16;
/// Instructions walked forward from a key or a digest.
const MAX_FORWARD: usize = 4096;

/// A comparison of caller bytes with constant text, inlined as integer immediates.
struct SecretCompare {
    /// The first load of the compared bytes (where the finding points).
    at: usize,
    text: Vec<u8>,
}

/// One load compared with a constant: the address it reads, its width, the constant and the
/// loaded value.
type Chunk = (Addr, u8, i64, ValueId);

/// Secret comparisons in `func`: a branch (or assertion) whose condition tests, for equality,
/// contiguous bytes loaded through one pointer against integer immediates (`load ^ k` ored
/// together and tested for zero, or `load == k` anded), where the loaded bytes carry caller
/// input, the constant bytes are at least [`MIN_COMPARED`] long and look like a credential
/// ([`is_secret_text`]), and the branch decides a check: one side traps, or reaches a call the
/// other side does not.
fn secret_compares(cx: &Context<'_>, func: u32) -> Vec<SecretCompare> {
    let (Some(ev), Some(ft), Some(cfg)) =
        (cx.evaluator(func), cx.dataflow().funcs.get(func as usize), cx.program.cfg(func))
    else {
        return Vec::new();
    };
    let mut out: Vec<SecretCompare> = Vec::new();
    for (instr, is_branch, cond) in wasmaudit_detect::guards::conditions(cx, func) {
        let mut chunks = Vec::new();
        if !compared_chunks(ev, cond, 0, &mut chunks) || chunks.len() < 2 {
            continue;
        }
        let Some(text) = compared_bytes(&chunks) else { continue };
        if text.len() < MIN_COMPARED || !is_secret_text(&text) {
            continue;
        }
        if !chunks.iter().any(|c| from_input(cx, func, ft.value(c.3), 0)) {
            continue;
        }
        if is_branch && !decides_check(cx, func, cfg, instr) {
            continue;
        }
        let at = chunks.iter().filter_map(|c| load_instr(ev, c.3)).min().unwrap_or(instr);
        if !out.iter().any(|s| s.text == text) {
            out.push(SecretCompare { at, text });
        }
    }
    out
}

/// Levels of callers a parameter reference is followed up to the input.
const MAX_UP: u32 = 4;

/// Whether a value with taint `t` in `func` carries caller input: its labels, or, for references
/// to `func`'s parameters (or the memory behind them), what the callers pass there, a few levels up.
fn from_input(cx: &Context<'_>, func: u32, t: Taint, depth: u32) -> bool {
    if t.has(Effect::Input) {
        return true;
    }
    if (t.params == 0 && t.param_mem == 0) || depth >= MAX_UP {
        return false;
    }
    cx.program.calls.callers(func).into_iter().take(16).any(|(caller, site)| {
        let up = wasmaudit_detect::authz::lift_taint(cx, caller, site.instr, t, WINDOW);
        from_input(cx, caller, up, depth + 1)
    })
}

/// Whether branch `instr` decides a check: one of its sides always traps, or one side reaches a
/// call that the other cannot reach (the guarded work).
fn decides_check(cx: &Context<'_>, func: u32, cfg: &wasmaudit_flow::Cfg, instr: usize) -> bool {
    let Some(b) = cfg.block_of(instr) else { return false };
    let succs: Vec<_> = cfg.successors(b).map(|(s, _)| s).collect();
    if succs.len() < 2 {
        return false;
    }
    if succs.iter().any(|s| cx.guards().traps(func, *s)) {
        return true;
    }
    let calls: Vec<usize> = cx.direct_calls(func).map(|(i, _)| i).filter(|i| *i > instr).collect();
    let reaches = |s: wasmaudit_flow::BlockId, i: usize| cfg.block_of(i).is_some_and(|t| cfg.reaches(s, t));
    succs
        .iter()
        .any(|&s| calls.iter().any(|&c| reaches(s, c) && succs.iter().any(|&o| o != s && !reaches(o, c))))
}

/// The instruction that produced `v`.
fn load_instr(ev: &Evaluator<'_>, v: ValueId) -> Option<usize> {
    match ev.values.def(v) {
        ValueDef::Result { instr, .. } => Some(*instr),
        _ => None,
    }
}

/// The instruction that computes `v` (its first result) and its operands.
fn defining_op<'e>(ev: &'e Evaluator<'_>, v: ValueId) -> Option<(&'e Op, &'e [ValueId])> {
    let ValueDef::Result { instr, index: 0 } = ev.values.def(v) else { return None };
    Some((&ev.func.body.get(*instr)?.op, ev.values.operands(*instr)))
}

/// Collects the load/constant pairs an equality condition `v` is made of. False when `v` is
/// anything else.
fn compared_chunks(ev: &Evaluator<'_>, v: ValueId, depth: u32, out: &mut Vec<Chunk>) -> bool {
    if depth > 12 || out.len() > 16 {
        return false;
    }
    let Some((op, ops)) = defining_op(ev, v) else { return false };
    match (op, ops) {
        (Op::Unary(_, UnOp::Eqz), [x]) => {
            // The negation of a test, or a test of a difference for zero.
            let mark = out.len();
            if compared_chunks(ev, *x, depth + 1, out) {
                return true;
            }
            out.truncate(mark);
            zero_test(ev, *x, depth + 1, out)
        }
        (Op::Compare(_, CmpOp::Eq | CmpOp::Ne), [a, b]) => match (ev.constant(*a), ev.constant(*b)) {
            (_, Some(0)) => zero_test(ev, *a, depth + 1, out),
            (Some(0), _) => zero_test(ev, *b, depth + 1, out),
            (None, Some(k)) => chunk(ev, *a, k, out),
            (Some(k), None) => chunk(ev, *b, k, out),
            _ => false,
        },
        (Op::Binary(_, BinOp::And | BinOp::Or), [a, b]) => {
            compared_chunks(ev, *a, depth + 1, out) && compared_chunks(ev, *b, depth + 1, out)
        }
        (Op::Convert(_), [x]) => compared_chunks(ev, *x, depth + 1, out),
        _ => false,
    }
}

/// `v` is zero exactly when every load it combines equals its constant: an `or` of `load ^ k`
/// (or `load - k`) terms, or an `or` of inequality tests.
fn zero_test(ev: &Evaluator<'_>, v: ValueId, depth: u32, out: &mut Vec<Chunk>) -> bool {
    if depth > 12 || out.len() > 16 {
        return false;
    }
    let Some((op, ops)) = defining_op(ev, v) else { return false };
    match (op, ops) {
        (Op::Binary(_, BinOp::Or), [a, b]) => {
            zero_test(ev, *a, depth + 1, out) && zero_test(ev, *b, depth + 1, out)
        }
        (Op::Binary(_, BinOp::Xor | BinOp::Sub), [a, b]) => match (ev.constant(*a), ev.constant(*b)) {
            (None, Some(k)) => chunk(ev, *a, k, out),
            (Some(k), None) => chunk(ev, *b, k, out),
            _ => false,
        },
        (Op::Compare(_, CmpOp::Ne), _) => compared_chunks(ev, v, depth + 1, out),
        (Op::Convert(_), [x]) => zero_test(ev, *x, depth + 1, out),
        _ => false,
    }
}

/// Records `load == k` when `v` is a load (possibly widened) from non-constant memory.
fn chunk(ev: &Evaluator<'_>, v: ValueId, k: i64, out: &mut Vec<Chunk>) -> bool {
    let mut v = v;
    for _ in 0..2 {
        let ValueDef::Result { instr, index: 0 } = ev.values.def(v) else { return false };
        match ev.func.body.get(*instr).map(|i| &i.op) {
            Some(Op::Convert(ConvOp::I64ExtendI32U)) => match ev.values.operands(*instr) {
                [x] => v = *x,
                _ => return false,
            },
            Some(Op::Load { kind, .. }) => {
                let Some(addr) = ev.mem_address(*instr) else { return false };
                if !matches!(addr.base, Base::Value(_)) {
                    return false;
                }
                out.push((addr, kind.bytes, k, v));
                return true;
            }
            _ => return false,
        }
    }
    false
}

/// The constant bytes the chunks compare, when they read contiguous, consistent bytes through
/// one pointer.
fn compared_bytes(chunks: &[Chunk]) -> Option<Vec<u8>> {
    let base = chunks.first()?.0.base;
    let mut bytes: BTreeMap<i64, u8> = BTreeMap::new();
    for (addr, width, k, _) in chunks {
        if addr.base != base {
            return None;
        }
        for (i, b) in k.to_le_bytes().iter().take(usize::from(*width)).enumerate() {
            let at = addr.offset.checked_add(i as i64)?;
            if *bytes.entry(at).or_insert(*b) != *b {
                return None;
            }
        }
    }
    let (first, last) = (*bytes.keys().next()?, *bytes.keys().next_back()?);
    if last - first + 1 != bytes.len() as i64 {
        return None;
    }
    Some(bytes.into_values().collect())
}

/// Whether constant text compared with input looks like a credential rather than a name the
/// code dispatches on: printable without spaces, at least 6 distinct characters, not an address,
/// hash or URL, and holding either a random-looking token (an alphanumeric run of at least 8
/// characters switching between letters and digits at least 4 times, as in `7f3a9c1e`) or a
/// password mix (letters, digits and a symbol such as `@`, `#`, `!`). Field, variant and method
/// names (`recovery_address`, `transfer_from`, `erc721`) are none of these.
fn is_secret_text(t: &[u8]) -> bool {
    if !t.iter().all(|b| b.is_ascii_graphic()) {
        return false;
    }
    let mut distinct = t.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 6 || is_address_like(t) || memchr::memmem::find(t, b"://").is_some() {
        return false;
    }
    let token = t.split(|b| !b.is_ascii_alphanumeric()).any(|run| {
        let switches = run.windows(2).filter(|w| w[0].is_ascii_digit() != w[1].is_ascii_digit()).count();
        run.len() >= 8 && switches >= 4
    });
    let letters = t.iter().any(|b| b.is_ascii_alphabetic());
    let digits = t.iter().any(|b| b.is_ascii_digit());
    let symbol = t.iter().any(|b| b"!@#$%^&*+=?~".contains(b));
    token || (letters && digits && symbol)
}

/// Public identifiers compared with input for good reasons: bech32 addresses (`hrp1...`), hex
/// strings of 32+ digits (addresses, hashes), and base58 runs of 32+ characters, possibly after a
/// short upper-case prefix (public keys, account ids).
fn is_address_like(t: &[u8]) -> bool {
    let hex = t.strip_prefix(b"0x").unwrap_or(t);
    if hex.len() >= 32 && hex.iter().all(|b| b.is_ascii_hexdigit()) {
        return true;
    }
    const BECH32: &[u8] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    let bech = t.iter().rposition(|&b| b == b'1').is_some_and(|sep| {
        sep >= 1
            && t.len() - sep > 38
            && t[..sep].iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            && t[sep + 1..].iter().all(|b| BECH32.contains(b))
    });
    // A long base58 run, after a short upper-case prefix (`EOS`, `PUB_K1_`).
    let prefix = t.iter().take(8).take_while(|b| b.is_ascii_uppercase() || **b == b'_').count();
    let base58 = (0..=prefix).any(|p| t.len() - p >= 32 && t[p..].iter().all(|&b| is_base58(b)));
    bech || base58
}

/// A key copied from a data segment into a host byte string that is hashed together with
/// caller data, the digest deciding a branch.
struct KeyedHash {
    /// The host call that copies the key in.
    at: usize,
    addr: u64,
    len: usize,
    hash: u32,
}

/// Keyed hashes in `func`: a host constructor (`builds` bytes or string in the platform model)
/// copies at least [`MIN_KEY`] high-entropy binary bytes ([`is_key_bytes`]) from a constant
/// data-segment address; the object it makes flows, through effect-free host calls that also
/// take caller data (appending an argument), into the data of a `crypto` host call; and the
/// digest flows into a branch condition or an assertion.
fn keyed_hashes(cx: &Context<'_>, func: u32) -> Vec<KeyedHash> {
    let (Some(ev), Some(f)) = (cx.evaluator(func), cx.module.function(func)) else { return Vec::new() };
    let mut out = Vec::new();
    for call in cx.host_calls_in(func) {
        if !matches!(call.host.builds(), Some(Builds::Bytes | Builds::String)) {
            continue;
        }
        let ops = ev.values.operands(call.instr);
        let arg =
            |role: &str| call.host.arg(role).and_then(|a| ops.get(a as usize)).and_then(|v| ev.constant(*v));
        let (Some(pos), Some(len)) =
            (arg("lm_pos").map(|v| position(cx.platform, v)), arg("len").map(|v| position(cx.platform, v)))
        else {
            continue;
        };
        let Ok(len) = usize::try_from(len) else { continue };
        let Some(bytes) = cx.module.data_at(pos, len) else { continue };
        if len < MIN_KEY || !is_key_bytes(bytes) {
            continue;
        }
        let Some(&obj) = ev.values.results(call.instr).first() else { continue };
        // Forward through effect-free host calls (append, concatenation), noting whether one
        // of them mixes in caller data, up to a hash.
        let mut flows: BTreeSet<ValueId> = BTreeSet::from([obj]);
        let mut mixed = false;
        let mut digest = None;
        for (i, _) in f.body.iter().enumerate().skip(call.instr + 1).take(MAX_FORWARD) {
            let ops = ev.values.operands(i);
            if !ops.iter().any(|v| flows.contains(v)) {
                continue;
            }
            let Some(Op::Call(callee)) = f.body.get(i).map(|x| &x.op) else { continue };
            let Some(h) = cx.host_fn(*callee) else { continue };
            if h.has(Effect::Crypto) {
                let data = h.arg("data").and_then(|a| ops.get(a as usize));
                if data.is_some_and(|d| flows.contains(d)) && mixed {
                    digest = ev.values.results(i).first().map(|r| (i, *r, *callee));
                    break;
                }
            } else if h.effects.is_empty() && h.builds().is_none() {
                if ops.iter().any(|v| !flows.contains(v) && carries_caller_data(cx, ev, func, *v)) {
                    mixed = true;
                }
                flows.extend(ev.values.results(i).iter().copied());
            }
        }
        let Some((hash_at, digest, hash)) = digest else { continue };
        if decided_by(cx, ev, func, hash_at, digest) {
            out.push(KeyedHash { at: call.instr, addr: pos, len, hash });
        }
    }
    out
}

/// A position or length argument: Soroban passes them as `U32Val` (`value << 32 | 4`), other
/// platforms as plain integers.
fn position(platform: Platform, v: i64) -> u64 {
    if platform == Platform::Soroban && v & 0xff == 4 {
        u64::from((v >> 32) as u32)
    } else {
        u64::from(v as u32)
    }
}

/// Whether `v` carries data the caller chose: input taint, or, through effect-free host calls
/// (serialising an argument), a parameter of an exported function.
fn carries_caller_data(cx: &Context<'_>, ev: &Evaluator<'_>, func: u32, v: ValueId) -> bool {
    let exported = cx.module.exported_funcs().any(|(_, f)| f == func);
    let ft = cx.dataflow().funcs.get(func as usize);
    let mut work = vec![v];
    let mut seen = BTreeSet::new();
    while let Some(v) = work.pop() {
        if seen.len() > 64 || !seen.insert(v) {
            continue;
        }
        if ft.is_some_and(|t| t.value(v).has(Effect::Input)) {
            return true;
        }
        match ev.values.def(v) {
            ValueDef::Param(_) if exported => return true,
            ValueDef::Phi { operands, .. } => work.extend(operands.iter().copied()),
            ValueDef::Result { instr, .. } => {
                let pure_host = match ev.func.body.get(*instr).map(|i| &i.op) {
                    Some(Op::Call(c)) => cx.host_fn(*c).is_some_and(|h| h.effects.is_empty()),
                    Some(Op::Load { .. }) => false,
                    _ => true,
                };
                if pure_host {
                    work.extend(ev.values.operands(*instr).iter().copied());
                }
            }
            _ => {}
        }
    }
    false
}

/// Whether `digest` (made at `from`) flows, through arithmetic and effect-free host calls (an
/// object comparison), into a branch condition or an assertion of `func`.
fn decided_by(cx: &Context<'_>, ev: &Evaluator<'_>, func: u32, from: usize, digest: ValueId) -> bool {
    let Some(f) = cx.module.function(func) else { return false };
    let mut flows = BTreeSet::from([digest]);
    for (i, ins) in f.body.iter().enumerate().skip(from + 1).take(MAX_FORWARD) {
        let ops = ev.values.operands(i);
        if !ops.iter().any(|v| flows.contains(v)) {
            continue;
        }
        match &ins.op {
            Op::If(_) | Op::BrIf(_) | Op::BrTable { .. } if ops.last().is_some_and(|c| flows.contains(c)) => {
                return true;
            }
            Op::Call(c) => {
                let Some(h) = cx.host_fn(*c) else { continue };
                let condition = h.arg("condition").and_then(|a| ops.get(a as usize));
                if h.has(Effect::Abort) && condition.is_some_and(|c| flows.contains(c)) {
                    return true;
                }
                if h.effects.is_empty() {
                    flows.extend(ev.values.results(i).iter().copied());
                }
            }
            Op::Unary(..) | Op::Binary(..) | Op::Compare(..) | Op::Convert(_) | Op::Select => {
                flows.extend(ev.values.results(i).iter().copied())
            }
            _ => {}
        }
    }
    false
}

/// Whether `b` looks like random key material rather than text or a table: mostly distinct
/// bytes (at least 3/4 of them), at most 3/4 printable, not zero-padded, and not a window of
/// the SHA-2 initial values or round constants (big- or little-endian words).
fn is_key_bytes(b: &[u8]) -> bool {
    let mut d = b.to_vec();
    d.sort_unstable();
    d.dedup();
    let printable = b.iter().filter(|c| c.is_ascii_graphic() || **c == b' ').count();
    let zeros = b.iter().filter(|c| **c == 0).count();
    d.len() * 4 >= b.len() * 3 && printable * 4 <= b.len() * 3 && zeros * 8 <= b.len() && !is_sha2_table(b)
}

/// The first words of SHA-256's initial hash value and round constants (SHA-512's start with the
/// same 32 bits).
const SHA2_WORDS: [u32; 6] = [0x6a09_e667, 0xbb67_ae85, 0x428a_2f98, 0x7137_4491, 0xc105_9ed8, 0xf3bc_c908];

fn is_sha2_table(b: &[u8]) -> bool {
    SHA2_WORDS.iter().any(|w| {
        memchr::memmem::find(b, &w.to_be_bytes()).is_some()
            || memchr::memmem::find(b, &w.to_le_bytes()).is_some()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The private key of the well-known EOSIO development key pair (public in every tutorial).
    const DEV_WIF: &str = "5KQwrPbwdL6PhXujxW37FSSQZ1JiwsST4cqQzDeyXtP79zkvFD3";

    #[test]
    fn base58_round_trip_values() {
        assert_eq!(base58_decode(b"1"), Some(vec![0]));
        assert_eq!(base58_decode(b"2"), Some(vec![1]));
        assert_eq!(base58_decode(b"21"), Some(vec![58]));
        assert_eq!(base58_decode(b"0"), None);
    }

    #[test]
    fn wif_checksum_is_verified() {
        assert!(base58_decode(DEV_WIF.as_bytes()).is_some_and(|p| is_wif(&p)));
        let mut tampered = DEV_WIF.as_bytes().to_vec();
        tampered[10] = if tampered[10] == b'a' { b'b' } else { b'a' };
        assert!(!base58_decode(&tampered).is_some_and(|p| is_wif(&p)));
        let data = format!("owner\0{DEV_WIF}transfer");
        let hits = scan(data.as_bytes());
        assert_eq!(hits, vec![Hit { start: 6, end: 57, kind: "WIF private key" }]);
    }

    #[test]
    fn public_keys_are_not_secrets() {
        assert!(scan(b"EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV\0").is_empty());
        // A 32-byte ed25519 payload is a NEAR public key.
        assert!(scan(b"ed25519:6E8sCci9badyRkXb3JoRpBj5p8C6Tw41ELDZoiihKEtp\0").is_empty());
    }

    #[test]
    fn pem_and_passwords() {
        let pem = b"x-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\0";
        let hits = scan(pem);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].kind, "PEM private key");
        assert_eq!(&pem[hits[0].start..hits[0].end], &pem[1..pem.len() - 1]);
        assert!(scan(b"-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----").is_empty());
        assert_eq!(scan(b"db_password=Tr0ub4dor&3\0")[0].kind, "hardcoded password");
        assert!(scan(b"invalid password: try again").is_empty());
        assert!(scan(b"password={}").is_empty());
    }

    #[test]
    fn hex_needs_a_secret_word() {
        let hex = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
        assert_eq!(scan(format!("private key: {hex}\0").as_bytes()).len(), 1);
        assert!(scan(format!("code hash {hex}\0").as_bytes()).is_empty());
    }

    #[test]
    fn credential_text_is_not_a_name() {
        for secret in
            [&b"quiz-pool-recovery:7f3a9c1e5b2d"[..], b"vault-admin:9c4e1b7a2f", b"Adm1n#Recovery2024"]
        {
            assert!(is_secret_text(secret), "{}", String::from_utf8_lossy(secret));
        }
        for name in [
            &b"recovery_address"[..],
            b"emergency_withdraw",
            b"transfer_from_erc721",
            b"update_config_v2",
            b"https://example.com/a1b2c3d4e5",
            b"cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu",
            b"0x4c0883a69102937d6231471b5dbb6204fe512961",
            b"EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV",
        ] {
            assert!(!is_secret_text(name), "{}", String::from_utf8_lossy(name));
        }
    }

    #[test]
    fn key_bytes_are_random_binary() {
        let key = [
            0x4b, 0x1f, 0x9e, 0x27, 0xc3, 0x58, 0x0d, 0xa6, 0x91, 0x3e, 0x7c, 0x02, 0xf5, 0x6b, 0xd8, 0x44,
            0x2a, 0xe0, 0x19, 0x8f, 0x73, 0xbc, 0x05, 0x6d, 0xc1, 0x38, 0x9a, 0x57, 0xee, 0x12, 0x84, 0x3b,
        ];
        assert!(is_key_bytes(&key));
        assert!(!is_key_bytes(b"0123456789abcdef0123456789abcdef"));
        assert!(!is_key_bytes(&[0xff; 32]));
        let sha256_h: Vec<u8> =
            [0x6a09_e667u32, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c]
                .iter()
                .flat_map(|w| w.to_be_bytes())
                .collect();
        assert!(!is_key_bytes(&sha256_h));
    }

    #[test]
    fn mnemonic_shape() {
        let phrase = "legal winner thank year wave sausage worth useful legal winner thank yellow";
        assert_eq!(scan(format!("\0{phrase}\0").as_bytes())[0].kind, "mnemonic seed phrase");
        let prose = "the caller is not the owner of this contract and cannot withdraw from the pool";
        assert!(scan(prose.as_bytes()).is_empty());
    }
}
