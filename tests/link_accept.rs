//! The link proxy out of file descriptors (EMFILE on accept) backs off instead of spinning,
//! and serves the waiting client once descriptors are free again. A test binary of its own:
//! it lowers this process's RLIMIT_NOFILE, which no other test may share.

use std::time::Duration;

use mqtt_cipher_bench::broker::link::{Link, LinkSpec};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn nofile() -> libc::rlimit {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes the struct it is given.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) }, 0);
    r
}

fn set_nofile(r: libc::rlimit) {
    // SAFETY: setrlimit reads the struct it is given; lowering the soft limit is always allowed.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &r) }, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accept_errors_back_off_and_the_link_recovers() {
    // An echo server upstream.
    let upstream = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = upstream.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = upstream.accept().await else {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            };
            tokio::spawn(async move {
                let mut b = [0u8; 64];
                while let Ok(n) = s.read(&mut b).await {
                    if n == 0 || s.write_all(&b[..n]).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    let link = Link::start(("127.0.0.1".into(), port), LinkSpec::default(), None)
        .await
        .unwrap();

    // Take every descriptor under a lowered limit, then give one back for the client: the
    // proxy's accept of that client then finds none (EMFILE), again at every retry.
    let saved = nofile();
    set_nofile(libc::rlimit {
        rlim_cur: 256.min(saved.rlim_cur),
        rlim_max: saved.rlim_max,
    });
    let mut fillers = Vec::new();
    while let Ok(f) = std::fs::File::open("/dev/null") {
        fillers.push(f);
    }
    assert!(!fillers.is_empty());
    fillers.pop();
    let connect = TcpStream::connect(link.addr).await;
    let mut client = match connect {
        Ok(c) => c,
        Err(e) => {
            drop(fillers);
            set_nofile(saved);
            panic!("the client could not connect: {e}");
        }
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    let errors = link.accept_errors();
    drop(fillers);
    set_nofile(saved);
    // Spinning would retry millions of times in 2 s; doubling from 5 ms to 500 ms is 9.
    assert!(
        errors >= 1,
        "accept never failed: the test did not provoke EMFILE"
    );
    assert!(
        errors <= 20,
        "{errors} accept errors in 2 s: the proxy spins"
    );

    // Descriptors are back: the waiting client is served end to end.
    let echoed = tokio::time::timeout(Duration::from_secs(5), async {
        client.write_all(b"ping").await?;
        let mut b = [0u8; 4];
        client.read_exact(&mut b).await?;
        Ok::<_, std::io::Error>(b)
    })
    .await
    .expect("the link did not recover after the descriptors came back")
    .unwrap();
    assert_eq!(&echoed, b"ping");
}
