//! Envelope v1: the bytes of every PUBLISH payload (DESIGN.md's table, big-endian).
//!
//! ```text
//! 0 version | 1 suite | 2 mac | 3 sig | 4..6 key id | 6..10 publisher | 10..18 seq
//! 18..26 scheduled_ns | 26..34 start_ns | 34 n | 35..35+n IV | 35+n..39+n body length b
//! 39+n..39+n+b body | HMAC tag (32, if mac = 1) | signature (rest, if sig != 0)
//! ```
//! The header is `[0, 39+n)`; AEAD associated data is topic ‖ header, the MAC covers
//! topic ‖ header ‖ body and the signature topic ‖ header ‖ body ‖ tag.

use super::alg::SigAlg;
use super::mac::MacAlg;

pub const VERSION: u8 = 1;
/// Bytes before the IV.
pub const PREFIX_LEN: usize = 35;
/// Bytes only the harness needs (publisher, seq, scheduled_ns, start_ns), reported apart from
/// the security overhead.
pub const HARNESS_BYTES: usize = 4 + 8 + 8 + 8;

/// The fixed-width fields of the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Fields {
    pub suite: u8,
    pub mac: u8,
    pub sig: u8,
    pub key_id: u16,
    pub publisher: u32,
    pub seq: u64,
    pub scheduled_ns: u64,
    pub start_ns: u64,
}

/// A decoded envelope, borrowing the payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope<'a> {
    pub fields: Fields,
    pub iv: &'a [u8],
    /// Bytes `[0, 39+n)`: what the AAD, MAC and signature cover after the topic.
    pub header: &'a [u8],
    pub body: &'a [u8],
    pub mac_tag: &'a [u8],
    pub signature: &'a [u8],
    /// Bytes `[0, end of MAC tag)`: what the signature covers after the topic.
    pub signed: &'a [u8],
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    #[error("envelope truncated: {need} bytes needed for {what}, {have} present")]
    Truncated {
        what: &'static str,
        need: usize,
        have: usize,
    },
    #[error("unsupported envelope version {0} (this build reads version 1)")]
    Version(u8),
    #[error("unknown MAC id {0}")]
    UnknownMac(u8),
    #[error("unknown signature id {0}")]
    UnknownSignature(u8),
    #[error("signature is {have} bytes, {alg} needs {need}")]
    SignatureLength {
        alg: &'static str,
        need: usize,
        have: usize,
    },
}

/// Length of the header for an IV of `iv_len` bytes.
pub fn header_len(iv_len: usize) -> usize {
    PREFIX_LEN + iv_len + 4
}

/// Total envelope length.
pub fn envelope_len(iv_len: usize, body_len: usize, mac: MacAlg, sig: SigAlg) -> usize {
    header_len(iv_len) + body_len + mac.tag_len() + sig.sig_len()
}

/// Appends the header (with `iv`) to `out`.
pub fn write_header(out: &mut Vec<u8>, f: &Fields, iv: &[u8], body_len: u32) {
    debug_assert!(iv.len() <= u8::MAX as usize);
    out.push(VERSION);
    out.push(f.suite);
    out.push(f.mac);
    out.push(f.sig);
    out.extend_from_slice(&f.key_id.to_be_bytes());
    out.extend_from_slice(&f.publisher.to_be_bytes());
    out.extend_from_slice(&f.seq.to_be_bytes());
    out.extend_from_slice(&f.scheduled_ns.to_be_bytes());
    out.extend_from_slice(&f.start_ns.to_be_bytes());
    out.push(iv.len() as u8);
    out.extend_from_slice(iv);
    out.extend_from_slice(&body_len.to_be_bytes());
}

/// Builds a whole envelope from its parts (the reference encoder; the publisher's hot path
/// writes the same bytes in place).
pub fn encode(f: &Fields, iv: &[u8], body: &[u8], mac_tag: &[u8], signature: &[u8]) -> Vec<u8> {
    let mut out =
        Vec::with_capacity(header_len(iv.len()) + body.len() + mac_tag.len() + signature.len());
    write_header(&mut out, f, iv, body.len() as u32);
    out.extend_from_slice(body);
    out.extend_from_slice(mac_tag);
    out.extend_from_slice(signature);
    out
}

fn take<'a>(
    buf: &'a [u8],
    at: usize,
    len: usize,
    what: &'static str,
) -> Result<&'a [u8], EnvelopeError> {
    buf.get(at..at.saturating_add(len))
        .ok_or(EnvelopeError::Truncated {
            what,
            need: at.saturating_add(len),
            have: buf.len(),
        })
}

fn be<const N: usize>(b: &[u8], at: usize) -> [u8; N] {
    let mut a = [0u8; N];
    a.copy_from_slice(&b[at..at + N]);
    a
}

/// Parses `payload`; never panics, whatever the bytes.
pub fn decode(payload: &[u8]) -> Result<Envelope<'_>, EnvelopeError> {
    let p = take(payload, 0, PREFIX_LEN, "fixed header")?;
    if p[0] != VERSION {
        return Err(EnvelopeError::Version(p[0]));
    }
    let fields = Fields {
        suite: p[1],
        mac: p[2],
        sig: p[3],
        key_id: u16::from_be_bytes(be(p, 4)),
        publisher: u32::from_be_bytes(be(p, 6)),
        seq: u64::from_be_bytes(be(p, 10)),
        scheduled_ns: u64::from_be_bytes(be(p, 18)),
        start_ns: u64::from_be_bytes(be(p, 26)),
    };
    let mac = MacAlg::from_id(fields.mac).ok_or(EnvelopeError::UnknownMac(fields.mac))?;
    let sig = SigAlg::from_id(fields.sig).ok_or(EnvelopeError::UnknownSignature(fields.sig))?;
    let n = p[34] as usize;
    let iv = take(payload, PREFIX_LEN, n, "IV")?;
    let b = u32::from_be_bytes(be(take(payload, PREFIX_LEN + n, 4, "body length")?, 0)) as usize;
    let hlen = header_len(n);
    let body = take(payload, hlen, b, "body")?;
    let mac_tag = take(payload, hlen + b, mac.tag_len(), "MAC tag")?;
    let signed_len = hlen + b + mac.tag_len();
    let signature = &payload[signed_len..];
    if signature.len() != sig.sig_len() {
        return Err(EnvelopeError::SignatureLength {
            alg: sig.name(),
            need: sig.sig_len(),
            have: signature.len(),
        });
    }
    Ok(Envelope {
        fields,
        iv,
        header: &payload[..hlen],
        body,
        mac_tag,
        signature,
        signed: &payload[..signed_len],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A v1 envelope written byte by byte from DESIGN.md's table, not by `encode`.
    #[test]
    fn decodes_hand_built_envelope_at_design_offsets() {
        let mut b = vec![
            0x01, // version
            0x42, // suite aes-128-cbc
            0x01, // mac hmac-sha256
            0x00, // sig none
            0x12, 0x34, // key id
            0x00, 0x00, 0x00, 0x07, // publisher 7
        ];
        b.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0x01, 0x02]); // seq 258
        b.extend_from_slice(&[0x18, 0x00, 0, 0, 0, 0, 0, 0x05]); // scheduled
        b.extend_from_slice(&[0x18, 0x00, 0, 0, 0, 0, 0, 0x09]); // start
        assert_eq!(b.len(), 34);
        b.push(16); // n
        b.extend(0xA0..0xB0u8); // IV
        b.extend_from_slice(&[0, 0, 0, 3]); // body length 3
        assert_eq!(b.len(), 39 + 16);
        b.extend_from_slice(b"xyz");
        b.extend_from_slice(&[0x5A; 32]); // MAC tag

        let e = decode(&b).unwrap();
        assert_eq!(
            e.fields,
            Fields {
                suite: 0x42,
                mac: 1,
                sig: 0,
                key_id: 0x1234,
                publisher: 7,
                seq: 258,
                scheduled_ns: 0x1800_0000_0000_0005,
                start_ns: 0x1800_0000_0000_0009,
            }
        );
        assert_eq!(e.iv, (0xA0..0xB0u8).collect::<Vec<_>>().as_slice());
        assert_eq!(e.header, &b[..55]);
        assert_eq!(e.body, b"xyz");
        assert_eq!(e.mac_tag, &[0x5A; 32]);
        assert!(e.signature.is_empty());
        assert_eq!(e.signed, &b[..]);
        // And the reference encoder writes exactly those bytes.
        assert_eq!(encode(&e.fields, e.iv, e.body, e.mac_tag, e.signature), b);
    }

    #[test]
    fn rejects_bad_input_without_panicking() {
        assert!(matches!(decode(&[]), Err(EnvelopeError::Truncated { .. })));
        let mut good = encode(&Fields::default(), &[1; 12], b"body", &[], &[]);
        good[0] = 2;
        assert_eq!(decode(&good), Err(EnvelopeError::Version(2)));
        let good = encode(&Fields::default(), &[1; 12], b"body", &[], &[]);
        for cut in 0..good.len() {
            assert!(decode(&good[..cut]).is_err(), "cut at {cut}");
        }
        let mut long_body = good.clone();
        long_body[PREFIX_LEN + 12..PREFIX_LEN + 16].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(decode(&long_body).is_err());
        let mut trailing = good;
        trailing.push(0);
        assert!(matches!(
            decode(&trailing),
            Err(EnvelopeError::SignatureLength { .. })
        ));
    }
}
