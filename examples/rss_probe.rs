//! What does the embedded rumqttd keep per case and per message? Runs MQTT traffic against the
//! process's embedded broker (`broker::embedded::shared()`, the one every run uses) and prints
//! the process's resident set and glibc's heap figures as it goes, so memory the broker keeps
//! can be told from memory the allocator keeps (freed but not returned to the kernel).
//!
//! ```text
//! cargo run --release --example rss_probe -- cases N MSGS SIZE [--shared]
//!     N sequential "cases": each connects a subscriber (filter <prefix>/+) and a publisher,
//!     sends MSGS messages of SIZE bytes at QoS 0, waits for them and disconnects both; every
//!     case has topics of its own, as a run's cases do, or with --shared one topic for all
//!     (new client ids every case either way). Prints memory every N/10 cases.
//! cargo run --release --example rss_probe -- flow SECS RATE SIZE
//!     one filter, 4 publishers at RATE msg/s each for SECS s (as scripts/soak.sh), one
//!     subscriber; prints memory every 10 s with the bytes published so far.
//! ```
//!
//! Each line: `rss` is VmRSS; `in_use` glibc's allocated bytes (mallinfo2 uordblks + mmapped),
//! `free` the bytes it holds free inside its arenas; with `RSS_PROBE_TRIM=1`, `rss_trim` is
//! VmRSS after malloc_trim(0) (freed pages handed back), so `rss - rss_trim` is what the
//! allocator's free lists cost (trimming changes later lines, so it is off by default).
//! With the `RUMQTTD_STATS_EVERY=n` environment variable and an instrumented rumqttd (see the
//! report of branch `rss`) the router prints its own counts every n connects.

use std::time::{Duration, Instant};

use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};

fn status_kib(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// One line of memory figures, in MiB.
fn memory_line(label: &str) -> String {
    let rss = status_kib("VmRSS:");
    // SAFETY: mallinfo2 only reads the allocator's counters.
    let mi = unsafe { libc::mallinfo2() };
    // Trimming changes what later lines see, so only on request.
    let trimmed = if std::env::var_os("RSS_PROBE_TRIM").is_some() {
        // SAFETY: malloc_trim has no preconditions.
        unsafe { libc::malloc_trim(0) };
        format!("{:.1} MiB", status_kib("VmRSS:") as f64 / 1024.0)
    } else {
        "-".to_owned()
    };
    let mib = |b: usize| b as f64 / 1048576.0;
    format!(
        "{label}: rss {:.1} MiB, in_use {:.1} MiB (mmapped {:.1}), free in arenas {:.1} MiB, \
         rss_trim {}",
        rss as f64 / 1024.0,
        mib(mi.uordblks + mi.hblkhd),
        mib(mi.hblkhd),
        mib(mi.fordblks),
        trimmed
    )
}

fn options(id: &str, addr: std::net::SocketAddr) -> MqttOptions {
    let mut o = MqttOptions::new(id, addr.ip().to_string(), addr.port());
    o.set_keep_alive(Duration::from_secs(30));
    o.set_max_packet_size(1 << 20, 1 << 20);
    o
}

/// Polls `el` until `done` says so or `limit` passes; false on timeout or error.
async fn drive(
    el: &mut rumqttc::EventLoop,
    limit: Duration,
    mut done: impl FnMut(&Event) -> bool,
) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, el.poll()).await {
            Ok(Ok(e)) if done(&e) => return true,
            Ok(Ok(_)) => {}
            Ok(Err(_)) | Err(_) => return false,
        }
    }
}

async fn disconnect(c: AsyncClient, mut el: rumqttc::EventLoop) {
    let _ = c.disconnect().await;
    let _ = drive(&mut el, Duration::from_secs(2), |e| {
        matches!(e, Event::Outgoing(rumqttc::Outgoing::Disconnect))
    })
    .await;
}

async fn one_case(addr: std::net::SocketAddr, k: usize, msgs: usize, size: usize, shared: bool) {
    let prefix = if shared {
        "rssprobe/shared".to_owned()
    } else {
        format!("rssprobe/c{k:06}")
    };
    let (sc, mut sel) = AsyncClient::new(options(&format!("rssprobe-s{k}"), addr), 100);
    sc.subscribe(format!("{prefix}/+"), QoS::AtMostOnce)
        .await
        .expect("subscribe queued");
    assert!(
        drive(&mut sel, Duration::from_secs(5), |e| matches!(
            e,
            Event::Incoming(Packet::SubAck(_))
        ))
        .await,
        "case {k}: no SUBACK"
    );
    let (pc, mut pel) = AsyncClient::new(options(&format!("rssprobe-p{k}"), addr), 100);
    let topic = format!("{prefix}/p0");
    let publisher = tokio::spawn(async move {
        for i in 0..msgs {
            let mut payload = vec![0u8; size];
            payload[..8.min(size)].copy_from_slice(&i.to_be_bytes()[..8.min(size)]);
            pc.publish(&topic, QoS::AtMostOnce, false, payload)
                .await
                .expect("publish queued");
        }
        pc
    });
    let mut sent = 0;
    let _ = drive(&mut pel, Duration::from_secs(5), |e| {
        if matches!(e, Event::Outgoing(rumqttc::Outgoing::Publish(_))) {
            sent += 1;
        }
        sent == msgs
    })
    .await;
    let mut got = 0;
    if msgs > 0 {
        let _ = drive(&mut sel, Duration::from_secs(5), |e| {
            if matches!(e, Event::Incoming(Packet::Publish(_))) {
                got += 1;
            }
            got == msgs
        })
        .await;
    }
    if got != msgs {
        eprintln!("case {k}: {got} of {msgs} delivered");
    }
    let pc = publisher.await.expect("publisher task");
    disconnect(pc, pel).await;
    disconnect(sc, sel).await;
}

async fn cases(addr: std::net::SocketAddr, n: usize, msgs: usize, size: usize, shared: bool) {
    println!("{}", memory_line("cases 0"));
    let every = (n / 10).max(1);
    let t = Instant::now();
    for k in 0..n {
        one_case(addr, k, msgs, size, shared).await;
        if (k + 1) % every == 0 {
            println!(
                "{} ({:.0} s)",
                memory_line(&format!("cases {}", k + 1)),
                t.elapsed().as_secs_f64()
            );
        }
    }
}

async fn flow(addr: std::net::SocketAddr, secs: u64, rate: f64, size: usize) {
    let filter = "rssprobe/flow/+";
    let (sc, mut sel) = AsyncClient::new(options("rssprobe-flow-s", addr), 1000);
    sc.subscribe(filter, QoS::AtMostOnce).await.expect("queued");
    let received = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let r = received.clone();
    tokio::spawn(async move {
        while let Ok(e) = sel.poll().await {
            if matches!(e, Event::Incoming(Packet::Publish(_))) {
                r.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let end = Instant::now() + Duration::from_secs(secs);
    for p in 0..4 {
        let (pc, mut pel) = AsyncClient::new(options(&format!("rssprobe-flow-p{p}"), addr), 1000);
        tokio::spawn(async move { while pel.poll().await.is_ok() {} });
        let topic = format!("rssprobe/flow/p{p}");
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
            let payload = vec![0x5a_u8; size];
            while Instant::now() < end {
                tick.tick().await;
                let _ = pc
                    .publish(&topic, QoS::AtMostOnce, false, payload.clone())
                    .await;
            }
        });
    }
    let t = Instant::now();
    // Each message costs the log 4 + topic + payload bytes in rumqttd's own accounting.
    let accounted = 4 + "rssprobe/flow/p0".len() + size;
    let mut k = 0;
    while Instant::now() < end {
        tokio::time::sleep(Duration::from_secs(10)).await;
        let got = received.load(std::sync::atomic::Ordering::Relaxed);
        // A connect makes an instrumented router print its counts.
        let (c, mut el) = AsyncClient::new(options(&format!("rssprobe-flow-tick{k}"), addr), 10);
        let _ = drive(&mut el, Duration::from_secs(2), |e| {
            matches!(e, Event::Incoming(Packet::ConnAck(_)))
        })
        .await;
        disconnect(c, el).await;
        k += 1;
        println!(
            "{} ({} msgs received, {:.1} MiB accounted if all kept)",
            memory_line(&format!("flow {:.0} s", t.elapsed().as_secs_f64())),
            got,
            got as f64 * accounted as f64 / 1048576.0
        );
    }
}

fn usage() -> ! {
    eprintln!("usage: rss_probe cases N MSGS SIZE [--shared] | flow SECS RATE SIZE");
    std::process::exit(2)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize| -> f64 {
        args.get(i)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| usage())
    };
    let broker = mqtt_cipher_bench::broker::embedded::shared().expect("embedded broker");
    println!("{}", memory_line("broker started"));
    match args.first().map(String::as_str) {
        Some("cases") => {
            let shared = args.get(4).is_some_and(|a| a == "--shared");
            cases(
                broker.addr,
                num(1) as usize,
                num(2) as usize,
                num(3) as usize,
                shared,
            )
            .await
        }
        Some("flow") => flow(broker.addr, num(1) as u64, num(2), num(3) as usize).await,
        _ => usage(),
    }
}
