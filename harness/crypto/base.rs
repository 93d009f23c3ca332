//! The bottom of `crypto/`: the error and the traits every implementation fills in, and
//! the one helper every AEAD opener shares. Nothing here names a suite, a provider or a key;
//! every other file of `crypto/` may use this one, and this one uses none of them.

/// Why opening a message failed. Each variant is counted, never a crash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The tag, MAC or signature did not verify: the message was forged or damaged.
    #[error("authentication failed")]
    Authentication,
    /// The ciphertext decrypted but its padding (or length) was invalid.
    #[error("decryption failed: {0}")]
    Decrypt(&'static str),
    /// Key material was missing or of the wrong shape.
    #[error("key error: {0}")]
    Key(String),
}

/// The publisher's half of a suite, keyed once per topic and reused for every message.
pub trait Sealer: Send {
    /// Bytes of IV / nonce this suite puts in the envelope (0 for none and ECB).
    fn iv_len(&self) -> usize;
    /// Body length for a plaintext of `plaintext_len` bytes; must be exact, because the
    /// body length is part of the header and so of the associated data.
    fn body_len(&self, plaintext_len: usize) -> usize;
    /// Appends the body for `plaintext` to `out`. `iv` holds `iv_len()` fresh random bytes;
    /// `aad` is topic ‖ header (used by AEAD and hybrid suites, ignored by the others).
    fn seal(
        &mut self,
        iv: &[u8],
        aad: &[u8],
        plaintext: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError>;
    /// A suite that encodes the message before encrypting it (s-mqtt: each byte onto a curve
    /// point) does that here, so it can be timed apart from [`seal`](Self::seal), which then
    /// encrypts what this encoded when given the same plaintext. False, doing nothing, for
    /// suites without such a step (all others).
    fn encode(&mut self, _plaintext: &[u8]) -> Result<bool, CryptoError> {
        Ok(false)
    }
}

/// The subscriber's half of a suite.
pub trait Opener: Send {
    /// Appends the plaintext of `body` to `out`.
    fn open(
        &mut self,
        iv: &[u8],
        aad: &[u8],
        body: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError>;
    /// A suite that decodes after decrypting (s-mqtt: points back to bytes and the hash
    /// comparison) splits [`open`](Self::open) so the halves can be timed apart: this decrypts
    /// `body` and keeps the result, [`decode`](Self::decode) turns it into the plaintext.
    /// False, doing nothing, for suites without a decode step: call `open`.
    fn decrypt_encoded(
        &mut self,
        _iv: &[u8],
        _aad: &[u8],
        _body: &[u8],
    ) -> Result<bool, CryptoError> {
        Ok(false)
    }
    /// The second half of a split open: appends the plaintext of what `decrypt_encoded` kept
    /// (nothing on failure). Repeatable: it does not consume what it decodes.
    fn decode(&mut self, _out: &mut Vec<u8>) -> Result<(), CryptoError> {
        Err(CryptoError::Decrypt("this suite has no decode step"))
    }
}

/// The publisher's half of a signature algorithm.
pub trait Signer: Send {
    /// Appends the signature of `msg` to `out`.
    fn sign(&mut self, msg: &[u8], out: &mut Vec<u8>) -> Result<(), CryptoError>;
}

/// The subscriber's half of a signature algorithm.
pub trait Verifier: Send {
    fn verify(&mut self, msg: &[u8], sig: &[u8]) -> Result<(), CryptoError>;
}

/// Which way a [`Streamer`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Encrypt,
    Decrypt,
}

/// One long message in pieces, through one block mode context: the chaining value, counter or
/// feedback is carried from one call to the next, and no call sets up an IV, a key schedule or
/// padding. What one OpenSSL EVP context does between `EVP_EncryptUpdate` calls, which is what
/// `openssl speed -evp` times; `speed --stream` times it here. Not used on the wire: every
/// message there is sealed alone ([`Sealer`]).
pub trait Streamer: Send {
    /// Transforms `input`, a whole number of blocks, writing into `out` (at least
    /// `input.len()` plus one block long); returns the bytes written. That is `input.len()`,
    /// except where decryption holds the last block back because it might be PKCS#7 padding
    /// (aws-lc's ECB and CBC, as `EVP_DecryptUpdate` does): then the output runs one block
    /// behind the input, the same work per call.
    fn update(&mut self, input: &[u8], out: &mut [u8]) -> Result<usize, CryptoError>;
}

/// Every AEAD of the catalogue (and the data half of both hybrids) uses a 16-byte tag.
pub const TAG_LEN: usize = 16;

/// Splits `body` into ciphertext ‖ 16-byte tag, appends the ciphertext to `out` and lets
/// `decrypt` open it in place (true when the tag verified). On any failure `out` is left as
/// it was: unauthenticated plaintext is never handed back.
pub(crate) fn open_detached(
    body: &[u8],
    out: &mut Vec<u8>,
    decrypt: impl FnOnce(&mut [u8], &[u8]) -> bool,
) -> Result<(), CryptoError> {
    let ct_len = body
        .len()
        .checked_sub(TAG_LEN)
        .ok_or(CryptoError::Authentication)?;
    let (ct, tag) = body.split_at(ct_len);
    let start = out.len();
    out.extend_from_slice(ct);
    if !decrypt(&mut out[start..], tag) {
        out.truncate(start);
        return Err(CryptoError::Authentication);
    }
    Ok(())
}
