//! Identities: each client's signing key (Ed25519 or ECDSA P-256, authenticates requests)
//! and P-256 key-agreement key (keys are wrapped to it), and the SC's registry of their public
//! halves.
//!
//! Registry file (`registry.txt`, public keys only), one client per line:
//!
//! ```text
//! # client id   device class   signing key           key-agreement key
//! sensor-1      light          ed25519:<base64 32 B>  p256:<base64 SEC1 uncompressed 65 B>
//! gateway-1     moderate       ecdsa-p256:<base64 65 B> p256:<base64 65 B>
//! ```
//!
//! Private keys live in PKCS#8 PEM files written with mode 0600 (`<id>.sign.pem`,
//! `<id>.kex.pem`); nothing here prints key material.

use std::collections::HashMap;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use p256::elliptic_curve::Generate;
use p256::elliptic_curve::sec1::ToSec1Point;
use p256::pkcs8::LineEnding;

use super::CenterError;
use super::protocol::{SIG_LEN, SigKind};

/// A client's public signing key.
#[derive(Clone, Debug)]
pub enum VerifyKey {
    EcdsaP256(p256::ecdsa::VerifyingKey),
    Ed25519(ed25519_dalek::VerifyingKey),
}

impl VerifyKey {
    pub fn kind(&self) -> SigKind {
        match self {
            VerifyKey::EcdsaP256(_) => SigKind::EcdsaP256,
            VerifyKey::Ed25519(_) => SigKind::Ed25519,
        }
    }

    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        use p256::ecdsa::signature::Verifier as _;
        match self {
            VerifyKey::EcdsaP256(k) => {
                p256::ecdsa::Signature::from_slice(sig).is_ok_and(|s| k.verify(msg, &s).is_ok())
            }
            VerifyKey::Ed25519(k) => ed25519_dalek::Signature::from_slice(sig)
                .is_ok_and(|s| k.verify_strict(msg, &s).is_ok()),
        }
    }

    fn encode(&self) -> String {
        match self {
            VerifyKey::EcdsaP256(k) => format!(
                "ecdsa-p256:{}",
                B64.encode(k.to_sec1_point(false).as_bytes())
            ),
            VerifyKey::Ed25519(k) => format!("ed25519:{}", B64.encode(k.as_bytes())),
        }
    }

    fn decode(s: &str) -> Result<VerifyKey, String> {
        let (alg, b64) = s
            .split_once(':')
            .ok_or_else(|| format!("expected <algorithm>:<base64>, got \"{s}\""))?;
        let bytes = B64
            .decode(b64)
            .map_err(|e| format!("{alg} key is not base64: {e}"))?;
        match alg {
            "ed25519" => {
                let arr: [u8; 32] = bytes
                    .as_slice()
                    .try_into()
                    .map_err(|_| format!("ed25519 key is {} bytes, expected 32", bytes.len()))?;
                ed25519_dalek::VerifyingKey::from_bytes(&arr)
                    .map(VerifyKey::Ed25519)
                    .map_err(|_| "ed25519 key is not a valid point".into())
            }
            "ecdsa-p256" => p256::ecdsa::VerifyingKey::from_sec1_bytes(&bytes)
                .map(VerifyKey::EcdsaP256)
                .map_err(|_| "ecdsa-p256 key is not a valid SEC1 point".into()),
            other => Err(format!(
                "unknown signing algorithm \"{other}\" (expected ed25519 or ecdsa-p256)"
            )),
        }
    }
}

/// A client's private signing key.
#[derive(Clone)]
pub enum SignKey {
    EcdsaP256(p256::ecdsa::SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
}

impl SignKey {
    pub fn generate(kind: SigKind) -> SignKey {
        let mut rng = rand::rng();
        match kind {
            SigKind::EcdsaP256 => {
                SignKey::EcdsaP256(p256::ecdsa::SigningKey::generate_from_rng(&mut rng))
            }
            SigKind::Ed25519 => SignKey::Ed25519(ed25519_dalek::SigningKey::generate(&mut rng)),
        }
    }

    pub fn kind(&self) -> SigKind {
        match self {
            SignKey::EcdsaP256(_) => SigKind::EcdsaP256,
            SignKey::Ed25519(_) => SigKind::Ed25519,
        }
    }

    pub fn verify_key(&self) -> VerifyKey {
        match self {
            SignKey::EcdsaP256(k) => VerifyKey::EcdsaP256(*k.verifying_key()),
            SignKey::Ed25519(k) => VerifyKey::Ed25519(k.verifying_key()),
        }
    }

    pub fn sign(&self, msg: &[u8]) -> Result<[u8; SIG_LEN], CenterError> {
        use p256::ecdsa::signature::Signer as _;
        match self {
            SignKey::EcdsaP256(k) => {
                let s: p256::ecdsa::Signature = k
                    .try_sign(msg)
                    .map_err(|e| CenterError::Key(format!("ECDSA: {e}")))?;
                s.to_bytes()
                    .as_slice()
                    .try_into()
                    .map_err(|_| CenterError::Key("ECDSA signature is not 64 bytes".into()))
            }
            SignKey::Ed25519(k) => Ok(k.sign(msg).to_bytes()),
        }
    }

    fn to_pem(&self) -> Result<String, CenterError> {
        let pem = match self {
            SignKey::EcdsaP256(k) => k.to_pkcs8_pem(LineEnding::LF),
            SignKey::Ed25519(k) => k.to_pkcs8_pem(LineEnding::LF),
        };
        pem.map(|p| p.to_string())
            .map_err(|e| CenterError::Key(format!("PKCS#8: {e}")))
    }

    fn from_pem(kind: SigKind, pem: &str) -> Result<SignKey, String> {
        match kind {
            SigKind::EcdsaP256 => p256::ecdsa::SigningKey::from_pkcs8_pem(pem)
                .map(SignKey::EcdsaP256)
                .map_err(|e| format!("not a PKCS#8 P-256 key: {e}")),
            SigKind::Ed25519 => ed25519_dalek::SigningKey::from_pkcs8_pem(pem)
                .map(SignKey::Ed25519)
                .map_err(|e| format!("not a PKCS#8 Ed25519 key: {e}")),
        }
    }
}

/// What the SC knows of a client.
#[derive(Clone, Debug)]
pub struct RegisteredClient {
    pub id: String,
    /// Device class: picks the suite of the keys the SC generates for it.
    pub class: String,
    pub verify: VerifyKey,
    pub kex: p256::PublicKey,
}

impl RegisteredClient {
    pub fn line(&self) -> String {
        format!(
            "{} {} {} p256:{}",
            self.id,
            self.class,
            self.verify.encode(),
            B64.encode(self.kex.to_sec1_point(false).as_bytes())
        )
    }
}

/// A client's private keys (the requesting side).
#[derive(Clone)]
pub struct ClientIdentity {
    pub id: String,
    pub class: String,
    pub sign: SignKey,
    pub kex: p256::SecretKey,
}

impl std::fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ClientIdentity({}, {}, {}, <private keys redacted>)",
            self.id,
            self.class,
            self.sign.kind().name()
        )
    }
}

impl ClientIdentity {
    pub fn generate(id: &str, class: &str, kind: SigKind) -> Result<ClientIdentity, CenterError> {
        if !super::valid_client_id(id) {
            return Err(CenterError::Input(format!(
                "\"{id}\" is not a usable client id (1-128 bytes, no '/', '+', '#' or spaces)"
            )));
        }
        Ok(ClientIdentity {
            id: id.to_owned(),
            class: class.to_owned(),
            sign: SignKey::generate(kind),
            kex: p256::SecretKey::generate_from_rng(&mut rand::rng()),
        })
    }

    pub fn public(&self) -> RegisteredClient {
        RegisteredClient {
            id: self.id.clone(),
            class: self.class.clone(),
            verify: self.sign.verify_key(),
            kex: self.kex.public_key(),
        }
    }

    /// Writes `<dir>/<id>.sign.pem` and `<dir>/<id>.kex.pem` (mode 0600).
    pub fn save(&self, dir: &Path) -> Result<(), CenterError> {
        write_private(
            &dir.join(format!("{}.sign.pem", self.id)),
            &self.sign.to_pem()?,
        )?;
        let kex = self
            .kex
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| CenterError::Key(format!("PKCS#8: {e}")))?;
        write_private(&dir.join(format!("{}.kex.pem", self.id)), &kex)
    }

    /// Reads the private keys `save` wrote; the registry entry says the class and algorithm.
    pub fn load(dir: &Path, entry: &RegisteredClient) -> Result<ClientIdentity, CenterError> {
        let read = |suffix: &str| {
            let p = dir.join(format!("{}.{suffix}.pem", entry.id));
            std::fs::read_to_string(&p)
                .map_err(|e| CenterError::Input(format!("cannot read {}: {e}", p.display())))
                .map(|s| (p, s))
        };
        let (p, pem) = read("sign")?;
        let sign = SignKey::from_pem(entry.verify.kind(), &pem)
            .map_err(|e| CenterError::Input(format!("{}: {e}", p.display())))?;
        let (p, pem) = read("kex")?;
        let kex = p256::SecretKey::from_pkcs8_pem(&pem).map_err(|e| {
            CenterError::Input(format!("{}: not a PKCS#8 P-256 key: {e}", p.display()))
        })?;
        Ok(ClientIdentity {
            id: entry.id.clone(),
            class: entry.class.clone(),
            sign,
            kex,
        })
    }
}

/// Writes a secret file readable by its owner only, never through a symlink (O_NOFOLLOW: a
/// link planted at the path would send the key wherever it points). An existing regular file
/// (a client re-keyed by `keygen`) is replaced.
pub fn write_private(path: &Path, text: &str) -> Result<(), CenterError> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let err =
        |e: std::io::Error| CenterError::Input(format!("cannot write {}: {e}", path.display()));
    let mut f = opts.open(path).map_err(err)?;
    // An existing file keeps its old mode on open: tighten it too.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(err)?;
    }
    f.write_all(text.as_bytes()).map_err(err)
}

/// The SC's signing key (Ed25519) and its public half, as clients configure it
/// (`ed25519:<base64>`).
pub fn center_public_line(key: &ed25519_dalek::VerifyingKey) -> String {
    format!("ed25519:{}", B64.encode(key.as_bytes()))
}

pub fn parse_center_public(s: &str) -> Result<ed25519_dalek::VerifyingKey, String> {
    match VerifyKey::decode(s.trim())? {
        VerifyKey::Ed25519(k) => Ok(k),
        VerifyKey::EcdsaP256(_) => Err("the Security Center's key is ed25519".into()),
    }
}

pub fn center_key_pem(key: &ed25519_dalek::SigningKey) -> Result<String, CenterError> {
    key.to_pkcs8_pem(LineEnding::LF)
        .map(|p| p.to_string())
        .map_err(|e| CenterError::Key(format!("PKCS#8: {e}")))
}

pub fn center_key_from_pem(pem: &str) -> Result<ed25519_dalek::SigningKey, String> {
    ed25519_dalek::SigningKey::from_pkcs8_pem(pem)
        .map_err(|e| format!("not a PKCS#8 Ed25519 key: {e}"))
}

/// Client id → public keys.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    clients: HashMap<String, RegisteredClient>,
}

impl Registry {
    pub fn load(path: &Path) -> Result<Registry, CenterError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            CenterError::Input(format!("cannot read registry {}: {e}", path.display()))
        })?;
        Registry::parse(&text).map_err(|e| CenterError::Input(format!("{}:{e}", path.display())))
    }

    /// Parses registry text; errors are `line: message`.
    pub fn parse(text: &str) -> Result<Registry, String> {
        let mut r = Registry::default();
        for (n, line) in text.lines().enumerate() {
            let line_no = n + 1;
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            let words: Vec<&str> = t.split_whitespace().collect();
            let [id, class, sign, kex] = words.as_slice() else {
                return Err(format!(
                    "{line_no}: expected `<client id> <class> <alg>:<base64> p256:<base64>`, got {} fields",
                    words.len()
                ));
            };
            if !super::valid_client_id(id) {
                return Err(format!("{line_no}: \"{id}\" is not a valid client id"));
            }
            let verify = VerifyKey::decode(sign).map_err(|e| format!("{line_no}: {e}"))?;
            let kex = kex
                .strip_prefix("p256:")
                .ok_or_else(|| format!("{line_no}: key-agreement key must start with p256:"))
                .and_then(|b| {
                    B64.decode(b)
                        .map_err(|e| format!("{line_no}: p256 key is not base64: {e}"))
                })
                .and_then(|b| {
                    p256::PublicKey::from_sec1_bytes(&b)
                        .map_err(|_| format!("{line_no}: p256 key is not a valid SEC1 point"))
                })?;
            if r.clients.contains_key(*id) {
                return Err(format!("{line_no}: client {id} is listed twice"));
            }
            r.insert(RegisteredClient {
                id: (*id).to_owned(),
                class: (*class).to_owned(),
                verify,
                kex,
            });
        }
        Ok(r)
    }

    pub fn insert(&mut self, c: RegisteredClient) {
        self.clients.insert(c.id.clone(), c);
    }

    pub fn remove(&mut self, id: &str) {
        self.clients.remove(id);
    }

    pub fn get(&self, id: &str) -> Option<&RegisteredClient> {
        self.clients.get(id)
    }

    pub fn len(&self) -> usize {
        self.clients.len()
    }

    pub fn is_empty(&self) -> bool {
        self.clients.is_empty()
    }

    /// The file text, clients sorted by id.
    pub fn to_text(&self) -> String {
        let mut ids: Vec<&String> = self.clients.keys().collect();
        ids.sort();
        let mut out = String::from(
            "# mqtt-cipher-bench Security Center registry: client id, device class, signing key, key-agreement key\n",
        );
        for id in ids {
            out.push_str(&self.clients[id].line());
            out.push('\n');
        }
        out
    }

    pub fn classes(&self) -> impl Iterator<Item = (&str, &str)> {
        self.clients
            .values()
            .map(|c| (c.id.as_str(), c.class.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_round_trips_and_signatures_verify() {
        let a = ClientIdentity::generate("a", "light", SigKind::Ed25519).unwrap();
        let b = ClientIdentity::generate("b", "moderate", SigKind::EcdsaP256).unwrap();
        let mut r = Registry::default();
        r.insert(a.public());
        r.insert(b.public());
        let back = Registry::parse(&r.to_text()).unwrap();
        assert_eq!(back.len(), 2);
        for id in [&a, &b] {
            let sig = id.sign.sign(b"msg").unwrap();
            let entry = back.get(&id.id).unwrap();
            assert_eq!(entry.class, id.class);
            assert!(entry.verify.verify(b"msg", &sig));
            assert!(!entry.verify.verify(b"msh", &sig));
            assert_eq!(entry.kex, id.kex.public_key());
        }
        // The other client's key does not verify.
        let sig = a.sign.sign(b"msg").unwrap();
        assert!(!back.get("b").unwrap().verify.verify(b"msg", &sig));
    }

    #[test]
    fn private_keys_are_saved_owner_only_and_load_back() {
        let dir = tempfile::tempdir().unwrap();
        for kind in [SigKind::Ed25519, SigKind::EcdsaP256] {
            let id =
                ClientIdentity::generate(&format!("c-{}", kind.name()), "light", kind).unwrap();
            id.save(dir.path()).unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let p = dir.path().join(format!("{}.sign.pem", id.id));
                let mode = std::fs::metadata(&p).unwrap().permissions().mode();
                assert_eq!(mode & 0o777, 0o600);
            }
            let back = ClientIdentity::load(dir.path(), &id.public()).unwrap();
            let sig = back.sign.sign(b"x").unwrap();
            assert!(id.public().verify.verify(b"x", &sig));
            assert_eq!(back.kex.public_key(), id.kex.public_key());
        }
    }

    #[test]
    fn bad_lines_name_the_line() {
        let e = Registry::parse("# c\nx light ed25519:AAAA\n").unwrap_err();
        assert!(e.starts_with("2: expected"), "{e}");
        let e = Registry::parse("x light rsa:AAAA p256:AAAA\n").unwrap_err();
        assert!(e.contains("unknown signing algorithm"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn private_files_are_owner_only_and_never_written_through_a_symlink() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("k.pem");
        write_private(&key, "secret\n").unwrap();
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        // An existing file that others could read is tightened when rewritten.
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&key, "new\n").unwrap();
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);

        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep\n").unwrap();
        let link = dir.path().join("link.pem");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        assert!(write_private(&link, "secret\n").is_err());
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep\n");
    }
}
