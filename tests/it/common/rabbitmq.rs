//! A real RabbitMQ with its MQTT plugin for a test: a broker that supports QoS 0 and 1 only
//! (3.x), so it grants QoS 1 to a QoS 2 SUBSCRIBE and answers QoS 2 publishes with PUBACK.
//!
//! Started like Debian's service would, but as a node of its own: its own name, config,
//! data, log and plugin files in a temp folder, the MQTT listener and the Erlang distribution
//! on free loopback ports, no AMQP listener, so it clashes with neither a system RabbitMQ nor
//! a parallel test. Killed (its whole process group) on drop. Startup takes ~10 s: start one
//! per test file and run every case against it.
//!
//! When RabbitMQ is not installed, [`RabbitMq::start`] prints a note and returns None so the
//! test can skip, unless `MCB_REQUIRE_MOSQUITTO` is set (CI: it requires every real broker),
//! where it panics instead.

use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::mosquitto::free_port;

pub struct RabbitMq {
    child: Child,
    pub dir: tempfile::TempDir,
    /// The MQTT listener (127.0.0.1).
    pub port: u16,
    pub log: PathBuf,
}

/// The server script that runs the node as the calling user (Debian's /usr/sbin wrapper
/// switches to the rabbitmq user, which cannot read a private temp folder).
fn server_bin() -> Option<PathBuf> {
    ["/usr/lib/rabbitmq/bin/rabbitmq-server"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

const STARTUP: Duration = Duration::from_secs(90);

impl RabbitMq {
    pub fn start() -> Option<RabbitMq> {
        let Some(bin) = server_bin() else {
            let what = "rabbitmq-server is not installed";
            if std::env::var_os("MCB_REQUIRE_MOSQUITTO").is_some() {
                panic!(
                    "{what}, and MCB_REQUIRE_MOSQUITTO is set (apt-get install rabbitmq-server)"
                );
            }
            eprintln!("note: skipping: {what} (apt-get install rabbitmq-server to run it)");
            return None;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let dist = free_port();
        let conf = dir.path().join("rabbitmq.conf");
        std::fs::write(
            &conf,
            format!(
                "listeners.tcp = none\nmqtt.listeners.tcp.default = 127.0.0.1:{port}\n\
                 mqtt.allow_anonymous = true\n"
            ),
        )
        .expect("write rabbitmq.conf");
        let plugins = dir.path().join("enabled_plugins");
        std::fs::write(&plugins, "[rabbitmq_mqtt].\n").expect("write enabled_plugins");
        let log = dir.path().join("rabbit.log");
        let log_file = std::fs::File::create(&log).expect("create the log");
        let node = format!("mcb{}x{port}@localhost", std::process::id());
        let child = Command::new(&bin)
            // The Erlang cookie goes into $HOME: keep it in the test's folder.
            .env("HOME", dir.path())
            .env("RABBITMQ_NODENAME", &node)
            .env("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1")
            .env("RABBITMQ_DIST_PORT", dist.to_string())
            .env("RABBITMQ_CONFIG_FILE", &conf)
            .env("RABBITMQ_ENABLED_PLUGINS_FILE", &plugins)
            .env("RABBITMQ_MNESIA_BASE", dir.path().join("mnesia"))
            .env("RABBITMQ_LOG_BASE", dir.path().join("log"))
            .env("RABBITMQ_PLUGINS_EXPAND_DIR", dir.path().join("plugins"))
            .env("RABBITMQ_LOGS", "-")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("log handle"))
            .stderr(log_file)
            // Its own process group: the script, beam and its helpers die together on drop.
            .process_group(0)
            .spawn()
            .expect("start rabbitmq-server");
        let r = RabbitMq {
            child,
            dir,
            port,
            log,
        };
        r.wait_listening();
        Some(r)
    }

    fn wait_listening(&self) {
        let deadline = Instant::now() + STARTUP;
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "RabbitMQ not listening on {} after {} s; log: {}",
                self.port,
                STARTUP.as_secs(),
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The `[broker]` table of a scenario for this broker (anonymous, plain TCP, MQTT 3.1.1:
    /// RabbitMQ 3.x's plugin does not speak MQTT 5).
    pub fn broker_toml(&self) -> String {
        format!("[broker]\nurl = \"mqtt://127.0.0.1:{}\"\n", self.port)
    }
}

impl Drop for RabbitMq {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the process group this helper created (its leader is the child
        // it spawned); no memory is involved.
        unsafe { libc::kill(-(self.child.id() as libc::pid_t), libc::SIGKILL) };
        let _ = self.child.wait();
    }
}
