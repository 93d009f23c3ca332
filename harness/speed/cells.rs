//! The cells of a speed run: what each one times and what it prepares before the clock.

use crate::crypto::keys::KeyRing;
use crate::crypto::mac::{MacAlg, TopicMac};
use crate::crypto::material::TopicKeys;
use crate::crypto::signature::SigAlg;
use crate::crypto::{CryptoError, Direction, Provider, Streamer, Suite};

use super::cold::{Evictor, measure_cold};
use super::sample::{Budget, Rate, measure};
use super::{
    EcdhSpeed, MacSizeSpeed, MacSpeed, SignatureSpeed, SizeSpeed, SuiteSpeed, implementation,
};

/// AAD of the measurements by default: a realistic topic ‖ envelope header length.
pub const AAD_LEN: usize = 48;
/// Message signed in the signature measurements.
pub const SIGNED_LEN: usize = 64;
/// Topic the keys are derived for.
const TOPIC: &str = "speed/topic";

/// Key setup is a handful of cells per suite; it gets a quarter of a cell's budget.
const SETUP_SHARE: u32 = 4;

/// What every suite row measures: the sizes, the AAD per message, the time per cell and
/// whether to time key setup.
pub struct SuiteCell<'a> {
    pub sizes: &'a [usize],
    pub aad_len: usize,
    pub budget: Budget,
    pub key_setup: bool,
    /// Also time the block-mode suites as streams.
    pub stream: bool,
}

/// Encrypt and decrypt of `suite` on `provider` at every size, plus its key setup when
/// asked.
pub fn suite(
    ring: &KeyRing,
    suite: Suite,
    provider: Provider,
    cell: &SuiteCell<'_>,
    evictor: Option<&mut Evictor>,
    versions: &std::collections::BTreeMap<String, String>,
) -> SuiteSpeed {
    let mut report = SuiteSpeed {
        suite,
        id: suite.id(),
        provider: Some(provider),
        implementation: implementation::suite(suite, provider, versions),
        key_setup: None,
        opener_setup: None,
        sizes: Vec::new(),
        error: None,
    };
    if let Err(e) = fill_suite(ring, suite, provider, cell, evictor, &mut report) {
        report.error = Some(e.to_string());
    }
    report
}

fn fill_suite(
    ring: &KeyRing,
    suite: Suite,
    provider: Provider,
    cell: &SuiteCell<'_>,
    mut evictor: Option<&mut Evictor>,
    report: &mut SuiteSpeed,
) -> Result<(), CryptoError> {
    let budget = cell.budget;
    // Key pairs are generated here, before any clock runs; setup then times the per-topic
    // key schedule (or, for hybrids, the copy of the public/private half).
    let keys = ring.topic_keys(suite, TOPIC)?;
    if cell.key_setup {
        let setup = budget.scaled(SETUP_SHARE);
        report.key_setup = Some(measure(setup, 0, || {
            suite.sealer_with(provider, &keys).map(drop)
        })?);
        report.opener_setup = Some(measure(setup, 0, || {
            suite.opener_with(provider, &keys).map(drop)
        })?);
    }
    let mut sealer = suite.sealer_with(provider, &keys)?;
    let mut opener = suite.opener_with(provider, &keys)?;
    let iv: Vec<u8> = (0..suite.iv_len() as u8).collect();
    let aad = vec![0xa5u8; cell.aad_len];
    // s-mqtt's encode and decode steps are cells of their own; its encrypt is then the
    // encryption of points encoded beforehand, its decrypt the decryption alone.
    let staged = suite.encodes();
    for &size in cell.sizes {
        // Input and the one output buffer exist before the clock starts; inside it, each call
        // only resets the buffer's length, as a publisher reuses its envelope buffer.
        let pt: Vec<u8> = (0..size).map(|i| i as u8).collect();
        let mut body = Vec::with_capacity(suite.body_len(size));
        sealer.seal(&iv, &aad, &pt, &mut body)?;
        let mut out = Vec::with_capacity(body.len().max(size));
        let encode = staged
            .then(|| {
                measure(budget, size, || {
                    sealer.encode(std::hint::black_box(&pt)).map(drop)
                })
            })
            .transpose()?;
        let encrypt = measure(budget, size, || {
            out.clear();
            sealer.seal(&iv, &aad, std::hint::black_box(&pt), &mut out)
        })?;
        let mut open = |out: &mut Vec<u8>| {
            out.clear();
            if staged {
                opener
                    .decrypt_encoded(&iv, &aad, std::hint::black_box(&body))
                    .map(drop)
            } else {
                opener.open(&iv, &aad, std::hint::black_box(&body), out)
            }
        };
        let decrypt = measure(budget, size, || open(&mut out))?;
        let (mut encrypt_cold, mut decrypt_cold) = (None, None);
        if let Some(ev) = evictor.as_deref_mut() {
            encrypt_cold = Some(measure_cold(budget, size, ev, || {
                out.clear();
                sealer.seal(&iv, &aad, std::hint::black_box(&pt), &mut out)
            })?);
            decrypt_cold = Some(measure_cold(budget, size, ev, || open(&mut out))?);
        }
        // The opener holds `body` decrypted: decode it again and again.
        let decode = staged
            .then(|| {
                measure(budget, size, || {
                    out.clear();
                    opener.decode(&mut out)
                })
            })
            .transpose()?;
        let (stream_encrypt, stream_decrypt) = if cell.stream && suite.streams() {
            let (e, d) = stream(suite, provider, &keys, &iv, &pt, &body, budget)?;
            (Some(e), Some(d))
        } else {
            (None, None)
        };
        report.sizes.push(SizeSpeed {
            size,
            body_len: body.len(),
            encrypt,
            decrypt,
            encrypt_cold,
            decrypt_cold,
            encode,
            decode,
            stream_encrypt,
            stream_decrypt,
        });
    }
    Ok(())
}

/// Encrypt and decrypt of one long message through one mode context (`speed --stream`): each
/// call is `pt.len()` more bytes of it, as `openssl speed -evp` encrypts its buffer again and
/// again with one context. Before the clock, [`check_stream`] compares the first piece with
/// `body`, the per-message seal of `pt` with the same key and IV.
fn stream(
    suite: Suite,
    provider: Provider,
    keys: &TopicKeys,
    iv: &[u8],
    pt: &[u8],
    body: &[u8],
    budget: Budget,
) -> Result<(Rate, Rate), CryptoError> {
    let size = pt.len();
    let mut enc = suite.streamer_with(provider, keys, iv, Direction::Encrypt)?;
    let mut dec = suite.streamer_with(provider, keys, iv, Direction::Decrypt)?;
    let block = suite.block_len().unwrap_or(1);
    // One block of slack: aws-lc's decryption may write the block it held back.
    let mut out = vec![0u8; size + block];
    check_stream(enc.as_mut(), dec.as_mut(), pt, body, block, &mut out)?;
    let ct = &body[..size];
    let encrypt = measure(budget, size, || {
        enc.update(std::hint::black_box(pt), &mut out).map(drop)
    })?;
    let decrypt = measure(budget, size, || {
        dec.update(std::hint::black_box(ct), &mut out).map(drop)
    })?;
    Ok((encrypt, decrypt))
}

/// Checks a fresh pair of streams against the per-message suite: the encrypting one's first
/// piece of `pt` must be the first `pt.len()` bytes of `body` (the per-message ciphertext of
/// `pt` under the same key and IV, before its padding block), and the decrypting one must turn
/// those bytes back into `pt` (all of it, or all but the last block where decryption holds a
/// block back). An error names what differed: a stream that encrypts other bytes is never
/// timed.
pub(super) fn check_stream(
    enc: &mut dyn Streamer,
    dec: &mut dyn Streamer,
    pt: &[u8],
    body: &[u8],
    block: usize,
    out: &mut [u8],
) -> Result<(), CryptoError> {
    let n = pt.len();
    let differs = |what: &str| {
        CryptoError::Key(format!(
            "the stream's {what} differs from the per-message suite's for the same key and IV"
        ))
    };
    let written = enc.update(pt, out)?;
    if written != n || body.get(..n) != Some(&out[..n]) {
        return Err(differs("ciphertext"));
    }
    let written = dec.update(&body[..n], out)?;
    if (written != n && written + block != n) || out[..written] != pt[..written] {
        return Err(differs("plaintext"));
    }
    Ok(())
}

/// Tag and verify of `mac` over `size` bytes at every size: the encrypt-then-MAC share of a
/// non-AEAD suite's `encrypt` (the run MACs topic ‖ header ‖ body, so look up the size closest
/// to that).
pub fn mac(
    ring: &KeyRing,
    mac: MacAlg,
    sizes: &[usize],
    budget: Budget,
    versions: &std::collections::BTreeMap<String, String>,
) -> MacSpeed {
    let mut report = MacSpeed {
        mac,
        implementation: implementation::mac(mac, versions),
        sizes: Vec::new(),
        error: None,
    };
    let result = (|| {
        let key = match mac {
            MacAlg::None => return Err(CryptoError::Key("mac none has nothing to time".into())),
            MacAlg::HmacSha256 => TopicMac::new(&ring.mac_key(TOPIC))?,
        };
        for &size in sizes {
            let data: Vec<u8> = (0..size).map(|i| (i * 7) as u8).collect();
            let tag = key.tag(&[&data]);
            let t = measure(budget, size, || {
                std::hint::black_box(key.tag(&[std::hint::black_box(&data)]));
                Ok(())
            })?;
            let v = measure(budget, size, || {
                key.verify(&[std::hint::black_box(&data)], &tag)
            })?;
            report.sizes.push(MacSizeSpeed {
                size,
                tag: t,
                verify: v,
            });
        }
        Ok(())
    })();
    if let Err(e) = result {
        report.error = Some(e.to_string());
    }
    report
}

/// Sign and verify of a 64-byte message on `provider` with one key pair (generated first,
/// timed once; both providers use the same pair).
pub fn signature(
    ring: &KeyRing,
    alg: SigAlg,
    provider: Provider,
    budget: Budget,
    versions: &std::collections::BTreeMap<String, String>,
) -> SignatureSpeed {
    let mut report = SignatureSpeed {
        alg,
        provider: Some(provider),
        implementation: implementation::signature(alg, provider, versions),
        sign: None,
        verify: None,
        keygen_ms: 0.0,
        error: None,
    };
    let result = (|| {
        let start = std::time::Instant::now();
        ring.signing_pair(alg, 0)?;
        report.keygen_ms = start.elapsed().as_secs_f64() * 1e3;
        let mut signer = alg.signer_with(provider, ring, 0)?;
        let mut verifier = alg.verifier_with(provider, ring, 0)?;
        let msg = vec![0x5au8; SIGNED_LEN];
        let mut sig = Vec::with_capacity(alg.sig_len());
        report.sign = Some(measure(budget, 0, || {
            sig.clear();
            signer.sign(std::hint::black_box(&msg), &mut sig)
        })?);
        report.verify = Some(measure(budget, 0, || {
            verifier.verify(std::hint::black_box(&msg), &sig)
        })?);
        Ok::<_, CryptoError>(())
    })();
    if let Err(e) = result {
        report.error = Some(e.to_string());
    }
    report
}

/// One P-256 ECDH shared secret from fixed keys on `provider` (the per-message public-key
/// step of `ecies-p256` besides generating its ephemeral key), as `openssl speed ecdhp256`
/// times it: both keys parsed before the clock.
pub fn ecdh(
    provider: Provider,
    budget: Budget,
    versions: &std::collections::BTreeMap<String, String>,
) -> EcdhSpeed {
    let implementation = match provider {
        Provider::AwsLc => implementation::aws_lc(versions),
        _ => format!("RustCrypto {}", implementation::krate(versions, "p256")),
    };
    let rate = match provider {
        Provider::AwsLc => ecdh_aws_lc(budget),
        _ => ecdh_rustcrypto(budget),
    };
    let (rate, error) = match rate {
        Ok(r) => (Some(r), None),
        Err(e) => (None, Some(e.to_string())),
    };
    EcdhSpeed {
        provider,
        implementation,
        rate,
        error,
    }
}

fn ecdh_rustcrypto(budget: Budget) -> Result<super::Rate, CryptoError> {
    use p256::elliptic_curve::Generate;
    let mut rng = rand::rng();
    let ours = p256::SecretKey::generate_from_rng(&mut rng);
    let theirs = p256::SecretKey::generate_from_rng(&mut rng).public_key();
    let scalar = ours.to_nonzero_scalar();
    measure(budget, 0, || {
        let shared = p256::ecdh::diffie_hellman(scalar, theirs.as_affine());
        std::hint::black_box(shared.raw_secret_bytes());
        Ok(())
    })
}

fn ecdh_aws_lc(budget: Budget) -> Result<super::Rate, CryptoError> {
    use aws_lc_rs::agreement::{ECDH_P256, ParsedPublicKey, PrivateKey, UnparsedPublicKey, agree};
    let failed = |what: &str| CryptoError::Key(format!("aws-lc P-256 ECDH: {what}"));
    let ours = PrivateKey::generate(&ECDH_P256).map_err(|_| failed("key generation"))?;
    let theirs = PrivateKey::generate(&ECDH_P256)
        .and_then(|k| k.compute_public_key())
        .map_err(|_| failed("key generation"))?;
    let theirs = ParsedPublicKey::try_from(UnparsedPublicKey::new(&ECDH_P256, theirs.as_ref()))
        .map_err(|_| failed("public key"))?;
    measure(budget, 0, || {
        // The clone is a reference-count increment and a 65-byte copy (`agree` takes the key
        // by value).
        agree(&ours, theirs.clone(), failed("derive"), |shared| {
            std::hint::black_box(shared);
            Ok(())
        })
    })
}
