//! The `keygen` and `center` commands: write identities for a cross-machine set-up, and run the
//! Security Center standalone next to any broker.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::acl::Acl;
use super::config::CenterFile;
use super::protocol::SigKind;
use super::registry::{self, ClientIdentity, Registry};
use super::service::CenterService;
use super::{Authority, CenterError};
use crate::broker::Endpoint;
use crate::broker::config::BrokerSection;

/// What `keygen` wrote (paths only: never key material).
#[derive(Debug)]
pub struct KeygenReport {
    pub center_key: PathBuf,
    pub center_key_created: bool,
    pub center_public: String,
    pub registry: PathBuf,
    pub clients: Vec<(String, String, PathBuf)>,
    pub created: Vec<PathBuf>,
}

/// `keygen DIR --client ID[:CLASS]...`: the center's Ed25519 key (kept if present), each
/// client's signing and key-agreement keys (`DIR/clients/<id>.{sign,kex}.pem`, 0600), their
/// public halves in `DIR/registry.txt`, and `center.toml` and `acl.txt` templates if absent.
pub fn keygen(
    dir: &Path,
    clients: &[String],
    default_class: &str,
    kind: SigKind,
) -> Result<KeygenReport, CenterError> {
    let io = |p: &Path, e: std::io::Error| CenterError::Input(format!("{}: {e}", p.display()));
    let client_dir = dir.join("clients");
    std::fs::create_dir_all(&client_dir).map_err(|e| io(&client_dir, e))?;
    let mut created = Vec::new();

    let key_path = dir.join("center.key.pem");
    let (center, center_key_created) = if key_path.exists() {
        let pem = std::fs::read_to_string(&key_path).map_err(|e| io(&key_path, e))?;
        let k = registry::center_key_from_pem(&pem)
            .map_err(|e| CenterError::Input(format!("{}: {e}", key_path.display())))?;
        (k, false)
    } else {
        let k = ed25519_dalek::SigningKey::generate(&mut rand::rng());
        registry::write_private(&key_path, &registry::center_key_pem(&k)?)?;
        (k, true)
    };
    let center_public = registry::center_public_line(&center.verifying_key());
    let pub_path = dir.join("center.pub");
    std::fs::write(&pub_path, format!("{center_public}\n")).map_err(|e| io(&pub_path, e))?;

    let reg_path = dir.join("registry.txt");
    let mut reg = if reg_path.exists() {
        Registry::load(&reg_path)?
    } else {
        Registry::default()
    };
    let mut written = Vec::new();
    for spec in clients {
        let (id, class) = spec
            .split_once(':')
            .map_or((spec.as_str(), default_class), |(i, c)| (i, c));
        let identity = ClientIdentity::generate(id, class, kind)?;
        identity.save(&client_dir)?;
        reg.insert(identity.public());
        written.push((
            id.to_owned(),
            class.to_owned(),
            client_dir.join(format!("{id}.sign.pem")),
        ));
    }
    std::fs::write(&reg_path, reg.to_text()).map_err(|e| io(&reg_path, e))?;

    let toml_path = dir.join("center.toml");
    if !toml_path.exists() {
        std::fs::write(&toml_path, CenterFile::TEMPLATE).map_err(|e| io(&toml_path, e))?;
        created.push(toml_path);
    }
    let acl_path = dir.join("acl.txt");
    if !acl_path.exists() {
        let mut text = String::from(
            "# Security Center ACL (Mosquitto acl_file style): `user <client id>` then\n\
             # `topic read|write|readwrite <filter>` lines; `pattern write dev/%c/#` for everyone.\n\
             # Nothing is allowed unless a line allows it.\n",
        );
        for (id, _, _) in &written {
            text.push_str(&format!("# user {id}\n# topic write sensors/{id}/#\n"));
        }
        std::fs::write(&acl_path, text).map_err(|e| io(&acl_path, e))?;
        created.push(acl_path);
    }
    Ok(KeygenReport {
        center_key: key_path,
        center_key_created,
        center_public,
        registry: reg_path,
        clients: written,
        created,
    })
}

/// The standalone center: loaded from `center.toml`, connected to `broker`.
pub struct Standalone {
    pub authority: Arc<Authority>,
    pub service: CenterService,
    pub prefix: String,
    pub clients: usize,
    pub public: String,
}

/// Loads `config` (and the registry, ACL and key it names) and starts serving on `broker`
/// (a URL or `embedded`), with optional broker credentials.
pub async fn start(
    config: &Path,
    broker: &str,
    username: Option<String>,
    password_env: Option<String>,
) -> Result<Standalone, CenterError> {
    let (file, cfg) = CenterFile::load(config)?;
    let registry = Registry::load(&file.registry)?;
    let acl = Acl::load(&file.acl)?;
    let pem = std::fs::read_to_string(&file.key)
        .map_err(|e| CenterError::Input(format!("cannot read {}: {e}", file.key.display())))?;
    let key = registry::center_key_from_pem(&pem)
        .map_err(|e| CenterError::Input(format!("{}: {e}", file.key.display())))?;
    for (id, class) in registry.classes() {
        if !cfg.classes.contains_key(class) {
            return Err(CenterError::Input(format!(
                "{}: client {id} has device class \"{class}\", which {} does not list under [classes]",
                file.registry.display(),
                config.display()
            )));
        }
    }
    let section = BrokerSection {
        url: toml::Spanned::new(0..0, broker.to_owned()),
        username,
        password_env,
        ..BrokerSection::default()
    };
    let endpoint =
        Endpoint::resolve(&section).map_err(|e| CenterError::Input(format!("--broker: {e}")))?;
    let public = registry::center_public_line(&key.verifying_key());
    let clients = registry.len();
    let authority = Arc::new(Authority::new(cfg, key, registry, acl));
    let mut tag = [0u8; 3];
    getrandom::fill(&mut tag).map_err(|e| CenterError::Key(format!("no OS randomness: {e}")))?;
    let id = format!(
        "mcb-center-{}",
        tag.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    let service = CenterService::start(&endpoint, authority.clone(), &file.prefix, &id).await?;
    Ok(Standalone {
        authority,
        service,
        prefix: file.prefix,
        clients,
        public,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keygen_writes_owner_only_keys_a_registry_and_templates() {
        let dir = tempfile::tempdir().unwrap();
        let r = keygen(
            dir.path(),
            &["s1".into(), "gw:moderate".into()],
            "light",
            SigKind::Ed25519,
        )
        .unwrap();
        assert!(r.center_key_created);
        let reg = Registry::load(&r.registry).unwrap();
        assert_eq!(reg.get("s1").unwrap().class, "light");
        assert_eq!(reg.get("gw").unwrap().class, "moderate");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for p in [
                r.center_key.clone(),
                dir.path().join("clients/s1.kex.pem"),
                dir.path().join("clients/gw.sign.pem"),
            ] {
                let mode = std::fs::metadata(&p).unwrap().permissions().mode();
                assert_eq!(mode & 0o777, 0o600, "{}", p.display());
            }
        }
        // A second run keeps the center key and adds clients.
        let again = keygen(dir.path(), &["s2".into()], "light", SigKind::EcdsaP256).unwrap();
        assert!(!again.center_key_created);
        assert_eq!(again.center_public, r.center_public);
        assert_eq!(Registry::load(&again.registry).unwrap().len(), 3);
        let (_, cfg) = CenterFile::load(&dir.path().join("center.toml")).unwrap();
        assert_eq!(cfg.classes.len(), 2);
        Acl::load(&dir.path().join("acl.txt")).unwrap();
    }
}
