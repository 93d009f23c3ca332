//! The `provider` axis: which library runs a suite, a signature or a hybrid's public-key step.
//!
//! Three providers, each named after the crate that does the work:
//! - `rustcrypto`: the RustCrypto crates (`aes`, `des`, `blowfish`, the mode crates, `aes-gcm`,
//!   `ccm`, `chacha20poly1305`, `ascon-aead`, `p256`, `ed25519-dalek`, `rsa`): every suite and
//!   signature of the catalogue, and the only provider of `s-mqtt` (crypto/smqtt.rs).
//! - `ring`: ring's AEADs (AES-GCM, ChaCha20-Poly1305), BoringSSL-derived assembly.
//! - `aws-lc`: aws-lc-rs (AWS-LC, the OpenSSL/BoringSSL lineage): AES-GCM, ChaCha20-Poly1305, AES
//!   in ECB/CBC/CFB/OFB/CTR, DES and 3DES in ECB/CBC (aws-lc-rs's `legacy-des`), ECDSA P-256,
//!   Ed25519, RSA-PSS, and both hybrids (RSA-OAEP, ECDH P-256). Not DES/3DES in other modes,
//!   Blowfish, PCBC, CCM or Ascon. aws-lc refuses weak and semi-weak DES keys (RustCrypto
//!   takes them); derived keys are weak one time in 2^52.
//!
//! Every provider of a suite produces the same body for the same key, IV and input (DESIGN.md;
//! tests/it/providers.rs checks it suite by suite). A case that names no provider runs each part
//! on [`default_for_family`] / [`default_for_signature`]: a table written from `speed
//! --provider all` on this project's build target, not a choice made at run time.
//!
//! The tables are keyed by algorithm ([`Family`], [`SigAlg`]), not by catalogue row, so the
//! implementations can ask them; `Suite::providers` and friends (suite.rs) read them per suite.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::alg::{AeadAlg, BlockCipher, Family, Mode, SigAlg};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Provider {
    RustCrypto,
    Ring,
    AwsLc,
}

impl Provider {
    pub const ALL: [Provider; 3] = [Self::RustCrypto, Self::Ring, Self::AwsLc];

    pub fn name(self) -> &'static str {
        match self {
            Self::RustCrypto => "rustcrypto",
            Self::Ring => "ring",
            Self::AwsLc => "aws-lc",
        }
    }

    /// Whether this provider implements suites of `family` here.
    pub fn has_family(self, family: Family) -> bool {
        match (self, family) {
            // `none` copies; every provider "has" it, so a provider axis never trips on it.
            (_, Family::None) | (Self::RustCrypto, _) => true,
            (
                Self::Ring,
                Family::Aead(AeadAlg::Aes128Gcm | AeadAlg::Aes256Gcm | AeadAlg::ChaCha20Poly1305),
            ) => true,
            (Self::Ring, _) => false,
            (Self::AwsLc, Family::Block(cipher, mode)) => match cipher {
                BlockCipher::Aes128 | BlockCipher::Aes192 | BlockCipher::Aes256 => {
                    mode != Mode::Pcbc
                }
                // aws-lc-rs's `legacy-des`: ECB and CBC only.
                BlockCipher::Des | BlockCipher::TripleDes => matches!(mode, Mode::Ecb | Mode::Cbc),
                BlockCipher::Blowfish => false,
            },
            (Self::AwsLc, Family::Aead(alg)) => matches!(
                alg,
                AeadAlg::Aes128Gcm | AeadAlg::Aes256Gcm | AeadAlg::ChaCha20Poly1305
            ),
            (Self::AwsLc, Family::Hybrid(_)) => true,
            // s-mqtt's point encoding and per-point EC-ElGamal are RustCrypto `p256`
            // arithmetic; aws-lc-rs exposes no point addition.
            (Self::AwsLc, Family::SMqtt) => false,
        }
    }

    /// Whether this provider implements signature `alg` here.
    pub fn has_signature(self, alg: SigAlg) -> bool {
        match self {
            Self::RustCrypto | Self::AwsLc => true,
            Self::Ring => alg == SigAlg::None,
        }
    }
}

/// The providers that implement `family`, for error messages.
pub fn providers_of_family(family: Family) -> Vec<Provider> {
    Provider::ALL
        .into_iter()
        .filter(|p| p.has_family(family))
        .collect()
}

/// The providers that implement `alg`, for error messages.
pub fn providers_of_signature(alg: SigAlg) -> Vec<Provider> {
    Provider::ALL
        .into_iter()
        .filter(|p| p.has_signature(alg))
        .collect()
}

/// "rustcrypto, aws-lc".
pub fn names(providers: &[Provider]) -> String {
    providers
        .iter()
        .map(|p| p.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The provider that runs a suite of `family` when a case names none: the fastest of its providers in
/// `scripts/compare-openssl.sh` (`speed --provider all`, median per-message seal) on this
/// project's x86_64 build machine (AMD EPYC, AES-NI/VAES/AVX-512), README "Providers" has the
/// figures. Other targets get the same choice, unmeasured: aws-lc and ring carry assembly for
/// aarch64 too. Measured on a loaded 2-core machine (load average ~9): where two providers were
/// within ~10% of each other the table keeps the simpler one (RustCrypto).
pub fn default_for_family(family: Family) -> Provider {
    match family {
        // aws-lc: 1.1-1.7x ring and 1.5-4.8x RustCrypto from 2 B to 16 KiB (ring ahead at 31 B
        // and 1 KiB only by the noise).
        Family::Aead(AeadAlg::Aes128Gcm | AeadAlg::Aes256Gcm) => Provider::AwsLc,
        // ring: ahead of aws-lc at 2 B to 1 KiB (1.4x at 2 B), behind it by ~5% at 8-16 KiB;
        // MQTT messages are small. RustCrypto pays ~1.3 µs of Poly1305 setup per message.
        Family::Aead(AeadAlg::ChaCha20Poly1305) => Provider::Ring,
        // aws-lc: CBC 1.1x and CTR 1.05-1.3x RustCrypto at 1-16 KiB.
        Family::Block(
            BlockCipher::Aes128 | BlockCipher::Aes192 | BlockCipher::Aes256,
            Mode::Cbc | Mode::Ctr,
        ) => Provider::AwsLc,
        // aws-lc (its C DES, `legacy-des`): 2.2-3.2x RustCrypto's soft DES per message from
        // 16 B to 16 KiB, ECB and CBC, DES and 3DES (`speed --provider all`, 2026-12-03).
        Family::Block(BlockCipher::Des | BlockCipher::TripleDes, Mode::Ecb | Mode::Cbc) => {
            Provider::AwsLc
        }
        // RustCrypto: AES-ECB 3.5x aws-lc's (which goes one block per call), CFB 1.45x, OFB a
        // tie; the other ciphers and modes are RustCrypto's alone.
        Family::Block(_, _) => Provider::RustCrypto,
        // aws-lc: P-256 ECDH 3.8x and RSA-2048 private-key operations ~4x RustCrypto's.
        Family::Hybrid(_) => Provider::AwsLc,
        _ => Provider::RustCrypto,
    }
}

/// The provider that signs and verifies with `alg` when a case names none (same measurement).
pub fn default_for_signature(alg: SigAlg) -> Provider {
    match alg {
        SigAlg::None => Provider::RustCrypto,
        // aws-lc: ECDSA P-256 sign 7x / verify 3x, RSA-2048-PSS sign 4x / verify 3.9x
        // RustCrypto's; Ed25519 sign 2.2x, verify a tie.
        SigAlg::EcdsaP256 | SigAlg::Ed25519 | SigAlg::Rsa2048Pss | SigAlg::Rsa3072Pss => {
            Provider::AwsLc
        }
    }
}

/// The provider that runs suite `name` of `family` under `choice` (None: the default), or why
/// none does.
pub fn for_family(
    family: Family,
    name: &str,
    choice: Option<Provider>,
) -> Result<Provider, Unsupported> {
    match choice {
        None => Ok(default_for_family(family)),
        Some(p) if p.has_family(family) => Ok(p),
        Some(p) => Err(Unsupported {
            provider: p,
            what: format!("suite {name}"),
            have: providers_of_family(family),
        }),
    }
}

/// The provider that runs `alg` under `choice` (None: the default), or why none does.
pub fn for_signature(alg: SigAlg, choice: Option<Provider>) -> Result<Provider, Unsupported> {
    match choice {
        None => Ok(default_for_signature(alg)),
        Some(p) if p.has_signature(alg) => Ok(p),
        Some(p) => Err(Unsupported {
            provider: p,
            what: format!("signature {}", alg.name()),
            have: providers_of_signature(alg),
        }),
    }
}

/// A provider asked for something it does not implement.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("provider {} has no {what} (providers with it: {})", provider.name(), names(have))]
pub struct Unsupported {
    pub provider: Provider,
    pub what: String,
    pub have: Vec<Provider>,
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Provider {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Provider::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!(
                    "unknown provider \"{s}\" (expected one of {})",
                    names(&Provider::ALL)
                )
            })
    }
}

impl Serialize for Provider {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Provider {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_signature_names_the_providers_that_have_it() {
        for alg in SigAlg::ALL {
            assert!(default_for_signature(alg).has_signature(alg), "{alg:?}");
        }
        let e = for_signature(SigAlg::Ed25519, Some(Provider::Ring)).unwrap_err();
        assert!(e.to_string().contains("rustcrypto, aws-lc"), "{e}");
    }

    #[test]
    fn names_parse_back() {
        for p in Provider::ALL {
            assert_eq!(p.name().parse::<Provider>(), Ok(p));
        }
        assert!(
            "openssl"
                .parse::<Provider>()
                .unwrap_err()
                .contains("aws-lc")
        );
    }
}
