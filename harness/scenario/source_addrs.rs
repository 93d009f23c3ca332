//! `load.source_addrs`: the local addresses the clients connect from, in turn. One source
//! address gives a broker address about 28,000 ephemeral ports (Linux's default
//! `ip_local_port_range`); spreading the clients over several (loopback 127.0.0.x, or the
//! host's own addresses) lifts that limit, as emqtt-bench's `--ifaddr` does.
//!
//! Each address is checked here by binding a TCP socket to it (port 0), so an address this
//! host does not have is refused before any case runs, with the field and what would work.

use std::net::{IpAddr, TcpListener};
use std::ops::Range;

use toml::Spanned;

use super::At;
use super::error::ScenarioError;

const FIELD: &str = "load.source_addrs";

/// The addresses, in order; empty when the field is absent.
pub(super) fn resolve(
    field: Option<&Spanned<Vec<Spanned<String>>>>,
    at: &At,
) -> Result<Vec<IpAddr>, ScenarioError> {
    let Some(list) = field else {
        return Ok(Vec::new());
    };
    if list.get_ref().is_empty() {
        return Err(at(
            list.span(),
            FIELD,
            "expected at least one local IP address (e.g. [\"127.0.0.2\", \"127.0.0.3\"]), \
             or leave the field out to let the kernel choose"
                .into(),
        ));
    }
    let mut out: Vec<IpAddr> = Vec::new();
    for (i, a) in list.get_ref().iter().enumerate() {
        let ip = parse(a.get_ref(), a.span(), i, at)?;
        if out.contains(&ip) {
            return Err(at(
                a.span(),
                FIELD,
                format!("{ip} is listed twice; each address once"),
            ));
        }
        out.push(ip);
    }
    Ok(out)
}

fn parse(text: &str, span: Range<usize>, i: usize, at: &At) -> Result<IpAddr, ScenarioError> {
    let field = format!("{FIELD}[{i}]");
    let ip: IpAddr = text.trim().parse().map_err(|_| {
        at(
            span.clone(),
            &field,
            format!("expected an IP address of this host (e.g. \"127.0.0.2\"), got \"{text}\""),
        )
    })?;
    if ip.is_unspecified() || ip.is_multicast() {
        return Err(at(
            span,
            &field,
            format!("{ip} cannot be a source address; give one of this host's addresses"),
        ));
    }
    TcpListener::bind((ip, 0)).map_err(|e| {
        at(
            span,
            &field,
            format!(
                "{ip} cannot be bound here ({e}); use a loopback address (127.0.0.1 to \
                 127.255.255.254) or one this host has (`ip -brief address`)"
            ),
        )
    })?;
    Ok(ip)
}
