//! ECIES key wrap: the SC wraps a topic key to a client's P-256 key-agreement key.
//!
//! `wrapped = E (65, SEC1 uncompressed ephemeral point) ‖ nonce (12) ‖ AES-128-GCM(key) ‖ tag (16)`
//! with the AES key = HKDF-SHA256(ikm = ECDH x-coordinate, salt = E ‖ recipient's point,
//! info = `"mqtt-cipher-bench/v1/sc-wrap"`, 16 bytes), and associated data binding what the
//! key is for: `"mcb-sc/v1/wrap\0"` ‖ client id ‖ topic (each u16-length-prefixed) ‖ key id
//! (u16) ‖ suite id (u8). A key replayed to another client, topic or id does not unwrap.

use hkdf::Hkdf;
use p256::elliptic_curve::Generate;
use p256::elliptic_curve::sec1::ToSec1Point;
use rand::Rng;
use sha2::Sha256;

use crate::crypto::Provider;
use crate::crypto::aead::{TAG_LEN, aes128_gcm, aes128_gcm_opener};

use super::CenterError;

pub const POINT_LEN: usize = 65;
pub const NONCE_LEN: usize = 12;
pub const INFO: &[u8] = b"mqtt-cipher-bench/v1/sc-wrap";
const AD_DOMAIN: &[u8] = b"mcb-sc/v1/wrap\0";

/// What a wrapped key is bound to.
#[derive(Debug, Clone, Copy)]
pub struct Binding<'a> {
    pub client_id: &'a str,
    pub topic: &'a str,
    pub key_id: u16,
    pub suite_id: u8,
}

impl Binding<'_> {
    fn associated_data(&self) -> Vec<u8> {
        let mut ad =
            Vec::with_capacity(AD_DOMAIN.len() + 8 + self.client_id.len() + self.topic.len());
        ad.extend_from_slice(AD_DOMAIN);
        for s in [self.client_id, self.topic] {
            ad.extend_from_slice(&(s.len().min(u16::MAX as usize) as u16).to_be_bytes());
            ad.extend_from_slice(s.as_bytes());
        }
        ad.extend_from_slice(&self.key_id.to_be_bytes());
        ad.push(self.suite_id);
        ad
    }
}

fn kek(shared: &p256::ecdh::SharedSecret, eph: &[u8], recipient: &[u8]) -> [u8; 16] {
    let mut salt = Vec::with_capacity(2 * POINT_LEN);
    salt.extend_from_slice(eph);
    salt.extend_from_slice(recipient);
    let hk = Hkdf::<Sha256>::new(Some(&salt), shared.raw_secret_bytes());
    let mut key = [0u8; 16];
    hk.expand(INFO, &mut key)
        .unwrap_or_else(|_| unreachable!("16 bytes is within HKDF-SHA256's limit"));
    key
}

/// Wraps `key` to `recipient` for `binding`.
pub fn wrap(
    recipient: &p256::PublicKey,
    key: &[u8],
    binding: &Binding,
) -> Result<Vec<u8>, CenterError> {
    let mut rng = rand::rng();
    let eph = p256::ecdh::EphemeralSecret::generate_from_rng(&mut rng);
    let eph_point = eph.public_key().to_sec1_point(false);
    let recipient_point = recipient.to_sec1_point(false);
    let mut kek = kek(
        &eph.diffie_hellman(recipient),
        eph_point.as_bytes(),
        recipient_point.as_bytes(),
    );
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill_bytes(&mut nonce);
    let mut out = Vec::with_capacity(POINT_LEN + NONCE_LEN + key.len() + TAG_LEN);
    out.extend_from_slice(eph_point.as_bytes());
    out.extend_from_slice(&nonce);
    // The Security Center's key wrap is not a measured suite: it stays on RustCrypto.
    let res = aes128_gcm(Provider::RustCrypto, &kek)
        .and_then(|mut a| a.seal(&nonce, &binding.associated_data(), key, &mut out))
        .map_err(|e| CenterError::Key(format!("wrap: {e}")));
    kek.fill(0);
    res.map(|()| out)
}

/// Unwraps a key wrapped to `secret` for `binding`. Any change to the wrapped bytes or the
/// binding is [`CenterError::Unwrap`].
pub fn unwrap(
    secret: &p256::SecretKey,
    wrapped: &[u8],
    binding: &Binding,
) -> Result<Vec<u8>, CenterError> {
    let mine = secret.public_key().to_sec1_point(false);
    unwrap_with_public(secret, mine.as_bytes(), wrapped, binding)
}

/// [`unwrap`] with the recipient's own point (SEC1 uncompressed) given, saving the scalar
/// multiplication that derives it (a client keeps it).
pub fn unwrap_with_public(
    secret: &p256::SecretKey,
    mine: &[u8],
    wrapped: &[u8],
    binding: &Binding,
) -> Result<Vec<u8>, CenterError> {
    if wrapped.len() < POINT_LEN + NONCE_LEN + TAG_LEN || wrapped[0] != 0x04 {
        return Err(CenterError::Unwrap);
    }
    let (point, rest) = wrapped.split_at(POINT_LEN);
    let (nonce, sealed) = rest.split_at(NONCE_LEN);
    // from_sec1_bytes checks the point is on the curve (no invalid-curve attack).
    let eph = p256::PublicKey::from_sec1_bytes(point).map_err(|_| CenterError::Unwrap)?;
    let shared = p256::ecdh::diffie_hellman(secret.to_nonzero_scalar(), eph.as_affine());
    let mut kek = kek(&shared, point, mine);
    let mut out = Vec::with_capacity(sealed.len());
    let res = aes128_gcm_opener(Provider::RustCrypto, &kek)
        .and_then(|mut a| a.open(nonce, &binding.associated_data(), sealed, &mut out))
        .map_err(|_| CenterError::Unwrap);
    kek.fill(0);
    if res.is_err() {
        out.fill(0);
    }
    res.map(|()| out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding() -> Binding<'static> {
        Binding {
            client_id: "c1",
            topic: "t/1",
            key_id: 4,
            suite_id: 0x42,
        }
    }

    #[test]
    fn round_trip_and_every_tamper_fails() {
        let sk = p256::SecretKey::generate_from_rng(&mut rand::rng());
        let key = [7u8; 16];
        let w = wrap(&sk.public_key(), &key, &binding()).unwrap();
        assert_eq!(w.len(), POINT_LEN + NONCE_LEN + 16 + TAG_LEN);
        assert_eq!(unwrap(&sk, &w, &binding()).unwrap(), key);
        // Flip each byte after the point's prefix: the point, nonce, ciphertext or tag.
        for i in 1..w.len() {
            let mut t = w.clone();
            t[i] ^= 1;
            assert!(
                matches!(unwrap(&sk, &t, &binding()), Err(CenterError::Unwrap)),
                "{i}"
            );
        }
        // Another binding or another client's key.
        for b in [
            Binding {
                client_id: "c2",
                ..binding()
            },
            Binding {
                topic: "t/2",
                ..binding()
            },
            Binding {
                key_id: 5,
                ..binding()
            },
            Binding {
                suite_id: 0x41,
                ..binding()
            },
        ] {
            assert!(unwrap(&sk, &w, &b).is_err());
        }
        let other = p256::SecretKey::generate_from_rng(&mut rand::rng());
        assert!(unwrap(&other, &w, &binding()).is_err());
        assert!(unwrap(&sk, &w[..40], &binding()).is_err());
    }
}
