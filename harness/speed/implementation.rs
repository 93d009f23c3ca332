//! Which code a measurement ran: crate, version and, where the crate picks a backend at run
//! time, the backend it picks on this CPU. Two tables only compare when these agree.
//!
//! The crates' own detection is not public, so this asks the CPU the same question they do
//! (`aes` uses AES-NI / ARMv8 AES when present, `polyval` uses PCLMULQDQ / PMULL, otherwise
//! both fall back to constant-time software). Built with `--cfg aes_backend="soft"` the `aes`
//! crate ignores the hardware; that build flag is not visible here, so it is not reported.

use std::collections::BTreeMap;

use crate::crypto::Suite;
use crate::crypto::mac::MacAlg;
use crate::crypto::signature::SigAlg;
use crate::crypto::suite::{AeadAlg, BlockCipher, Family, HybridAlg};

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
fn krate(versions: &BTreeMap<String, String>, name: &str) -> String {
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

/// What runs `suite` here, e.g. "RustCrypto cbc 0.2.1 over aes 0.9.2 (AES-NI)".
pub fn suite(suite: Suite, versions: &BTreeMap<String, String>) -> String {
    let hw = hardware();
    let v = |name| krate(versions, name);
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
            format!("{} (BoringSSL-derived assembly)", v("ring"))
        }
        Family::Aead(AeadAlg::AsconAead128) => format!("RustCrypto {} (soft)", v("ascon-aead")),
        Family::Hybrid(HybridAlg::Rsa2048Oaep) => {
            format!("RustCrypto {} OAEP-SHA256 + {}", v("rsa"), gcm())
        }
        Family::Hybrid(HybridAlg::EciesP256) => {
            format!("RustCrypto {} ECDH + {} + {}", v("p256"), v("hkdf"), gcm())
        }
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

/// What runs `alg` here.
pub fn signature(alg: SigAlg, versions: &BTreeMap<String, String>) -> String {
    let v = |name| krate(versions, name);
    match alg {
        SigAlg::None => "none".to_owned(),
        SigAlg::EcdsaP256 => format!("RustCrypto {} ECDSA (RFC 6979)", v("p256")),
        SigAlg::Ed25519 => v("ed25519-dalek"),
        SigAlg::Rsa2048Pss | SigAlg::Rsa3072Pss => format!("RustCrypto {} PSS-SHA256", v("rsa")),
    }
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
        let s = suite(Suite::from_name("aes-128-cbc").unwrap(), &versions);
        assert!(
            s.starts_with("RustCrypto cbc 0.2.1 over aes 0.9.2 ("),
            "{s}"
        );
        let s = suite(Suite::from_name("blowfish-pcbc").unwrap(), &versions);
        assert!(s.contains("PCBC") && s.contains("blowfish"), "{s}");
        let s = suite(Suite::from_name("chacha20-poly1305").unwrap(), &versions);
        assert!(s.starts_with("ring"), "{s}");
    }
}
