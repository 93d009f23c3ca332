//! libmosquitto, through `mosquitto_sub -d`. libmosquitto validates every topic it receives
//! (UTF-8, and no control characters or non-characters) and, on one it refuses, closes its
//! connection without printing anything, then reconnects a second later; the tap shows both.

use std::process::Command;

use super::{AppEvent, Implementation, Session, Start, spawn_child};

pub struct MosquittoSub;

/// Marks mosquitto_sub's own line for each message it accepted (`-F`; `%t` is the topic).
const MESSAGE: &[u8] = b"MCB-MESSAGE ";

impl Implementation for MosquittoSub {
    fn name(&self) -> &'static str {
        "libmosquitto"
    }

    fn detect(&self) -> Result<String, String> {
        let out = Command::new("mosquitto_sub")
            .arg("--help")
            .output()
            .map_err(|_| "mosquitto_sub is not installed (apt-get install mosquitto-clients)")?;
        // "mosquitto_sub version 2.0.11 running on libmosquitto 2.0.11."
        let text = String::from_utf8_lossy(&out.stdout);
        let lib = text
            .split("running on libmosquitto ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .map(|v| v.trim_end_matches('.'))
            .ok_or("mosquitto_sub --help did not say which libmosquitto it runs on")?;
        Ok(format!("libmosquitto {lib} (mosquitto_sub)"))
    }

    fn start(&self, s: &Start) -> Result<Session, String> {
        let mut cmd = Command::new("mosquitto_sub");
        cmd.args(["-h", &s.addr.ip().to_string()])
            .args(["-p", &s.addr.port().to_string()])
            .args(["-i", s.client_id, "-t", s.filter, "-q", "0", "-k", "30"])
            .args(["-V", "mqttv311", "-d"])
            .args(["-F", "MCB-MESSAGE %t"]);
        spawn_child(cmd, parse)
    }
}

fn parse(line: &[u8]) -> Option<AppEvent> {
    if let Some(topic) = line.strip_prefix(MESSAGE) {
        return Some(AppEvent::Message {
            topic: topic.to_vec(),
        });
    }
    let text = String::from_utf8_lossy(line);
    // -d lines: "Client ID received CONNACK (0)", "Client ID received SUBACK", ...
    if text.contains(" received CONNACK (0)") {
        Some(AppEvent::Connected)
    } else if text.contains(" received CONNACK") {
        Some(AppEvent::Said(text.into_owned()))
    } else if text.contains(" received SUBACK") {
        Some(AppEvent::Subscribed)
    } else if text.contains(" sending DISCONNECT") || text.starts_with("Error") {
        Some(AppEvent::Said(text.into_owned()))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_mosquitto_sub_debug_lines() {
        assert_eq!(
            parse(b"Client mcb-1 received CONNACK (0)"),
            Some(AppEvent::Connected)
        );
        assert_eq!(
            parse(b"Client mcb-1 received SUBACK"),
            Some(AppEvent::Subscribed)
        );
        assert_eq!(
            parse(b"MCB-MESSAGE a/b\x00"),
            Some(AppEvent::Message {
                topic: b"a/b\x00".to_vec()
            })
        );
        assert_eq!(
            parse(b"Client mcb-1 received PUBLISH (d0, q0, r0, m0, 'a/ok', ... (2 bytes))"),
            None
        );
    }
}
