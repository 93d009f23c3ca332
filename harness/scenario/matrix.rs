//! Expands the matrix axes into the list of cases (their cross product, in a stable order).

use crate::crypto::mac::MacAlg;
use crate::crypto::signature::SigAlg;
use crate::crypto::{Provider, Suite};

use super::schema::{Protocol, Session, Transport};
use crate::load::threads::Threads;

/// One point of the matrix: everything that varies between cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Case {
    /// Position in the run, from 0.
    pub index: usize,
    pub qos: u8,
    pub size: usize,
    pub suite: Suite,
    pub mac: MacAlg,
    pub signature: SigAlg,
    pub transport: Transport,
    pub protocol: Protocol,
    /// What the broker keeps of a client between connections.
    pub session: Session,
    /// The `provider` axis value; None when the scenario has no provider axis (each part on
    /// its default provider).
    pub provider: Option<Provider>,
    /// The `[link] faults` axis value; None without one.
    pub fault: Option<FaultRef>,
    /// The `threads` axis value; None without one (the case runs on `load.threads`).
    pub threads: Option<Threads>,
}

impl Case {
    /// A stable id such as `aes-128-gcm/q1/64B/tcp` (`+hmac-sha256`, `+ed25519` when present,
    /// `/v5` for MQTT 5, `/persistent` for a persistent session, `/aws-lc` for a provider
    /// axis value, `/fault-reset` for a fault, `/threads-1` for a threads axis value: ids of
    /// cases without those axes
    /// stay as they were before them).
    pub fn id(&self) -> String {
        let mut id = self.suite.name().to_owned();
        if self.mac != MacAlg::None {
            id.push('+');
            id.push_str(self.mac.name());
        }
        if self.signature != SigAlg::None {
            id.push('+');
            id.push_str(self.signature.name());
        }
        let v5 = if self.protocol == Protocol::V5 {
            "/v5"
        } else {
            ""
        };
        let session = if self.session == Session::Persistent {
            "/persistent"
        } else {
            ""
        };
        let provider = self
            .provider
            .map(|p| format!("/{}", p.name()))
            .unwrap_or_default();
        let fault = self
            .fault
            .map(|f| format!("/fault-{}", f.name()))
            .unwrap_or_default();
        let threads = self
            .threads
            .map(|t| format!("/threads-{t}"))
            .unwrap_or_default();
        format!(
            "{id}/q{}/{}B/{}{v5}{session}{provider}{fault}{threads}",
            self.qos,
            self.size,
            self.transport.name()
        )
    }
}

/// The axes after validation.
#[derive(Debug, Clone)]
pub struct Axes {
    pub qos: Vec<u8>,
    pub size: Vec<usize>,
    pub suite: Vec<Suite>,
    pub mac: Vec<MacAlg>,
    pub signature: Vec<SigAlg>,
    pub transport: Vec<Transport>,
    pub protocol: Vec<Protocol>,
    pub session: Vec<Session>,
    /// `[None]` without a provider axis.
    pub provider: Vec<Option<Provider>>,
    /// `[None]` without a threads axis.
    pub threads: Vec<Option<Threads>>,
    /// Drop the cases that add a MAC to a suite that needs none: AEADs and hybrids (which
    /// authenticate already) and `none` (so `mac = ["none", "hmac-sha256"]` adds exactly the
    /// encrypt-then-MAC variants of the unauthenticated block suites).
    pub mac_only_where_needed: bool,
}

/// Cross product, suite-major so one suite's cases sit together in tables; duplicates in an
/// axis are dropped (first occurrence wins), and so are the combinations a suite cannot make
/// (s-mqtt with a MAC or a signature).
pub fn expand(axes: &Axes) -> Vec<Case> {
    let mut cases = Vec::new();
    for (protocol, transport) in dedup(&axes.protocol)
        .into_iter()
        .flat_map(|p| dedup(&axes.transport).into_iter().map(move |t| (p, t)))
    {
        for (suite, provider) in dedup(&axes.suite)
            .into_iter()
            .flat_map(|s| dedup(&axes.provider).into_iter().map(move |p| (s, p)))
        {
            for &mac in &dedup(&axes.mac) {
                if axes.mac_only_where_needed
                    && mac != MacAlg::None
                    && (suite.authenticated() || suite.id() == 0)
                {
                    continue;
                }
                for &signature in &dedup(&axes.signature) {
                    // s-mqtt takes no MAC and no signature (Suite::incompatibility); the
                    // scenario check refuses a matrix that leaves it no case at all.
                    if suite
                        .incompatibility(mac.name(), signature.name())
                        .is_some()
                    {
                        continue;
                    }
                    for (session, qos) in dedup(&axes.session)
                        .into_iter()
                        .flat_map(|s| dedup(&axes.qos).into_iter().map(move |q| (s, q)))
                    {
                        for (size, threads) in dedup(&axes.size)
                            .into_iter()
                            .flat_map(|z| dedup(&axes.threads).into_iter().map(move |t| (z, t)))
                        {
                            cases.push(Case {
                                index: cases.len(),
                                qos,
                                size,
                                suite,
                                mac,
                                signature,
                                transport,
                                protocol,
                                session,
                                provider,
                                fault: None,
                                threads,
                            });
                        }
                    }
                }
            }
        }
    }
    cases
}

fn dedup<T: PartialEq + Copy>(v: &[T]) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(v.len());
    for x in v {
        if !out.contains(x) {
            out.push(*x);
        }
    }
    out
}

/// Longest fault name: it goes into every case id.
pub const MAX_NAME: usize = 24;

/// A fault's place in the axis and its name, small enough for [`Case`] to stay `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaultRef {
    pub index: u8,
    name: [u8; MAX_NAME],
    len: u8,
}

impl FaultRef {
    pub(super) fn new(index: u8, name: &str) -> Self {
        let mut buf = [0u8; MAX_NAME];
        let n = name.len().min(MAX_NAME);
        buf[..n].copy_from_slice(&name.as_bytes()[..n]);
        Self {
            index,
            name: buf,
            len: n as u8,
        }
    }

    pub fn name(&self) -> &str {
        // Validation allows ASCII names only, so any prefix is UTF-8.
        std::str::from_utf8(&self.name[..usize::from(self.len)]).unwrap_or("fault")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// aes-128-gcm at QoS 1, 16 B and 1 KiB, one value on every other axis.
    fn two_sizes() -> Axes {
        Axes {
            qos: vec![1],
            size: vec![16, 1024],
            suite: vec![Suite::from_name("aes-128-gcm").unwrap()],
            mac: vec![MacAlg::None],
            signature: vec![SigAlg::None],
            transport: vec![Transport::Tcp],
            protocol: vec![Protocol::V4],
            session: vec![Session::Clean],
            provider: vec![None],
            threads: vec![None],
            mac_only_where_needed: false,
        }
    }

    #[test]
    fn cross_product_in_stable_order() {
        let s = |n| Suite::from_name(n).unwrap();
        let axes = Axes {
            qos: vec![0, 1, 1],
            suite: vec![s("none"), s("aes-128-gcm"), s("aes-128-cbc")],
            ..two_sizes()
        };
        let cases = expand(&axes);
        assert_eq!(cases.len(), 3 * 2 * 2);
        assert_eq!(cases[0].id(), "none/q0/16B/tcp");
        assert_eq!(cases[1].id(), "none/q0/1024B/tcp");
        assert_eq!(cases[2].id(), "none/q1/16B/tcp");
        assert_eq!(cases[11].id(), "aes-128-cbc/q1/1024B/tcp");
        assert!(cases.iter().enumerate().all(|(i, c)| c.index == i));
    }

    #[test]
    fn threads_axis_is_innermost_and_marks_ids() {
        let axes = Axes {
            threads: vec![Some(Threads::PerClient), Some(Threads::Workers(1))],
            ..two_sizes()
        };
        let ids: Vec<String> = expand(&axes).iter().map(Case::id).collect();
        assert_eq!(
            ids,
            [
                "aes-128-gcm/q1/16B/tcp/threads-per-client",
                "aes-128-gcm/q1/16B/tcp/threads-1",
                "aes-128-gcm/q1/1024B/tcp/threads-per-client",
                "aes-128-gcm/q1/1024B/tcp/threads-1",
            ]
        );
    }

    #[test]
    fn session_axis_sits_outside_qos_and_marks_persistent_ids() {
        let axes = Axes {
            qos: vec![1, 2],
            size: vec![64],
            suite: vec![Suite::from_name("aes-128-gcm").unwrap()],
            mac: vec![MacAlg::None],
            signature: vec![SigAlg::None],
            transport: vec![Transport::Tcp],
            protocol: vec![Protocol::V4],
            session: vec![Session::Clean, Session::Persistent],
            provider: vec![None],
            threads: vec![None],
            mac_only_where_needed: false,
        };
        let ids: Vec<String> = expand(&axes).iter().map(|c| c.id()).collect();
        assert_eq!(
            ids,
            [
                "aes-128-gcm/q1/64B/tcp",
                "aes-128-gcm/q2/64B/tcp",
                "aes-128-gcm/q1/64B/tcp/persistent",
                "aes-128-gcm/q2/64B/tcp/persistent"
            ]
        );
    }

    #[test]
    fn protocol_axis_is_outermost_and_marks_v5_ids() {
        let axes = Axes {
            qos: vec![1],
            size: vec![64],
            suite: vec![Suite::from_name("aes-128-gcm").unwrap()],
            mac: vec![MacAlg::None],
            signature: vec![SigAlg::None],
            transport: vec![Transport::Tcp, Transport::Tls],
            protocol: vec![Protocol::V4, Protocol::V5],
            session: vec![Session::Clean],
            provider: vec![None],
            threads: vec![None],
            mac_only_where_needed: false,
        };
        let ids: Vec<String> = expand(&axes).iter().map(|c| c.id()).collect();
        assert_eq!(
            ids,
            [
                "aes-128-gcm/q1/64B/tcp",
                "aes-128-gcm/q1/64B/tls",
                "aes-128-gcm/q1/64B/tcp/v5",
                "aes-128-gcm/q1/64B/tls/v5"
            ]
        );
    }

    #[test]
    fn mac_only_where_needed_drops_redundant_combinations() {
        let s = |n| Suite::from_name(n).unwrap();
        let axes = Axes {
            qos: vec![1],
            size: vec![64],
            suite: vec![s("none"), s("aes-128-gcm"), s("aes-128-cbc")],
            mac: vec![MacAlg::None, MacAlg::HmacSha256],
            signature: vec![SigAlg::None],
            transport: vec![Transport::Tcp],
            protocol: vec![Protocol::V4],
            session: vec![Session::Clean],
            provider: vec![None],
            threads: vec![None],
            mac_only_where_needed: true,
        };
        let ids: Vec<String> = expand(&axes).iter().map(|c| c.id()).collect();
        assert_eq!(
            ids,
            [
                "none/q1/64B/tcp",
                "aes-128-gcm/q1/64B/tcp",
                "aes-128-cbc/q1/64B/tcp",
                "aes-128-cbc+hmac-sha256/q1/64B/tcp"
            ]
        );
    }

    #[test]
    fn provider_axis_sits_beside_the_suite_and_marks_ids() {
        let s = |n| Suite::from_name(n).unwrap();
        let axes = Axes {
            qos: vec![1],
            size: vec![64],
            suite: vec![s("aes-128-gcm"), s("aes-256-gcm")],
            mac: vec![MacAlg::None],
            signature: vec![SigAlg::None],
            transport: vec![Transport::Tcp],
            protocol: vec![Protocol::V4],
            session: vec![Session::Clean],
            provider: vec![Some(Provider::RustCrypto), Some(Provider::AwsLc)],
            threads: vec![None],
            mac_only_where_needed: false,
        };
        let ids: Vec<String> = expand(&axes).iter().map(|c| c.id()).collect();
        assert_eq!(
            ids,
            [
                "aes-128-gcm/q1/64B/tcp/rustcrypto",
                "aes-128-gcm/q1/64B/tcp/aws-lc",
                "aes-256-gcm/q1/64B/tcp/rustcrypto",
                "aes-256-gcm/q1/64B/tcp/aws-lc"
            ]
        );
    }
}
