//! paho-mqtt (Python), through `paho.py` run by `python3 -c`: an ordinary application that
//! reads `msg.topic` in `on_message`. paho (1.5 to 2.2) hands over a message whose topic is
//! not UTF-8 and raises only when the topic is read, which ends the application; NUL and
//! non-characters decode fine in Python, so paho does not refuse them.

use std::process::Command;

use super::{AppEvent, Implementation, Session, Start, spawn_child};

/// The script travels inside the binary, so `probe` needs no checkout.
const SCRIPT: &str = include_str!("paho.py");
const PYTHON: &str = "python3";

pub struct Paho;

impl Implementation for Paho {
    fn name(&self) -> &'static str {
        "paho"
    }

    fn detect(&self) -> Result<String, String> {
        let out = Command::new(PYTHON)
            .args([
                "-c",
                "import sys, paho.mqtt; print(paho.mqtt.__version__, sys.version.split()[0])",
            ])
            .output()
            .map_err(|_| format!("{PYTHON} is not installed"))?;
        if !out.status.success() {
            return Err(format!("{PYTHON} has no paho-mqtt (pip install paho-mqtt)"));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let mut w = text.split_whitespace();
        match (w.next(), w.next()) {
            (Some(paho), Some(py)) => Ok(format!("paho-mqtt {paho} (Python {py})")),
            _ => Err(format!("{PYTHON} did not say which paho-mqtt it has")),
        }
    }

    fn start(&self, s: &Start) -> Result<Session, String> {
        let mut cmd = Command::new(PYTHON);
        cmd.args(["-c", SCRIPT])
            .arg(s.addr.ip().to_string())
            .arg(s.addr.port().to_string())
            .args([s.client_id, s.filter]);
        spawn_child(cmd, parse)
    }
}

fn parse(line: &[u8]) -> Option<AppEvent> {
    let text = String::from_utf8_lossy(line);
    let (word, rest) = text.split_once(' ').unwrap_or((&text, ""));
    match word {
        "subscribed" => Some(AppEvent::Subscribed),
        "connected" => Some(AppEvent::Connected),
        "message" => Some(AppEvent::Message {
            topic: unhex(rest)?,
        }),
        "disconnected" => Some(AppEvent::Said(format!("on_disconnect: {rest}"))),
        "crashed" => Some(AppEvent::Said(format!("on_message raised {rest}"))),
        _ => None,
    }
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_scripts_events() {
        assert_eq!(parse(b"subscribed"), Some(AppEvent::Subscribed));
        assert_eq!(
            parse(b"message 612f00"),
            Some(AppEvent::Message {
                topic: b"a/\x00".to_vec()
            })
        );
        assert_eq!(parse(b"message 6"), None);
        assert!(matches!(
            parse(b"crashed UnicodeDecodeError: 'utf-8' codec can't decode byte 0xed"),
            Some(AppEvent::Said(s)) if s.contains("UnicodeDecodeError")
        ));
    }
}
