//! `s-mqtt` (wire id 0xB0): the scheme of seed 004 (Wang & Sakai, S-MQTT, sections 3.2-3.3),
//! not a modern stand-in. The paper names no curve, so P-256 (RustCrypto `p256`).
//!
//! - **encode** (Koblitz): byte m becomes the point whose x is the first of
//!   x = m·K + j, j = 0..K-1, that is the x-coordinate of a point of the curve (x³ − 3x + b a
//!   square mod p), with the even y. The paper encodes per byte ("five 3-byte CJK characters
//!   occupy 15 points"). [`K`] = 32: each x is on the curve with probability ~1/2, so a byte
//!   fails with probability ~2^-32 a priori; over the 256 byte values P-256 needs j ≤ 10
//!   (tests/vectors/smqtt_p256_kat.txt lists every one), so no byte fails. Decoding is
//!   m = floor(x / K).
//! - **encrypt**: textbook EC-ElGamal with the subscriber's (the paper's "server's") public key
//!   Q, a fresh k per point: C1 = kG, C2 = M + kQ. Per point, not per message, because a k
//!   shared by the points of a message would give C2ᵢ − C2ⱼ = Mᵢ − Mⱼ, and with 256 possible
//!   points that gives the bytes' differences away. Then SHA-256 Hash(M) and timestamp 1.
//! - **decrypt**: M = C2 − sk·C1 per point; **decode**: x → m, then Hash(M') against Hash(M),
//!   a mismatch (or a point that is no encoded byte) rejects the message.
//!
//! Body: timestamp (u64 big-endian, Unix µs, as the paper's Fig. 2 prints it) ‖ Hash(M) (32) ‖
//! per plaintext byte C1 ‖ C2, each SEC1 compressed (33 B): 40 + 66·n bytes. The envelope IV is
//! unused (length 0): the per-point k are the randomness.
//!
//! What it does not give, by construction: authenticity (anyone with Q can encrypt a message
//! and its hash; Hash(M) is unkeyed) and, for short messages, confidentiality: Hash(M) travels
//! in clear, so a 2-byte message is one of 65,536 hashes away.
//!
//! Per-byte cost: encode ~2 square roots mod p on average; encrypt two scalar multiplications
//! (kG from the generator's table, kQ), a point addition, two inversions to affine and
//! encodings; decrypt two decompressions (a square root each) and one scalar multiplication;
//! decode one inversion. Cost is linear in the size, unlike the hybrids'.

use p256::elliptic_curve::Generate;
use p256::elliptic_curve::group::Group;
use p256::elliptic_curve::point::{AffineCoordinates, DecompressPoint};
use p256::elliptic_curve::sec1::ToSec1Point;
use p256::elliptic_curve::subtle::{Choice, ConstantTimeEq};
use p256::{AffinePoint, FieldBytes, NonZeroScalar, ProjectivePoint};
use sha2::{Digest, Sha256};

use super::base::{CryptoError, Opener, Sealer};
use super::material::{TopicKeys, TopicPair};

/// Koblitz's K: the candidates x = m·K + j per byte (failure probability ~2^-K a priori).
pub const K: u64 = 32;
/// A SEC1 compressed P-256 point.
pub const POINT_LEN: usize = 33;
/// Body bytes per plaintext byte: C1 ‖ C2.
pub const PER_BYTE: usize = 2 * POINT_LEN;
/// Timestamp 1 (Unix µs, big-endian).
pub const TIMESTAMP_LEN: usize = 8;
/// SHA-256 Hash(M).
pub const HASH_LEN: usize = 32;
/// Body bytes before the points.
pub const PREFIX_LEN: usize = TIMESTAMP_LEN + HASH_LEN;

/// Exact body length for an `n`-byte message.
pub fn body_len(n: usize) -> usize {
    PREFIX_LEN + n * PER_BYTE
}

/// Koblitz encoding of one byte: its point (even y) and the j it took.
pub fn encode_byte(m: u8) -> Result<(AffinePoint, u64), CryptoError> {
    let mut x = [0u8; 32];
    for j in 0..K {
        x[24..].copy_from_slice(&(u64::from(m) * K + j).to_be_bytes());
        let p: Option<AffinePoint> =
            AffinePoint::decompress(&FieldBytes::from(x), Choice::from(0)).into();
        if let Some(p) = p {
            return Ok((p, j));
        }
    }
    Err(CryptoError::Key(format!(
        "s-mqtt: no x in [{m}·K, {m}·K + K) is on P-256 (K = {K})"
    )))
}

/// Encodes every byte of `pt` onto `points` (cleared first).
pub fn encode_into(pt: &[u8], points: &mut Vec<AffinePoint>) -> Result<(), CryptoError> {
    points.clear();
    for &m in pt {
        points.push(encode_byte(m)?.0);
    }
    Ok(())
}

/// The byte a decrypted point encodes: floor(x / K), or an error for a point no byte encodes.
pub fn decode_point(p: &AffinePoint) -> Result<u8, CryptoError> {
    if bool::from(p.is_identity()) {
        return Err(CryptoError::Authentication);
    }
    let x = p.x();
    if x[..24].iter().any(|&b| b != 0) {
        return Err(CryptoError::Authentication);
    }
    let mut low = [0u8; 8];
    low.copy_from_slice(&x[24..]);
    u8::try_from(u64::from_be_bytes(low) / K).map_err(|_| CryptoError::Authentication)
}

/// EC-ElGamal of one point: (C1, C2) = (kG, M + kQ).
pub fn encrypt_point(
    m: &AffinePoint,
    q: &ProjectivePoint,
    k: &NonZeroScalar,
) -> (AffinePoint, AffinePoint) {
    let c1 = ProjectivePoint::mul_by_generator(k.as_ref());
    let c2 = ProjectivePoint::from(*m) + *q * k.as_ref();
    (c1.to_affine(), c2.to_affine())
}

/// M = C2 − sk·C1 (left projective: turning it affine is part of decoding).
pub fn decrypt_point(c1: &AffinePoint, c2: &AffinePoint, sk: &NonZeroScalar) -> ProjectivePoint {
    ProjectivePoint::from(*c2) - ProjectivePoint::from(*c1) * sk.as_ref()
}

/// Appends `p` SEC1 compressed (33 bytes; no ciphertext point is the identity).
pub fn write_point(p: &AffinePoint, out: &mut Vec<u8>) {
    out.extend_from_slice(p.to_sec1_point(true).as_bytes());
}

/// Parses a SEC1 compressed point, refusing anything else (decompression puts it on the curve).
pub fn read_point(b: &[u8]) -> Result<AffinePoint, CryptoError> {
    let (&tag, x) = b.split_first().ok_or(CryptoError::Authentication)?;
    let x: [u8; 32] = x.try_into().map_err(|_| CryptoError::Authentication)?;
    if tag != 2 && tag != 3 {
        return Err(CryptoError::Authentication);
    }
    Option::from(AffinePoint::decompress(
        &FieldBytes::from(x),
        Choice::from(tag & 1),
    ))
    .ok_or(CryptoError::Authentication)
}

/// The body for `pt`, whose points are `points`: timestamp ‖ Hash(M) ‖ (C1 ‖ C2)·n, each point
/// with the k `next_k` gives (fresh random in the suite, fixed in the known-answer test).
pub fn seal_points(
    points: &[AffinePoint],
    pt: &[u8],
    timestamp_us: u64,
    q: &ProjectivePoint,
    mut next_k: impl FnMut() -> NonZeroScalar,
    out: &mut Vec<u8>,
) {
    out.extend_from_slice(&timestamp_us.to_be_bytes());
    out.extend_from_slice(&Sha256::digest(pt));
    for m in points {
        let (c1, c2) = encrypt_point(m, q, &next_k());
        write_point(&c1, out);
        write_point(&c2, out);
    }
}

/// Microseconds since the Unix epoch (timestamp 1 and 2 of the paper).
pub fn unix_us() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

fn p256_pair(keys: &TopicKeys) -> Result<&p256::SecretKey, CryptoError> {
    match keys.pair()? {
        TopicPair::P256(k) => Ok(k),
        TopicPair::Rsa(_) => Err(CryptoError::Key(
            "s-mqtt needs a P-256 key pair, not RSA".into(),
        )),
    }
}

/// The publisher's half: holds only the subscriber's public key, as the paper's client does.
pub fn sealer(keys: &TopicKeys) -> Result<Box<dyn Sealer>, CryptoError> {
    Ok(Box::new(SmqttSealer {
        q: p256_pair(keys)?.public_key().to_projective(),
        points: Vec::new(),
        encoded: Vec::new(),
        ready: false,
    }))
}

/// The subscriber's half (the paper's "server", which alone holds the private key).
pub fn opener(keys: &TopicKeys) -> Result<Box<dyn Opener>, CryptoError> {
    Ok(Box::new(SmqttOpener::new(
        p256_pair(keys)?.to_nonzero_scalar(),
    )))
}

struct SmqttSealer {
    q: ProjectivePoint,
    /// What the last `encode` produced, and the plaintext it encoded.
    points: Vec<AffinePoint>,
    encoded: Vec<u8>,
    ready: bool,
}

impl Sealer for SmqttSealer {
    fn iv_len(&self) -> usize {
        0
    }
    fn body_len(&self, n: usize) -> usize {
        body_len(n)
    }
    fn encode(&mut self, pt: &[u8]) -> Result<bool, CryptoError> {
        self.ready = false;
        encode_into(pt, &mut self.points)?;
        self.encoded.clear();
        self.encoded.extend_from_slice(pt);
        self.ready = true;
        Ok(true)
    }
    /// Encrypts the points the last `encode` made when it encoded this plaintext (one
    /// comparison of n bytes, next to two scalar multiplications per byte), else encodes first.
    fn seal(
        &mut self,
        _iv: &[u8],
        _aad: &[u8],
        pt: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        if !(self.ready && self.encoded == pt) {
            self.encode(pt)?;
        }
        let mut rng = rand::rng();
        seal_points(
            &self.points,
            pt,
            unix_us(),
            &self.q,
            || NonZeroScalar::generate_from_rng(&mut rng),
            out,
        );
        Ok(())
    }
}

/// The subscriber's half; [`open`](Opener::open) is `decrypt_encoded` then `decode`.
pub struct SmqttOpener {
    sk: NonZeroScalar,
    /// The decrypted points, Hash(M) and timestamp of the last `decrypt_encoded`.
    points: Vec<ProjectivePoint>,
    hash: [u8; HASH_LEN],
    timestamp_us: u64,
    ready: bool,
}

impl SmqttOpener {
    pub fn new(sk: NonZeroScalar) -> Self {
        Self {
            sk,
            points: Vec::new(),
            hash: [0; HASH_LEN],
            timestamp_us: 0,
            ready: false,
        }
    }

    /// Timestamp 1 of the last message decrypted.
    pub fn timestamp_us(&self) -> u64 {
        self.timestamp_us
    }
}

impl Opener for SmqttOpener {
    fn open(
        &mut self,
        iv: &[u8],
        aad: &[u8],
        body: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        self.decrypt_encoded(iv, aad, body)?;
        self.decode(out)
    }

    fn decrypt_encoded(
        &mut self,
        _iv: &[u8],
        _aad: &[u8],
        body: &[u8],
    ) -> Result<bool, CryptoError> {
        self.ready = false;
        self.points.clear();
        let points = body
            .get(PREFIX_LEN..)
            .filter(|p| p.len() % PER_BYTE == 0)
            .ok_or(CryptoError::Authentication)?;
        let mut ts = [0u8; TIMESTAMP_LEN];
        ts.copy_from_slice(&body[..TIMESTAMP_LEN]);
        self.timestamp_us = u64::from_be_bytes(ts);
        self.hash.copy_from_slice(&body[TIMESTAMP_LEN..PREFIX_LEN]);
        for pair in points.chunks_exact(PER_BYTE) {
            let (c1, c2) = pair.split_at(POINT_LEN);
            let m = decrypt_point(&read_point(c1)?, &read_point(c2)?, &self.sk);
            self.points.push(m);
        }
        self.ready = true;
        Ok(true)
    }

    /// Points to bytes and Hash(M') against Hash(M); on any failure `out` is left as it was.
    fn decode(&mut self, out: &mut Vec<u8>) -> Result<(), CryptoError> {
        if !self.ready {
            return Err(CryptoError::Decrypt("nothing decrypted to decode"));
        }
        let start = out.len();
        let res = (|| {
            for p in &self.points {
                out.push(decode_point(&p.to_affine())?);
            }
            let same: bool = Sha256::digest(&out[start..])
                .as_slice()
                .ct_eq(&self.hash)
                .into();
            if same {
                Ok(())
            } else {
                Err(CryptoError::Authentication)
            }
        })();
        if res.is_err() {
            out.truncate(start);
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_value_round_trips_through_its_point() {
        for m in 0..=255u8 {
            let (p, j) = encode_byte(m).unwrap();
            assert!(j < K, "{m}");
            assert_eq!(decode_point(&p).unwrap(), m);
        }
    }
}
