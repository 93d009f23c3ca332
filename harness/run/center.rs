//! A run's Security Center (`[keys] source = "center"`): started in-process next to the
//! broker (embedded or external) with generated identities for the run's clients; before each
//! case's measured phase every client fetches its topic keys from it over MQTT.
//!
//! Per case this records the clients' key-request latency (`key_request_miss`: asked the
//! center; `key_request_hit`: the same key again, from the client's cache) and the center's
//! own `center_authn`, `center_authz`, `center_keygen` and `center_service` per request, and
//! (with `concurrency = [...]`) a probe of N fresh clients asking at once.

use std::sync::Arc;

use tokio::sync::Barrier;
use tokio::task::JoinSet;

use crate::broker::Endpoint;
use crate::center::acl::Rights;
use crate::center::authority::CenterStats;
use crate::center::client::{ClientOptions, IssuedKey, Source};
use crate::center::registry::{ClientIdentity, Registry};
use crate::center::service::CenterService;
use crate::center::{Access, Authority, CenterClient, CenterError};
use crate::crypto::Suite;
use crate::load::ramp::{self, Ramp};
use crate::measure::histograms::{Phase, Phases, summarize};
use crate::results::{CenterCase, CenterConcurrency};
use crate::scenario::CenterSettings;

use super::RunError;

/// Center clients connect 50 at a time, with no pause (set-up, not measured).
const CONNECT_RAMP: Ramp = Ramp {
    batch: 50,
    interval: std::time::Duration::ZERO,
};

pub struct RunCenter {
    authority: Arc<Authority>,
    service: CenterService,
    settings: CenterSettings,
    prefix: String,
}

/// The keys of one case's clients, by publisher and by subscriber (one per publisher topic).
pub struct CaseKeys {
    pub publishers: Vec<Arc<IssuedKey>>,
    pub subscribers: Vec<Vec<Arc<IssuedKey>>>,
    pub summary: CenterCase,
}

/// Who asks for what in one case.
pub struct CaseClients<'a> {
    pub suite: Suite,
    /// `<base>-p<i>` and `<base>-s<i>` (the data clients' ids; the center connections add `-sc`).
    pub client_base: &'a str,
    pub publishers: u32,
    pub subscribers: u32,
    /// Publisher i publishes on `topic(i)`.
    pub topic: &'a (dyn Fn(u32) -> String + Sync),
    /// What subscribers subscribe to (the ACL grants them read on it).
    pub filter: &'a str,
}

struct ClientJob {
    identity: ClientIdentity,
    topics: Vec<(String, Access)>,
}

struct ClientOutcome {
    keys: Vec<Arc<IssuedKey>>,
    phases: Phases,
    hits: u64,
    misses: u64,
    timeouts: u64,
}

impl RunCenter {
    /// Starts the center's MQTT service on `endpoint` under `mcb/sc/<run tag>`.
    pub async fn start(
        settings: &CenterSettings,
        endpoint: &Endpoint,
        run_tag: &str,
    ) -> Result<RunCenter, RunError> {
        let key = ed25519_dalek::SigningKey::generate(&mut rand::rng());
        // Only the run's own clients ask this center: no rate limit (a subscriber asks for a
        // key per publisher topic at once), a long queue.
        let mut config = settings.config.clone();
        config.limits = crate::center::limits::Limits::for_run();
        let authority = Arc::new(Authority::new(
            config,
            key,
            Registry::default(),
            Default::default(),
        ));
        let prefix = format!("{}/{run_tag}", crate::center::DEFAULT_PREFIX);
        let service = CenterService::start(
            endpoint,
            authority.clone(),
            &prefix,
            &format!("mcb-{run_tag}-sc"),
        )
        .await
        .map_err(|e| RunError::Broker(format!("cannot start the Security Center: {e}")))?;
        Ok(RunCenter {
            authority,
            service,
            settings: settings.clone(),
            prefix,
        })
    }

    pub async fn stop(self) {
        self.service.stop().await;
    }

    fn options(&self) -> ClientOptions {
        ClientOptions {
            prefix: self.prefix.clone(),
            timeout: self.settings.timeout,
            max_cache: None,
        }
    }

    fn class_of(&self, suite: Suite) -> Result<String, String> {
        self.settings
            .class_of(suite)
            .map(str::to_owned)
            .ok_or_else(|| format!("no device class of the Security Center has suite {suite}"))
    }

    fn enroll(
        &self,
        id: &str,
        class: &str,
        rules: &[(Rights, String)],
    ) -> Result<ClientIdentity, String> {
        let identity = ClientIdentity::generate(id, class, self.settings.identity)
            .map_err(|e| e.to_string())?;
        self.authority.register(identity.public());
        self.authority.with_acl(|acl| {
            for (r, f) in rules {
                acl.allow(id, *r, f);
            }
        });
        Ok(identity)
    }

    /// Connects a center client per identity, in batches.
    async fn connect_all(
        &self,
        endpoint: &Endpoint,
        identities: Vec<ClientIdentity>,
    ) -> Result<Vec<CenterClient>, String> {
        ramp::connect_in_batches(identities, CONNECT_RAMP, |id| {
            let (endpoint, key, opts) = (
                endpoint.clone(),
                self.authority.public_key(),
                self.options(),
            );
            async move {
                CenterClient::connect(&endpoint, id, key, opts)
                    .await
                    .map_err(|e| format!("Security Center client: {e}"))
            }
        })
        .await
    }

    /// Every client of the case asks for its keys (all clients at once, each its topics in
    /// turn), then asks again (served from its cache). Fails the case on any denial or a
    /// second timeout.
    pub async fn key_case(
        &self,
        endpoint: &Endpoint,
        who: &CaseClients<'_>,
        topic_prefix: &str,
        phases: &mut Phases,
    ) -> Result<CaseKeys, String> {
        let class = self.class_of(who.suite)?;
        let _ = self.authority.take_stats();
        let mut jobs = Vec::new();
        for i in 0..who.publishers {
            let topic = (who.topic)(i);
            let id = format!("{}-p{i}", who.client_base);
            let identity = self.enroll(&id, &class, &[(Rights::Write, topic.clone())])?;
            jobs.push(ClientJob {
                identity,
                topics: vec![(topic, Access::Publish)],
            });
        }
        for s in 0..who.subscribers {
            let id = format!("{}-s{s}", who.client_base);
            let identity = self.enroll(&id, &class, &[(Rights::Read, who.filter.to_owned())])?;
            jobs.push(ClientJob {
                identity,
                topics: (0..who.publishers)
                    .map(|i| ((who.topic)(i), Access::Subscribe))
                    .collect(),
            });
        }
        let ids: Vec<String> = jobs.iter().map(|j| j.identity.id.clone()).collect();
        let result = self.fetch_all(endpoint, jobs, who.suite).await;
        self.release(&ids, topic_prefix);
        let stats = self.authority.take_stats();
        let outcomes = result?;
        let mut summary = summary(&class, who.suite, &stats);
        let mut keys = Vec::with_capacity(outcomes.len());
        for o in outcomes {
            phases.merge(&o.phases);
            summary.cache_hits += o.hits;
            summary.cache_misses += o.misses;
            summary.timeouts += o.timeouts;
            keys.push(o.keys);
        }
        phases.merge(&stats.phases);
        let subscribers = keys.split_off(who.publishers as usize);
        let publishers = keys
            .into_iter()
            .map(|mut k| k.pop().ok_or("a publisher got no key"))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(CaseKeys {
            publishers,
            subscribers,
            summary,
        })
    }

    async fn fetch_all(
        &self,
        endpoint: &Endpoint,
        jobs: Vec<ClientJob>,
        suite: Suite,
    ) -> Result<Vec<ClientOutcome>, String> {
        let (identities, topics): (Vec<_>, Vec<Vec<(String, Access)>>) =
            jobs.into_iter().map(|j| (j.identity, j.topics)).unzip();
        let clients = self.connect_all(endpoint, identities).await?;
        let mut set = JoinSet::new();
        for (k, (client, topics)) in clients.into_iter().zip(topics).enumerate() {
            set.spawn(async move {
                let r = fetch_client(&client, &topics, suite).await;
                client.close().await;
                (k, r)
            });
        }
        let mut out: Vec<(usize, ClientOutcome)> = Vec::new();
        let mut first_error = None;
        while let Some(j) = set.join_next().await {
            match j {
                Ok((k, Ok(o))) => out.push((k, o)),
                Ok((_, Err(e))) => {
                    first_error.get_or_insert(e);
                }
                Err(e) => {
                    first_error.get_or_insert(format!("Security Center client task failed: {e}"));
                }
            }
        }
        if let Some(e) = first_error {
            return Err(e);
        }
        out.sort_by_key(|(k, _)| *k);
        Ok(out.into_iter().map(|(_, o)| o).collect())
    }

    /// The concurrency probe: for each level N, `rounds` bursts of N fresh clients asking at
    /// once (each for a topic the center has no key for yet).
    pub async fn probe(
        &self,
        endpoint: &Endpoint,
        suite: Suite,
        client_base: &str,
        topic_prefix: &str,
    ) -> Result<Vec<CenterConcurrency>, String> {
        let levels = &self.settings.concurrency;
        let Some(&max) = levels.iter().max() else {
            return Ok(Vec::new());
        };
        let class = self.class_of(suite)?;
        let mut identities = Vec::with_capacity(max as usize);
        for k in 0..max {
            let id = format!("{client_base}-x{k}");
            let filter = format!("{topic_prefix}/sc-probe/{k}/+");
            identities.push(self.enroll(&id, &class, &[(Rights::Write, filter)])?);
        }
        let ids: Vec<String> = identities.iter().map(|i| i.id.clone()).collect();
        let result = self.probe_levels(endpoint, identities, topic_prefix).await;
        self.release(&ids, topic_prefix);
        result
    }

    /// Ends a case's (or the probe's) use of the center: its clients leave the registry, and
    /// its topics' keys are forgotten (the keys are out; nobody asks for them again).
    fn release(&self, ids: &[String], topic_prefix: &str) {
        for id in ids {
            self.authority.unregister(id);
        }
        self.authority.forget_topics(topic_prefix);
    }

    async fn probe_levels(
        &self,
        endpoint: &Endpoint,
        identities: Vec<ClientIdentity>,
        topic_prefix: &str,
    ) -> Result<Vec<CenterConcurrency>, String> {
        let clients: Vec<Arc<CenterClient>> = self
            .connect_all(endpoint, identities)
            .await?
            .into_iter()
            .map(Arc::new)
            .collect();
        let rounds = self.settings.rounds;
        let mut out = Vec::new();
        for (level_index, &n) in self.settings.concurrency.iter().enumerate() {
            let mut response = Phases::default();
            let mut service = Phases::default();
            let (mut answered, mut failed) = (0u64, 0u64);
            for round in 0..rounds {
                let _ = self.authority.take_stats();
                let barrier = Arc::new(Barrier::new(n as usize));
                let mut set = JoinSet::new();
                for (k, c) in clients.iter().take(n as usize).enumerate() {
                    let (c, barrier) = (c.clone(), barrier.clone());
                    let topic = format!("{topic_prefix}/sc-probe/{k}/l{level_index}r{round}");
                    set.spawn(async move {
                        barrier.wait().await;
                        c.key(&topic, Access::Publish).await
                    });
                }
                while let Some(j) = set.join_next().await {
                    match j {
                        Ok(Ok(f)) if f.source == Source::Network => {
                            answered += 1;
                            response.record(Phase::KeyRequestMiss, f.elapsed_ns);
                        }
                        _ => failed += 1,
                    }
                }
                service.merge(&self.authority.take_stats().phases);
            }
            let stats =
                |p: &Phases, phase| (!p.is_empty(phase)).then(|| summarize(&p.histogram(phase)));
            out.push(CenterConcurrency {
                clients: n,
                rounds,
                answered,
                failed,
                response: stats(&response, Phase::KeyRequestMiss),
                service: stats(&service, Phase::CenterService),
            });
        }
        for c in clients {
            if let Ok(c) = Arc::try_unwrap(c) {
                c.close().await;
            }
        }
        Ok(out)
    }
}

/// One client's keys: each topic from the center (one retry after a timeout: requests are
/// QoS 0), then again from its cache.
async fn fetch_client(
    client: &CenterClient,
    topics: &[(String, Access)],
    suite: Suite,
) -> Result<ClientOutcome, String> {
    let mut o = ClientOutcome {
        keys: Vec::with_capacity(topics.len()),
        phases: Phases::default(),
        hits: 0,
        misses: 0,
        timeouts: 0,
    };
    let fail = |topic: &str, e: CenterError| {
        format!(
            "Security Center: client {} asking for {topic}: {e}",
            client.id()
        )
    };
    for (topic, access) in topics {
        let mut attempt = client.key(topic, *access).await;
        if let Err(CenterError::Timeout(_)) = attempt {
            o.timeouts += 1;
            attempt = client.key(topic, *access).await;
        }
        let miss = attempt.map_err(|e| fail(topic, e))?;
        if miss.key.suite != suite {
            return Err(format!(
                "Security Center: assigned {} for {topic}, the case measures {suite}",
                miss.key.suite
            ));
        }
        o.misses += 1;
        o.phases.record(Phase::KeyRequestMiss, miss.elapsed_ns);
        let hit = client
            .key(topic, *access)
            .await
            .map_err(|e| fail(topic, e))?;
        match hit.source {
            Source::Cache => {
                o.hits += 1;
                o.phases.record(Phase::KeyRequestHit, hit.elapsed_ns);
            }
            Source::Network => {
                // The cache TTL is shorter than the time between the two asks.
                o.misses += 1;
                o.phases.record(Phase::KeyRequestMiss, hit.elapsed_ns);
            }
        }
        o.keys.push(hit.key);
    }
    Ok(o)
}

fn summary(class: &str, suite: Suite, s: &CenterStats) -> CenterCase {
    CenterCase {
        class: class.to_owned(),
        suite: suite.name().to_owned(),
        requests: s.requests,
        granted: s.granted,
        denied: s.denied_total(),
        denials: s.denied.clone(),
        cache_hits: 0,
        cache_misses: 0,
        timeouts: 0,
        concurrency: Vec::new(),
    }
}
