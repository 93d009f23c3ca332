//! AEAD suites (ids 0x80..). Associated data is topic ‖ envelope header; body = ciphertext ‖ tag.
//!
//! Keyed once per topic; a message costs what a block suite's does outside the algorithm: the
//! input copied once into `out` (sized by the caller), transformed in place, the tag appended.
//! No allocation, no copy of the key schedule.

use aead::{AeadInOut, KeyInit};

use super::alg::{AeadAlg, Family};
use super::awslc_sym::{self, AwsLcAead};
pub use super::base::TAG_LEN;
use super::base::{CryptoError, Opener, Sealer, open_detached};
use super::provider::{self, Provider};
use super::ring_aead::{self, RingAead};

/// An AEAD keyed once per topic (or, in the hybrid suites, once per message).
pub(crate) struct AeadSuite<A> {
    aead: A,
    nonce_len: usize,
}

impl<A: AeadInOut + Send> Sealer for AeadSuite<A> {
    fn iv_len(&self) -> usize {
        self.nonce_len
    }
    fn body_len(&self, n: usize) -> usize {
        n + TAG_LEN
    }
    fn seal(
        &mut self,
        iv: &[u8],
        aad: &[u8],
        pt: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        let nonce = iv
            .try_into()
            .map_err(|_| CryptoError::Key(format!("nonce must be {} bytes", self.nonce_len)))?;
        let start = out.len();
        out.extend_from_slice(pt);
        let tag = self
            .aead
            .encrypt_inout_detached(nonce, aad, (&mut out[start..]).into())
            .map_err(|_| CryptoError::Key("plaintext or AAD too long".into()))?;
        out.extend_from_slice(&tag);
        Ok(())
    }
}

impl<A: AeadInOut + Send> Opener for AeadSuite<A> {
    fn open(
        &mut self,
        iv: &[u8],
        aad: &[u8],
        body: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        let nonce = iv.try_into().map_err(|_| CryptoError::Authentication)?;
        open_detached(body, out, |ct, tag| {
            tag.try_into().is_ok_and(|tag| {
                self.aead
                    .decrypt_inout_detached(nonce, aad, ct.into(), tag)
                    .is_ok()
            })
        })
    }
}

/// AES-128-GCM with a 12-byte nonce from `provider`: the data half of both hybrid suites
/// (keyed per message, so boxed like any suite; the allocation is noise next to the
/// public-key step).
pub(crate) fn aes128_gcm(provider: Provider, key: &[u8]) -> Result<Box<dyn Sealer>, CryptoError> {
    sealer(provider, AeadAlg::Aes128Gcm, key)
}

/// The opening half of [`aes128_gcm`].
pub(crate) fn aes128_gcm_opener(
    provider: Provider,
    key: &[u8],
) -> Result<Box<dyn Opener>, CryptoError> {
    opener(provider, AeadAlg::Aes128Gcm, key)
}

fn keyed<A: KeyInit>(key: &[u8]) -> Result<A, CryptoError> {
    A::new_from_slice(key).map_err(|_| CryptoError::Key(format!("wrong key length {}", key.len())))
}

/// AES-128-CCM with a 16-byte tag and a 13-byte nonce (the largest CCM allows, leaving a 2-byte
/// length field: messages up to 64 KiB, enough for MQTT payloads in this harness).
pub type Aes128Ccm = ccm::Ccm<aes::Aes128, ccm::consts::U16, ccm::consts::U13>;

/// The one generic constructor both halves share: `AeadSuite` implements Sealer and Opener.
fn suite<A: AeadInOut + KeyInit + Send + 'static>(
    alg: AeadAlg,
    key: &[u8],
) -> Result<AeadSuite<A>, CryptoError> {
    Ok(AeadSuite {
        aead: keyed::<A>(key)?,
        nonce_len: alg.nonce_len(),
    })
}

macro_rules! with_rustcrypto_aead {
    ($alg:expr, $key:expr) => {
        match $alg {
            AeadAlg::Aes128Gcm => Box::new(suite::<aes_gcm::Aes128Gcm>($alg, $key)?),
            AeadAlg::Aes256Gcm => Box::new(suite::<aes_gcm::Aes256Gcm>($alg, $key)?),
            AeadAlg::Aes128Ccm => Box::new(suite::<Aes128Ccm>($alg, $key)?),
            AeadAlg::ChaCha20Poly1305 => {
                Box::new(suite::<chacha20poly1305::ChaCha20Poly1305>($alg, $key)?)
            }
            AeadAlg::AsconAead128 => Box::new(suite::<ascon_aead::AsconAead128>($alg, $key)?),
        }
    };
}

/// `alg` from ring or aws-lc (both have the same three AEADs), keyed; the error names the
/// providers that have `alg` when this one does not.
macro_rules! with_provider_aead {
    ($provider:expr, $alg:expr, $key:expr) => {
        match $provider {
            Provider::RustCrypto => with_rustcrypto_aead!($alg, $key),
            Provider::Ring => Box::new(RingAead::new(
                ring_aead::algorithm($alg).ok_or_else(|| lacks($provider, $alg))?,
                $key,
            )?),
            Provider::AwsLc => Box::new(AwsLcAead::new(
                awslc_sym::aead_algorithm($alg).ok_or_else(|| lacks($provider, $alg))?,
                $key,
            )?),
        }
    };
}

fn lacks(provider: Provider, alg: AeadAlg) -> CryptoError {
    CryptoError::Key(
        provider::for_family(Family::Aead(alg), alg.name(), Some(provider))
            .err()
            .map_or_else(
                || format!("{provider} lacks {}", alg.name()),
                |e| e.to_string(),
            ),
    )
}

pub fn sealer(
    provider: Provider,
    alg: AeadAlg,
    key: &[u8],
) -> Result<Box<dyn Sealer>, CryptoError> {
    Ok(with_provider_aead!(provider, alg, key))
}

pub fn opener(
    provider: Provider,
    alg: AeadAlg,
    key: &[u8],
) -> Result<Box<dyn Opener>, CryptoError> {
    Ok(with_provider_aead!(provider, alg, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// GCM spec (McGrew & Viega, the SP 800-38D reference vectors) Test Case 4: AES-128,
    /// 60-byte plaintext, 20-byte AAD.
    #[test]
    fn aes128_gcm_test_case_4() {
        let key = unhex("feffe9928665731c6d6a8f9467308308");
        let iv = unhex("cafebabefacedbaddecaf888");
        let pt = unhex(concat!(
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72",
            "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
        ));
        let aad = unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
        let ct = unhex(concat!(
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e",
            "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
        ));
        let tag = unhex("5bc94fbc3221a5db94fae95ae7121a47");
        let mut s = sealer(Provider::RustCrypto, AeadAlg::Aes128Gcm, &key).unwrap();
        let mut out = Vec::new();
        s.seal(&iv, &aad, &pt, &mut out).unwrap();
        assert_eq!(&out[..pt.len()], &ct[..]);
        assert_eq!(&out[pt.len()..], &tag[..]);
        let mut o = opener(Provider::RustCrypto, AeadAlg::Aes128Gcm, &key).unwrap();
        let mut back = Vec::new();
        o.open(&iv, &aad, &out, &mut back).unwrap();
        assert_eq!(back, pt);
        // Any change to the AAD is an authentication failure and leaves nothing behind.
        let mut bad = Vec::new();
        assert_eq!(
            o.open(&iv, b"other topic", &out, &mut bad),
            Err(CryptoError::Authentication)
        );
        assert!(bad.is_empty());
    }
}
