//! A private CA and a server certificate for loopback brokers (the embedded rumqttd, the test
//! Mosquitto): SANs `localhost` and `127.0.0.1`, written as PEM files into a directory.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};

#[derive(Debug, thiserror::Error)]
pub enum CertError {
    #[error("cannot generate a certificate: {0}")]
    Generate(#[from] rcgen::Error),
    #[error(
        "cannot write {path}: {source} (a private key is never written over or through an existing file or symlink: remove it or use another folder)"
    )]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Paths of the files [`generate`] wrote.
#[derive(Debug, Clone)]
pub struct CertFiles {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Writes `text` to `path`. A private key is created, never reused: `create_new` (O_EXCL)
/// fails on anything already there, a symlink included, so nobody can point the key at a file
/// of their choosing or read it through one made beforehand, and it is 0600 from the moment it
/// exists. Certificates are public: an old one is replaced, but never through a symlink.
fn write(path: PathBuf, text: &str, private: bool) -> Result<PathBuf, CertError> {
    use std::io::Write;
    let err = |source| CertError::Write {
        path: path.clone(),
        source,
    };
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true);
    if private {
        opts.create_new(true);
    } else {
        opts.create(true).truncate(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(if private { 0o600 } else { 0o644 })
            .custom_flags(libc::O_NOFOLLOW);
    }
    let mut f = opts.open(&path).map_err(err)?;
    f.write_all(text.as_bytes()).map_err(err)?;
    Ok(path)
}

/// Writes `ca.pem` (a fresh CA), `server.pem` and `server.key` (signed by it, valid for
/// `names`) into `dir`.
pub fn generate(dir: &Path, names: &[&str]) -> Result<CertFiles, CertError> {
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "mqtt-cipher-bench private CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate()?)?;

    let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    let mut params = CertificateParams::new(names.clone())?;
    params.distinguished_name.push(
        DnType::CommonName,
        names.first().cloned().unwrap_or_default(),
    );
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    let key = KeyPair::generate()?;
    let cert = params.signed_by(&key, &ca)?;

    Ok(CertFiles {
        ca: write(dir.join("ca.pem"), &ca.pem(), false)?,
        cert: write(dir.join("server.pem"), &cert.pem(), false)?,
        key: write(dir.join("server.key"), &key.serialize_pem(), true)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn key_is_owner_only_and_certificates_are_public() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let f = generate(dir.path(), &["localhost"]).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&f.key), 0o600);
        assert_eq!(
            mode(&f.cert) & 0o022,
            0,
            "no one else may change a certificate"
        );
        assert!(
            std::fs::read_to_string(&f.key)
                .unwrap()
                .contains("PRIVATE KEY")
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_or_file_at_the_key_path_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("elsewhere");
        std::fs::write(&target, "not a key\n").unwrap();
        std::os::unix::fs::symlink(&target, dir.path().join("server.key")).unwrap();
        let e = generate(dir.path(), &["localhost"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("server.key"), "{e}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "not a key\n");

        // A dangling symlink too: create_new would otherwise create its target.
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("planted");
        std::os::unix::fs::symlink(&target, dir.path().join("server.key")).unwrap();
        assert!(generate(dir.path(), &["localhost"]).is_err());
        assert!(!target.exists());

        // A symlinked certificate is not followed either.
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("victim");
        std::fs::write(&target, "keep\n").unwrap();
        std::os::unix::fs::symlink(&target, dir.path().join("ca.pem")).unwrap();
        assert!(generate(dir.path(), &["localhost"]).is_err());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep\n");
    }
}
