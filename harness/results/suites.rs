//! What a report needs to know about each suite of a run (`suites` in results.json): its
//! family, block cipher and mode, whether it authenticates, what its confidentiality amounts
//! to. The run records it from the catalogue of the build that measured the cases, so a report
//! reads it here instead of looking suite names up in a catalogue that may have changed since.
//!
//! Upgrade path: results.json version 1 predates `suites`. [`upgrade_v1`] (called by
//! [`reader`](super::reader)) derives them from [`v1_catalogue`], the suite table as it stood
//! when version 1 was current, written out here so it never changes with the live catalogue.
//! Names not in it (a build with extra suites) stay unknown, and the report says so.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::RunResults;

/// The kind of suite, as the report groups them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SuiteFamily {
    /// Suite `none`: plaintext on the wire.
    None,
    /// A block cipher in a block mode.
    Block,
    /// An AEAD.
    Aead,
    /// A public-key wrapped AEAD key per message.
    Hybrid,
    /// The message encoded onto curve points, each EC-ElGamal encrypted (s-mqtt, seed 004).
    PointEncoding,
}

/// One suite of the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SuiteInfo {
    /// The suite's name, as in the cases' `params.suite`.
    pub name: String,
    /// Its wire id (the envelope's `suite` byte): `0xCM` for block cipher C in mode M.
    pub id: u8,
    pub family: SuiteFamily,
    /// Block suites: the cipher (`aes-128`), its block size in bits and the mode (`cbc`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cipher: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_bits: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// True when the suite itself rejects forged bodies (AEADs and the AEAD-based hybrids).
    pub authenticated: bool,
    /// What a reader must know about the suite's confidentiality, in a few words.
    pub confidentiality: String,
}

impl SuiteInfo {
    /// The block cipher's and the mode's codes (the two nibbles of the id), for block suites.
    pub fn block_codes(&self) -> Option<(u8, u8)> {
        (self.family == SuiteFamily::Block).then_some((self.id >> 4, self.id & 0x0f))
    }

    /// A block suite in ECB mode (equal plaintext blocks give equal ciphertext blocks).
    pub fn is_ecb(&self) -> bool {
        self.family == SuiteFamily::Block && self.mode.as_deref() == Some("ecb")
    }
}

impl RunResults {
    /// What the run recorded about suite `name` (None for a name it did not record).
    pub fn suite(&self, name: &str) -> Option<&SuiteInfo> {
        self.suites
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name))
    }
}

/// The block ciphers of version 1 (name, code, block bits), in code order.
const V1_CIPHERS: [(&str, u8, u32); 6] = [
    ("des", 1, 64),
    ("3des", 2, 64),
    ("blowfish", 3, 64),
    ("aes-128", 4, 128),
    ("aes-192", 5, 128),
    ("aes-256", 6, 128),
];
/// The block modes of version 1 (name, code), in code order.
const V1_MODES: [(&str, u8); 6] = [
    ("ecb", 1),
    ("cbc", 2),
    ("pcbc", 3),
    ("cfb", 4),
    ("ofb", 5),
    ("ctr", 6),
];
/// The AEAD and hybrid suites of version 1 (id, name).
const V1_AEADS: [(u8, &str); 5] = [
    (0x80, "aes-128-gcm"),
    (0x81, "aes-256-gcm"),
    (0x82, "aes-128-ccm"),
    (0x83, "chacha20-poly1305"),
    (0x84, "ascon-aead128"),
];
const V1_HYBRIDS: [(u8, &str); 2] = [(0xA0, "rsa-2048-oaep"), (0xA1, "ecies-p256")];

/// The confidentiality note of a block suite (the catalogue's wording).
fn block_note(cipher: &str, mode: &str) -> &'static str {
    match (cipher, mode) {
        (_, "ecb") => "ECB leaks repeated blocks (patterns)",
        ("des", _) => "56-bit key: brute-forceable",
        ("3des" | "blowfish", _) => "64-bit block: Sweet32 limits data per key",
        (_, "cbc" | "pcbc") => "padding oracle risk without a MAC",
        _ => "malleable stream: bit flips pass through",
    }
}

/// Every suite of version 1's catalogue, in wire-id order.
pub fn v1_catalogue() -> Vec<SuiteInfo> {
    let mut rows = vec![SuiteInfo {
        name: "none".into(),
        id: 0x00,
        family: SuiteFamily::None,
        cipher: None,
        block_bits: None,
        mode: None,
        authenticated: false,
        confidentiality: "none: plaintext on the wire".into(),
    }];
    for (cipher, c, bits) in V1_CIPHERS {
        for (mode, m) in V1_MODES {
            rows.push(SuiteInfo {
                name: format!("{cipher}-{mode}"),
                id: (c << 4) | m,
                family: SuiteFamily::Block,
                cipher: Some(cipher.into()),
                block_bits: Some(bits),
                mode: Some(mode.into()),
                authenticated: false,
                confidentiality: block_note(cipher, mode).into(),
            });
        }
    }
    let keyed = |id, name: &str, family, note: &str| SuiteInfo {
        name: name.into(),
        id,
        family,
        cipher: None,
        block_bits: None,
        mode: None,
        authenticated: true,
        confidentiality: note.into(),
    };
    rows.extend(V1_AEADS.map(|(id, name)| {
        keyed(
            id,
            name,
            SuiteFamily::Aead,
            "IND-CCA2 (nonce must not repeat)",
        )
    }));
    rows.extend(V1_HYBRIDS.map(|(id, name)| {
        keyed(
            id,
            name,
            SuiteFamily::Hybrid,
            "public-key wrapped AEAD key per message",
        )
    }));
    rows
}

/// Version 1's entry for suite `name`, if version 1 had it.
pub fn v1_suite(name: &str) -> Option<SuiteInfo> {
    v1_catalogue()
        .into_iter()
        .find(|s| s.name.eq_ignore_ascii_case(name))
}

/// One entry per distinct suite of `names` that version 1 knew, in first-seen order.
pub fn v1_suites<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<SuiteInfo> {
    let mut out: Vec<SuiteInfo> = Vec::new();
    for name in names {
        if out.iter().any(|s| s.name.eq_ignore_ascii_case(name)) {
            continue;
        }
        out.extend(v1_suite(name));
    }
    out
}

/// Brings a version-1 run up to the current version: `suites` from [`v1_catalogue`]'s table.
pub fn upgrade_v1(results: &mut RunResults) {
    if results.suites.is_empty() {
        let names: Vec<String> = results
            .cases
            .iter()
            .map(|c| c.params.suite.clone())
            .collect();
        results.suites = v1_suites(names.iter().map(String::as_str));
    }
    results.schema_version = super::SCHEMA_VERSION;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_has_every_suite_once_in_id_order() {
        let all = v1_catalogue();
        assert_eq!(all.len(), 1 + 36 + 5 + 2);
        assert!(all.windows(2).all(|w| w[0].id < w[1].id));
        let cbc = v1_suite("AES-128-CBC").unwrap();
        assert_eq!((cbc.id, cbc.block_codes()), (0x42, Some((4, 2))));
        assert!(v1_suite("des-ecb").unwrap().is_ecb());
        assert!(v1_suite("ecies-p256").unwrap().authenticated);
        assert_eq!(v1_suite("rot13"), None);
    }
}
