//! Multi-machine runs: two shards of one scenario against one broker at the same time, then
//! `merge` adds them up, histograms included.

use crate::common;
use mqtt_cipher_bench::results::merge;
use mqtt_cipher_bench::run::{self, Progress, RunOptions};
use mqtt_cipher_bench::scenario::Shard;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shards_run_together_and_merge_into_one_result() {
    let base = common::scenario(
        "shards.toml",
        r#"
name = "shards"
[load]
publishers = 5
subscribers = 2
rate = 50
duration = "1s"
warmup = "200ms"
[matrix]
qos = [1]
size = [128]
suite = ["aes-128-gcm", "none"]
"#,
    );
    let root = tempfile::tempdir().unwrap();
    let shard_run = |i: u32| {
        let mut s = base.clone();
        let shard = Shard { index: i, count: 2 };
        shard.apply(&mut s).unwrap();
        let opts = RunOptions {
            out_root: root.path().to_path_buf(),
            progress: Progress::Quiet,
            shard: Some(shard),
            order: Default::default(),
            speed: mqtt_cipher_bench::run::speed_ref::SpeedSource::Off,
            start: None,
            metrics: None,
        };
        async move { run::run(&s, &opts).await.unwrap() }
    };
    let (a, b) = tokio::join!(shard_run(1), shard_run(2));
    assert_eq!(
        a.results
            .shard
            .as_ref()
            .map(|s| (s.publishers, s.subscribers)),
        Some((2, 1))
    );
    assert_eq!(
        b.results
            .shard
            .as_ref()
            .map(|s| (s.publishers, s.subscribers)),
        Some((3, 1))
    );

    // No --order-seed: both shards derive the seed from the scenario text, so they measured
    // their cases in the same shuffled order.
    let (oa, ob) = (
        a.results.order.as_ref().unwrap(),
        b.results.order.as_ref().unwrap(),
    );
    assert_eq!(
        oa.seed_source,
        Some(mqtt_cipher_bench::results::SeedSource::Scenario)
    );
    assert_eq!((oa.seed, &oa.sequence), (ob.seed, &ob.sequence));

    let m = merge::merge(&[a.dir.clone(), b.dir.clone()]).expect("merge");
    assert_eq!(
        m.results.order.as_ref(),
        Some(oa),
        "the shards' common order is kept"
    );
    assert_eq!(m.results.cases.len(), 2);
    assert_eq!(m.results.load.publishers, 5);
    for (i, c) in m.results.cases.iter().enumerate() {
        let (ca, cb) = (&a.results.cases[i], &b.results.cases[i]);
        assert_eq!(c.id, ca.id);
        assert_eq!(c.counts.sent, ca.counts.sent + cb.counts.sent);
        assert_eq!(
            c.counts.delivered,
            ca.counts.delivered + cb.counts.delivered
        );
        assert_eq!(c.counts.delivered, c.counts.expected, "{:?}", c.counts);
        // 5 publishers x 50/s x 1 s, every one sent.
        assert_eq!(c.counts.sent, 250);
        let lat = &c.phases["latency"];
        assert_eq!(
            lat.count,
            ca.phases["latency"].count + cb.phases["latency"].count
        );
        let (lo, hi) = (
            ca.phases["latency"].min.min(cb.phases["latency"].min),
            ca.phases["latency"].max.max(cb.phases["latency"].max),
        );
        assert!(lo <= lat.p50 && lat.p50 <= hi);
        assert_eq!(c.throughput.offered_msgs_per_s, Some(250.0));
    }
    let dir = merge::write(root.path(), &m).expect("write merged");
    let back = mqtt_cipher_bench::results::reader::read(&dir).unwrap();
    assert_eq!(back.merged_from.len(), 2);
    mqtt_cipher_bench::report::render_run(&dir, &back).expect("merged report renders");
    assert!(dir.join("report.html").exists());
}
