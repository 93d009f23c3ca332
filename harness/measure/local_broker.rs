//! Finding the process of a broker that runs on this host, so its CPU over a case's measured
//! window can be read as the embedded broker's is (`cpu.threads.broker_us_per_msg`). Only a
//! loopback broker address counts as this host: a broker reached at any other address may be
//! another machine that happens to use a port some local process also listens on.

use std::net::IpAddr;

/// A broker process on this host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalBroker {
    pub pid: u32,
    /// Its name as the kernel has it (/proc/<pid>/comm, at most 15 bytes), e.g. `mosquitto`.
    pub name: String,
}

/// Processes that listen for another: a broker in a container or behind a tunnel is reached
/// through them, and their CPU is the forwarding's, not the broker's.
const FORWARDERS: &[&str] = &[
    "docker-proxy",
    "rootlessport",
    "slirp4netns",
    "pasta",
    "ssh",
    "sshd",
    "socat",
    "kubectl",
];

/// The broker behind a loopback `host:port`: the process listening there, unless it is a
/// forwarder (see [`FORWARDERS`]); `None` as for [`listening_pid`].
pub fn find(host: &str, port: u16) -> Option<LocalBroker> {
    let pid = listening_pid(host, port)?;
    let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    let name = name.trim_end().to_owned();
    (!FORWARDERS.contains(&name.as_str())).then_some(LocalBroker { pid, name })
}

/// The process listening on TCP `port` when `host` is a loopback address (`localhost`,
/// 127.0.0.0/8, ::1); `None` when the host is not loopback, nothing local listens there, or
/// the socket's owner cannot be seen (another user's process without the rights to read it).
pub fn listening_pid(host: &str, port: u16) -> Option<u32> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if !loopback {
        return None;
    }
    let inodes: Vec<u64> = ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .flat_map(|table| listening_inodes(&table, port))
        .collect();
    if inodes.is_empty() {
        return None;
    }
    owner_of(&inodes)
}

/// Inodes of the sockets in a /proc/net/tcp table that listen (state 0A) on `port`.
fn listening_inodes(table: &str, port: u16) -> Vec<u64> {
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
            let f: Vec<&str> = line.split_whitespace().collect();
            let local_port = f.get(1)?.rsplit(':').next()?;
            let listening = *f.get(3)? == "0A";
            (listening && u16::from_str_radix(local_port, 16).ok()? == port)
                .then(|| f.get(9)?.parse().ok())
                .flatten()
        })
        .collect()
}

/// The first process with one of `inodes` among its open descriptors.
fn owner_of(inodes: &[u64]) -> Option<u32> {
    let wanted: Vec<String> = inodes.iter().map(|i| format!("socket:[{i}]")).collect();
    std::fs::read_dir("/proc").ok()?.find_map(|e| {
        let e = e.ok()?;
        let pid: u32 = e.file_name().to_str()?.parse().ok()?;
        let fds = std::fs::read_dir(e.path().join("fd")).ok()?;
        fds.filter_map(Result::ok)
            .any(|fd| {
                std::fs::read_link(fd.path())
                    .is_ok_and(|l| wanted.iter().any(|w| l.as_os_str() == w.as_str()))
            })
            .then_some(pid)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn a_loopback_listener_is_found_and_its_cpu_read() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        assert_eq!(listening_pid("127.0.0.1", port), Some(std::process::id()));
        assert_eq!(listening_pid("localhost", port), Some(std::process::id()));
        let me = find("127.0.0.1", port).expect("found");
        assert_eq!(me.pid, std::process::id());
        let comm = std::fs::read_to_string("/proc/self/comm").unwrap();
        assert_eq!(me.name, comm.trim_end(), "named as the kernel names it");
        let cpu = crate::measure::cpu::process_cpu_ns(std::process::id());
        assert!(cpu.is_some_and(|ns| ns > 0), "{cpu:?}");
        drop(l);
        assert_eq!(
            listening_pid("127.0.0.1", port),
            None,
            "nothing listens any more"
        );
    }

    #[test]
    fn a_broker_at_another_address_is_not_looked_for() {
        let l = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
        let port = l.local_addr().unwrap().port();
        // Listening on every address, yet a broker named by a routable address may be
        // another machine: not this process.
        assert_eq!(listening_pid("192.0.2.7", port), None);
        assert_eq!(listening_pid("broker.example", port), None);
    }

    #[test]
    fn the_table_is_read_by_state_and_port() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
                     0: 0100007F:075B 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0\n\
                     1: 0100007F:075B 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 4343 1 0\n\
                     2: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4444 1 0\n";
        assert_eq!(listening_inodes(table, 1883), vec![4242]);
        assert_eq!(listening_inodes(table, 8080), vec![4444]);
        assert!(listening_inodes(table, 1884).is_empty());
    }
}
