use sha2::{Digest, Sha256};
use wasmaudit_detect::{Class, Confidence, Context, Detector, DetectorMeta, Docs, Finding, Impact};
use wasmaudit_front::{Module, Op};

pub struct HardcodedSecret;

pub static META: DetectorMeta = DetectorMeta {
    id: "WA301",
    name: "hardcoded-secret",
    class: Class::HardcodedSecret,
    impact: Impact::High,
    confidence: Confidence::Medium,
    summary: "A private key, seed phrase or password is embedded in a data segment and referenced \
        by the code",
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
            gets one finding, at the first such constant.",
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
        known_false_positives: "Detection is lexical: test fixtures, well-known example keys and \
            64-hex-digit hashes that happen to sit next to a word like `secret` are reported; the \
            mnemonic check is a shape heuristic without the BIP-39 word list or checksum. Use is \
            approximated by address constants: a constant that equals an address inside the secret \
            for another reason is reported, and a secret reached only through computed addresses \
            (position-independent code, data segments with non-constant offsets) or a key split \
            across strings is missed. NEAR keys followed directly by other string bytes are not \
            recognised.",
    },
    platforms: &[],
};

impl Detector for HardcodedSecret {
    fn meta(&self) -> &'static DetectorMeta {
        &META
    }

    fn run(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
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
    fn mnemonic_shape() {
        let phrase = "legal winner thank year wave sausage worth useful legal winner thank yellow";
        assert_eq!(scan(format!("\0{phrase}\0").as_bytes())[0].kind, "mnemonic seed phrase");
        let prose = "the caller is not the owner of this contract and cannot withdraw from the pool";
        assert!(scan(prose.as_bytes()).is_empty());
    }
}
