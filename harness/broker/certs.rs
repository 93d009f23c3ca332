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
    #[error("cannot write {path}: {source}")]
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

fn write(path: PathBuf, text: &str, private: bool) -> Result<PathBuf, CertError> {
    let err = |source| CertError::Write {
        path: path.clone(),
        source,
    };
    #[cfg(unix)]
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        // A private key is readable by its owner only, from the moment it exists.
        let mode = if private { 0o600 } else { 0o644 };
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(mode)
            .open(&path)
            .map_err(err)?;
        f.write_all(text.as_bytes()).map_err(err)?;
    }
    #[cfg(not(unix))]
    {
        let _ = private;
        std::fs::write(&path, text).map_err(err)?;
    }
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
