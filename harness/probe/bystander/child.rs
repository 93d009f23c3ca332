//! A bystander that is another program: its stdout lines become [`AppEvent`]s through the
//! implementation's parser, its stderr lines are kept as notes, and the end of its output is
//! its exit. Plain threads rather than tokio's process support: the lines are few and the
//! times are taken when each line is read.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{AppEvent, AppLog, Session, push};

/// Starts `cmd` with piped output; `parse` turns one stdout line (raw bytes, without the
/// newline) into an event, or None for lines that say nothing the probe needs.
pub fn spawn_child(
    mut cmd: Command,
    parse: fn(&[u8]) -> Option<AppEvent>,
) -> Result<Session, String> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {program}: {e}"))?;
    let log: AppLog = Arc::default();
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let child = Arc::new(Mutex::new(child));
    if let Some(err) = stderr {
        let log = log.clone();
        std::thread::spawn(move || {
            for_lines(err, |line| {
                let text = String::from_utf8_lossy(line).trim().to_owned();
                if !text.is_empty() {
                    push(&log, AppEvent::Said(text));
                }
            })
        });
    }
    if let Some(out) = stdout {
        let log = log.clone();
        let child = child.clone();
        std::thread::spawn(move || {
            for_lines(out, |line| {
                if let Some(e) = parse(line) {
                    push(&log, e);
                }
            });
            // Output ended: the program exited (or closed stdout, which these do not).
            let at = Instant::now();
            let why = exit_status(&child).unwrap_or_else(|| "output ended".into());
            lock(&log).push((at, AppEvent::Exited { why }));
        });
    }
    let stopper = child.clone();
    Ok(Session::new(log, move || {
        let mut c = stopper.lock().unwrap_or_else(|e| e.into_inner());
        let _ = c.kill();
        let _ = c.wait();
    }))
}

fn lock(l: &AppLog) -> std::sync::MutexGuard<'_, Vec<(Instant, AppEvent)>> {
    l.lock().unwrap_or_else(|e| e.into_inner())
}

/// The exit status, waiting briefly for the process to be reaped after its output ended.
fn exit_status(child: &Mutex<Child>) -> Option<String> {
    let end = Instant::now() + Duration::from_secs(1);
    while Instant::now() < end {
        let status = child
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .try_wait()
            .ok()
            .flatten();
        if let Some(s) = status {
            return Some(format!("exited, {s}"));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    None
}

fn for_lines(r: impl Read, mut f: impl FnMut(&[u8])) {
    let mut r = BufReader::new(r);
    let mut line = Vec::new();
    loop {
        line.clear();
        match r.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                while matches!(line.last(), Some(b'\n' | b'\r')) {
                    line.pop();
                }
                f(&line);
            }
        }
    }
}
