//! TCP_NODELAY for sockets the embedded rumqttd owns.
//!
//! rumqttd never disables Nagle on its sockets and has no option to. At QoS 0 (subscribers
//! send nothing back) it writes a PUBLISH in more than one write, so the tail waits for the
//! subscriber's delayed ACK: measured 18–19 ms p50 and ~42 ms p99 end-to-end latency at
//! 512 B–2 KiB through the embedded broker, against 0.2 ms at 64 B and through Mosquitto.
//! That is the broker under test's artefact, not the cipher's, so the embedded broker is
//! made to behave like a tuned one. The broker runs in this process: its listening sockets
//! are found by local port in /proc/self/fd, and Linux copies TCP_NODELAY from a listener to
//! every socket it accepts, so one call after start-up covers every later connection.

/// Sets TCP_NODELAY on every socket of this process bound locally to one of `ports`
/// (listeners and connections they accepted; clients have ephemeral local ports). Returns
/// how many sockets were changed.
#[cfg(target_os = "linux")]
pub fn disable_on_ports(ports: &[u16]) -> usize {
    let Ok(dir) = std::fs::read_dir("/proc/self/fd") else {
        return 0;
    };
    let mut changed = 0;
    for entry in dir.flatten() {
        let Some(fd) = entry.file_name().to_str().and_then(|s| s.parse().ok()) else {
            continue;
        };
        let is_socket = std::fs::read_link(entry.path())
            .is_ok_and(|t| t.to_string_lossy().starts_with("socket:"));
        if is_socket && local_port(fd).is_some_and(|p| ports.contains(&p)) && set_nodelay(fd) {
            changed += 1;
        }
    }
    changed
}

#[cfg(not(target_os = "linux"))]
pub fn disable_on_ports(_ports: &[u16]) -> usize {
    0
}

#[cfg(target_os = "linux")]
fn local_port(fd: libc::c_int) -> Option<u16> {
    // SAFETY: getsockname writes at most `len` bytes into `addr`, a zeroed sockaddr_storage
    // (large enough for any address family); a closed or non-socket fd just returns -1.
    let mut addr: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    let rc = unsafe { libc::getsockname(fd, (&raw mut addr).cast(), &mut len) };
    if rc != 0 {
        return None;
    }
    match libc::c_int::from(addr.ss_family) {
        // SAFETY: the family says which sockaddr the storage holds.
        libc::AF_INET => {
            let a: &libc::sockaddr_in = unsafe { &*(&raw const addr).cast() };
            Some(u16::from_be(a.sin_port))
        }
        libc::AF_INET6 => {
            let a: &libc::sockaddr_in6 = unsafe { &*(&raw const addr).cast() };
            Some(u16::from_be(a.sin6_port))
        }
        _ => None,
    }
}

#[cfg(target_os = "linux")]
fn set_nodelay(fd: libc::c_int) -> bool {
    let one: libc::c_int = 1;
    // SAFETY: a plain setsockopt with a c_int option value of the size given.
    unsafe {
        libc::setsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_NODELAY,
            (&raw const one).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        ) == 0
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::net::{TcpListener, TcpStream};

    #[test]
    fn listener_and_accepted_sockets_get_nodelay() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let before = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        let (early, _) = listener.accept().expect("accept");
        assert!(
            !early.nodelay().expect("getsockopt"),
            "Nagle is on by default"
        );

        // The listener and the connection it already accepted; not the client side.
        assert_eq!(super::disable_on_ports(&[port]), 2);
        assert!(early.nodelay().expect("getsockopt"));
        assert!(
            !before.nodelay().expect("getsockopt"),
            "client sockets are left alone"
        );

        // Later connections inherit it from the listener.
        let _after = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        let (late, _) = listener.accept().expect("accept");
        assert!(late.nodelay().expect("getsockopt"));
    }
}
