//! Which code a measurement ran: provider, crate, version and, where the crate picks a backend
//! at run time, the backend it picks on this CPU. Two tables only compare when these agree.
//! `speed` names it per row and every case of results.json per part (suite, MAC, signature).
//!
//! The crates' own detection is not public, so this asks the CPU the same question they do
//! (`aes` uses AES-NI / ARMv8 AES when present, `polyval` uses PCLMULQDQ / PMULL, otherwise
//! both fall back to constant-time software). Built with `--cfg aes_backend="soft"` the `aes`
//! crate ignores the hardware; that build flag is not visible here, so it is not reported.

use std::collections::BTreeMap;

use crate::crypto::mac::MacAlg;
use crate::crypto::protect::Protection;
use crate::crypto::signature::SigAlg;
use crate::crypto::suite::{AeadAlg, BlockCipher, Family, HybridAlg};
use crate::crypto::{Provider, Suite};
use crate::results::types::Implementation;

/// Hardware the RustCrypto backends look for, as seen on this CPU.
#[derive(Debug, Clone, Copy)]
struct Hardware {
    aes: bool,
    clmul: bool,
}

fn hardware() -> Hardware {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    {
        Hardware {
            aes: std::arch::is_x86_feature_detected!("aes"),
            clmul: std::arch::is_x86_feature_detected!("pclmulqdq"),
        }
    }
    #[cfg(target_arch = "aarch64")]
    {
        Hardware {
            aes: std::arch::is_aarch64_feature_detected!("aes"),
            clmul: std::arch::is_aarch64_feature_detected!("pmull"),
        }
    }
    #[cfg(not(any(target_arch = "x86", target_arch = "x86_64", target_arch = "aarch64")))]
    {
        Hardware {
            aes: false,
            clmul: false,
        }
    }
}

/// "name version", with the version from the build's Cargo.lock when recorded.
pub(super) fn krate(versions: &BTreeMap<String, String>, name: &str) -> String {
    match versions.get(name) {
        Some(v) => format!("{name} {v}"),
        None => name.to_owned(),
    }
}

fn aes_backend(hw: Hardware) -> &'static str {
    match (hw.aes, cfg!(target_arch = "aarch64")) {
        (true, false) => "AES-NI",
        (true, true) => "ARMv8 AES",
        (false, _) => "soft, bitsliced",
    }
}

/// aws-lc-rs and the AWS-LC build under it. AWS-LC picks its assembly (AES-NI, VAES/AVX-512,
/// AVX2 ...) at run time by CPU features, like OpenSSL; which one is not exposed.
pub(super) fn aws_lc(versions: &BTreeMap<String, String>) -> String {
    format!(
        "{} over {} (AWS-LC assembly, picked at run time)",
        krate(versions, "aws-lc-rs"),
        krate(versions, "aws-lc-sys")
    )
}

/// What runs `suite` on `provider` here, e.g. "RustCrypto cbc 0.2.1 over aes 0.9.2 (AES-NI)".
pub fn suite(suite: Suite, provider: Provider, versions: &BTreeMap<String, String>) -> String {
    let hw = hardware();
    let v = |name| krate(versions, name);
    match (provider, suite.family()) {
        (_, Family::None) => return "copy (no cipher)".to_owned(),
        (Provider::Ring, _) => return format!("{} (BoringSSL-derived assembly)", v("ring")),
        (Provider::AwsLc, Family::Hybrid(HybridAlg::Rsa2048Oaep)) => {
            return format!("RSA-OAEP-SHA256 + AES-128-GCM, {}", aws_lc(versions));
        }
        (Provider::AwsLc, Family::Hybrid(HybridAlg::EciesP256)) => {
            return format!(
                "P-256 ECDH + AES-128-GCM, {}; HKDF {}",
                aws_lc(versions),
                v("hkdf")
            );
        }
        (Provider::AwsLc, Family::Block(BlockCipher::Des | BlockCipher::TripleDes, _)) => {
            return format!(
                "{} over {} (AWS-LC's C DES, legacy-des)",
                krate(versions, "aws-lc-rs"),
                krate(versions, "aws-lc-sys")
            );
        }
        (Provider::AwsLc, _) => return aws_lc(versions),
        (Provider::RustCrypto, _) => {}
    }
    let aes = || format!("{} ({})", v("aes"), aes_backend(hw));
    let gcm = || {
        let ghash = if hw.clmul {
            "carry-less multiply"
        } else {
            "soft GHASH"
        };
        format!("{} over {}, {ghash}", v("aes-gcm"), aes())
    };
    match suite.family() {
        Family::None => "copy (no cipher)".to_owned(),
        Family::Block(cipher, mode) => {
            let cipher = match cipher {
                BlockCipher::Des | BlockCipher::TripleDes => format!("{} (soft)", v("des")),
                BlockCipher::Blowfish => format!("{} (soft)", v("blowfish")),
                BlockCipher::Aes128 | BlockCipher::Aes192 | BlockCipher::Aes256 => aes(),
            };
            let mode = match mode.name() {
                "pcbc" => "harness PCBC (crypto/pcbc.rs)".to_owned(),
                "cfb" => format!("RustCrypto {}", v("cfb-mode")),
                other => format!("RustCrypto {}", v(other)),
            };
            format!("{mode} over {cipher}")
        }
        Family::Aead(AeadAlg::Aes128Gcm | AeadAlg::Aes256Gcm) => format!("RustCrypto {}", gcm()),
        Family::Aead(AeadAlg::Aes128Ccm) => format!("RustCrypto {} over {}", v("ccm"), aes()),
        Family::Aead(AeadAlg::ChaCha20Poly1305) => {
            format!("RustCrypto {} (AVX2 or soft)", v("chacha20poly1305"))
        }
        Family::Aead(AeadAlg::AsconAead128) => format!("RustCrypto {} (soft)", v("ascon-aead")),
        Family::Hybrid(HybridAlg::Rsa2048Oaep) => {
            format!("RustCrypto {} OAEP-SHA256 + {}", v("rsa"), gcm())
        }
        Family::Hybrid(HybridAlg::EciesP256) => {
            format!("RustCrypto {} ECDH + {} + {}", v("p256"), v("hkdf"), gcm())
        }
        Family::SMqtt => format!(
            "harness Koblitz encoding + EC-ElGamal (crypto/smqtt.rs) over RustCrypto {}, {}",
            v("p256"),
            v("sha2")
        ),
    }
}

/// What runs `mac` here.
pub fn mac(mac: MacAlg, versions: &BTreeMap<String, String>) -> String {
    match mac {
        MacAlg::None => "none".to_owned(),
        MacAlg::HmacSha256 => format!(
            "RustCrypto {} over {}",
            krate(versions, "hmac"),
            krate(versions, "sha2")
        ),
    }
}

/// What runs `alg` on `provider` here.
pub fn signature(alg: SigAlg, provider: Provider, versions: &BTreeMap<String, String>) -> String {
    let v = |name| krate(versions, name);
    if provider == Provider::AwsLc && alg != SigAlg::None {
        let what = match alg {
            SigAlg::EcdsaP256 => "ECDSA P-256 (random nonces)",
            SigAlg::Ed25519 => "Ed25519",
            _ => "RSA-PSS-SHA256",
        };
        return format!("{what}, {}", aws_lc(versions));
    }
    match alg {
        SigAlg::None => "none".to_owned(),
        SigAlg::EcdsaP256 => format!("RustCrypto {} ECDSA (RFC 6979)", v("p256")),
        SigAlg::Ed25519 => v("ed25519-dalek"),
        SigAlg::Rsa2048Pss | SigAlg::Rsa3072Pss => format!("RustCrypto {} PSS-SHA256", v("rsa")),
    }
}

/// What runs each part of `p` (results.json's `params.implementation`); None only when `p`
/// asks a provider for a part it lacks, which scenario validation refuses before a run.
pub fn protection(p: &Protection, versions: &BTreeMap<String, String>) -> Option<Implementation> {
    let suite_provider = p.suite_provider().ok()?;
    let signature_provider = p.signature_provider().ok()?;
    Some(Implementation {
        suite_provider: suite_provider.name().to_owned(),
        suite: suite(p.suite, suite_provider, versions),
        mac: mac(p.mac, versions),
        signature_provider: signature_provider.name().to_owned(),
        signature: signature(p.signature, signature_provider, versions),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_crate_version_and_backend() {
        let versions = BTreeMap::from([
            ("aes".to_owned(), "0.9.2".to_owned()),
            ("cbc".to_owned(), "0.2.1".to_owned()),
        ]);
        let rc = Provider::RustCrypto;
        let s = suite(Suite::from_name("aes-128-cbc").unwrap(), rc, &versions);
        assert!(
            s.starts_with("RustCrypto cbc 0.2.1 over aes 0.9.2 ("),
            "{s}"
        );
        let s = suite(Suite::from_name("blowfish-pcbc").unwrap(), rc, &versions);
        assert!(s.contains("PCBC") && s.contains("blowfish"), "{s}");
        let chacha = Suite::from_name("chacha20-poly1305").unwrap();
        let s = suite(chacha, Provider::Ring, &versions);
        assert!(s.starts_with("ring"), "{s}");
        let s = suite(chacha, rc, &versions);
        assert!(s.contains("chacha20poly1305"), "{s}");
        let s = suite(chacha, Provider::AwsLc, &versions);
        assert!(s.starts_with("aws-lc-rs"), "{s}");
        let s = signature(SigAlg::EcdsaP256, Provider::AwsLc, &versions);
        assert!(s.contains("aws-lc-rs"), "{s}");
    }
}
