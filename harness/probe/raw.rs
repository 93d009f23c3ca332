//! The probe's own raw MQTT 3.1.1 connections (no client library between it and the broker):
//! CONNECT and its CONNACK, and the liveness check made after each probe.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::wire::{self, Incoming};

/// A fresh, valid MQTT connection; Ok when the broker answers CONNACK 0 within `wait`.
pub(super) async fn mqtt_alive(addr: SocketAddr, id: &str, wait: Duration) -> Result<(), String> {
    let mut s = tokio::time::timeout(wait, TcpStream::connect(addr))
        .await
        .map_err(|_| "TCP connect timed out".to_string())?
        .map_err(|e| format!("TCP connect: {e}"))?;
    connect_raw(&mut s, id, wait).await?;
    let _ = s.write_all(&[0xE0, 0x00]).await; // DISCONNECT, politely
    Ok(())
}

/// CONNECT on `s`; Ok when the broker answers CONNACK 0 within `wait`.
pub(super) async fn connect_raw(s: &mut TcpStream, id: &str, wait: Duration) -> Result<(), String> {
    let p = wire::connect(&wire::Connect {
        client_id: id.as_bytes(),
        ..Default::default()
    });
    s.write_all(&p)
        .await
        .map_err(|e| format!("send CONNECT: {e}"))?;
    let t = Instant::now();
    let mut seen = Vec::new();
    let end = wire::read_until(s, t, t + wait, &mut seen, |s| {
        s.iter().any(|p| matches!(p, Incoming::ConnAck { .. }))
    })
    .await;
    match seen.first() {
        Some(Incoming::ConnAck { code: 0 }) => Ok(()),
        Some(p) => Err(format!("answered {}", p.describe())),
        None => Err(format!("no CONNACK ({end:?})")),
    }
}
