//! A real Mosquitto for a test, set up like `scripts/mosquitto.sh` (and seed 003's Pi): a
//! password file, `allow_anonymous false`, a plain and a TLS listener (private CA from
//! rcgen, SANs localhost and 127.0.0.1) on free loopback ports of its own. Killed on drop.
//!
//! When mosquitto is not installed, [`Mosquitto::start`] prints a note and returns None so the
//! test can skip, unless `MCB_REQUIRE_MOSQUITTO` is set (CI), where it panics instead.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mqtt_cipher_bench::broker::certs;

pub struct Mosquitto {
    child: Child,
    bin: PathBuf,
    conf: PathBuf,
    pub dir: tempfile::TempDir,
    pub plain: u16,
    pub tls: u16,
    pub ws: u16,
    pub wss: u16,
    pub ca: PathBuf,
    pub user: String,
    pub password: String,
    /// A file holding the password (for scenarios with `password_file`).
    pub password_file: PathBuf,
    pub log: PathBuf,
}

/// The mosquitto binary: on PATH, or in /usr/sbin (Debian puts it there, off a user's PATH).
fn mosquitto_bin() -> Option<PathBuf> {
    let on_path = Command::new("mosquitto")
        .arg("-h")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if on_path {
        return Some(PathBuf::from("mosquitto"));
    }
    ["/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

pub fn tool_exists(name: &str) -> bool {
    Command::new(name)
        .arg("--help")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn skip_or_fail(what: &str) -> Option<Mosquitto> {
    if std::env::var_os("MCB_REQUIRE_MOSQUITTO").is_some() {
        panic!(
            "{what}, and MCB_REQUIRE_MOSQUITTO is set (apt-get install mosquitto mosquitto-clients)"
        );
    }
    eprintln!("note: skipping: {what} (apt-get install mosquitto mosquitto-clients to run it)");
    None
}

impl Mosquitto {
    pub fn start() -> Option<Mosquitto> {
        Self::start_with("")
    }

    /// Like [`Mosquitto::start`], with `extra` (global options such as `max_packet_size 2048`)
    /// added to the configuration before the listeners.
    pub fn start_with(extra: &str) -> Option<Mosquitto> {
        let Some(bin) = mosquitto_bin() else {
            return skip_or_fail("mosquitto is not installed");
        };
        if !tool_exists("mosquitto_passwd") {
            return skip_or_fail("mosquitto_passwd is not installed");
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let files = certs::generate(dir.path(), &["localhost", "127.0.0.1"]).expect("test certs");
        let user = "bench".to_owned();
        let mut raw = [0u8; 12];
        getrandom::fill(&mut raw).expect("randomness");
        let password: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        let password_file = dir.path().join("password");
        std::fs::write(&password_file, format!("{password}\n")).expect("write password");
        let passwd = dir.path().join("passwd");
        std::fs::write(&passwd, "").expect("write passwd");
        // The password goes in on stdin (twice: entry and confirmation), never in argv.
        let mut child = Command::new("mosquitto_passwd")
            .arg(&passwd)
            .arg(&user)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("run mosquitto_passwd");
        if let Some(mut stdin) = child.stdin.take() {
            write!(stdin, "{password}\n{password}\n").expect("feed mosquitto_passwd");
        }
        assert!(
            child.wait().expect("mosquitto_passwd").success(),
            "mosquitto_passwd failed"
        );

        let (plain, tls, ws, wss) = (free_port(), free_port(), free_port(), free_port());
        let log = dir.path().join("mosquitto.log");
        // Started as root, mosquitto switches to user "mosquitto", which cannot read the
        // private temp folder: run it as whoever runs the tests.
        let user_line = Command::new("id")
            .arg("-un")
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .filter(|u| !u.is_empty())
            .map(|u| format!("user {u}\n"))
            .unwrap_or_default();
        let conf = format!(
            "per_listener_settings false\nallow_anonymous false\npassword_file {passwd}\n\
             log_dest file {log}\nlog_type all\n{user_line}max_inflight_messages 0\n\
             max_queued_messages 100000\n{extra}\n\
             listener {plain} 127.0.0.1\n\
             listener {tls} 127.0.0.1\ncafile {ca}\ncertfile {cert}\nkeyfile {key}\n\
             listener {ws} 127.0.0.1\nprotocol websockets\n\
             listener {wss} 127.0.0.1\nprotocol websockets\ncafile {ca}\ncertfile {cert}\nkeyfile {key}\n",
            passwd = passwd.display(),
            log = log.display(),
            ca = files.ca.display(),
            cert = files.cert.display(),
            key = files.key.display(),
        );
        let conf_path = dir.path().join("mosquitto.conf");
        std::fs::write(&conf_path, conf).expect("write mosquitto.conf");
        let child = spawn(&bin, &conf_path);
        let m = Mosquitto {
            child,
            bin,
            conf: conf_path,
            dir,
            plain,
            tls,
            ws,
            wss,
            ca: files.ca,
            user,
            password,
            password_file,
            log,
        };
        m.wait_listening();
        Some(m)
    }

    /// Kills the broker (SIGKILL: a crash, not a clean shutdown) and waits until it is gone.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Freezes (SIGSTOP) or thaws (SIGCONT) the broker: connections stay open, nothing is
    /// read or answered meanwhile, as with a broker stuck on a full disk or a hung host.
    pub fn freeze(&self, frozen: bool) {
        let sig = if frozen { libc::SIGSTOP } else { libc::SIGCONT };
        // SAFETY: kill(2) with a pid this helper spawned and owns; no memory is involved.
        let rc = unsafe { libc::kill(self.child.id() as libc::pid_t, sig) };
        assert_eq!(rc, 0, "signal mosquitto");
    }

    /// Stops the broker the way an operator or init system does (SIGTERM): Mosquitto closes
    /// its connections and, with `persistence true`, saves its sessions and queued messages
    /// before it exits. Waits until it has.
    pub fn terminate(&mut self) {
        // SAFETY: kill(2) with a pid this helper spawned and owns; no memory is involved.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        let _ = self.child.wait();
    }

    /// Starts the broker after [`Mosquitto::terminate`] or [`Mosquitto::kill`], with the same
    /// configuration, ports and persistence file.
    pub fn start_again(&mut self) {
        self.child = spawn(&self.bin, &self.conf);
        self.wait_listening();
    }

    /// Starts the broker again with the same configuration and ports.
    pub fn restart(&mut self) {
        self.kill();
        self.child = spawn(&self.bin, &self.conf);
        self.wait_listening();
    }

    fn wait_listening(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        for port in [self.plain, self.tls, self.ws, self.wss] {
            while TcpStream::connect(("127.0.0.1", port)).is_err() {
                assert!(
                    Instant::now() < deadline,
                    "mosquitto not listening on {port}; log: {}",
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The `[broker]` table of a scenario for this broker (plain url, TLS url, CA, user and
    /// the password file).
    pub fn broker_toml(&self) -> String {
        format!(
            "[broker]\nurl = \"mqtt://127.0.0.1:{}\"\ntls_url = \"mqtts://localhost:{}\"\nws_url = \"ws://127.0.0.1:{}/mqtt\"\nwss_url = \"wss://localhost:{}/mqtt\"\nca = {}\nusername = \"{}\"\npassword_file = {}\n",
            self.plain,
            self.tls,
            self.ws,
            self.wss,
            toml_path(&self.ca),
            self.user,
            toml_path(&self.password_file)
        )
    }

    /// How many connections mosquitto refused for bad credentials (from its log).
    pub fn refusals_seen(&self) -> usize {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .matches("disconnected, not authorised")
            .count()
    }
}

fn spawn(bin: &Path, conf: &Path) -> Child {
    Command::new(bin)
        .arg("-c")
        .arg(conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start mosquitto")
}

pub fn toml_path(p: &Path) -> String {
    toml::Value::from(p.display().to_string()).to_string()
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        // SAFETY: as in `freeze`; a stopped process must be woken to die promptly.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGCONT) };
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// True (after a note) when `mosquitto_sub`, which watches for the run's first message, is
/// not installed; a failure instead when MCB_REQUIRE_MOSQUITTO is set.
pub fn observer_missing() -> bool {
    if tool_exists("mosquitto_sub") {
        return false;
    }
    assert!(
        std::env::var_os("MCB_REQUIRE_MOSQUITTO").is_none(),
        "mosquitto_sub is not installed and MCB_REQUIRE_MOSQUITTO is set"
    );
    eprintln!("note: skipping: mosquitto_sub is not installed");
    true
}

/// Waits (up to 60 s) until `mosquitto_sub` sees a message of a run on `m`: the case is then
/// surely publishing, however long its set-up took on this machine.
pub async fn first_message_seen(m: &Mosquitto) -> bool {
    let (port, user, password) = (m.plain, m.user.clone(), m.password.clone());
    tokio::task::spawn_blocking(move || {
        let status = Command::new("mosquitto_sub")
            .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-u", &user])
            .args(["-P", &password, "-t", "mcb/#", "-C", "1", "-W", "60"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        status.map(|s| s.success()).unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}
