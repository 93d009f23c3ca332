//! The HTTP side of `run --metrics`: hyper's HTTP/1.1 server (already in the tree through the
//! embedded broker's axum), one request per connection, each connection bounded in time and
//! in number, the body a clone of the last encoded page.
//!
//! Nothing a client does reaches the run: a scraper that stops reading holds its connection
//! task (at most [`CONNECTION_TIME`], then it is dropped), one that vanishes mid-response ends
//! its task with a write error, and past [`MAX_CONNECTIONS`] new connections are closed at
//! once instead of queueing work.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use super::Shared;

/// Longest a connection may live, request and response together: a Prometheus scrape of a
/// page of a few hundred kilobytes over loopback or a LAN takes milliseconds.
pub const CONNECTION_TIME: Duration = Duration::from_secs(10);
/// Longest wait for a request's headers (a client that connects and says nothing).
const HEADER_TIME: Duration = Duration::from_secs(5);
/// Connections served at once; Prometheus uses one per target.
pub const MAX_CONNECTIONS: usize = 16;

pub(super) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let stream = match listener.accept().await {
            Ok((s, _)) => s,
            // Out of descriptors or a connection reset before accept: try again shortly,
            // never spin.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            drop(stream);
            continue;
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let service = hyper::service::service_fn(move |req| {
                let page = shared.page();
                async move { Ok::<_, Infallible>(respond(&req, page)) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIME)
                .keep_alive(false)
                .serve_connection(TokioIo::new(stream), service);
            // Errors (a client gone mid-response) and timeouts end this connection only.
            let _ = tokio::time::timeout(CONNECTION_TIME, conn).await;
        });
    }
}

fn respond(req: &Request<Incoming>, page: Bytes) -> Response<Full<Bytes>> {
    let (status, body, content_type) = match (req.method(), req.uri().path()) {
        (&Method::GET | &Method::HEAD, "/metrics") => (
            StatusCode::OK,
            page,
            prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
        ),
        (&Method::GET | &Method::HEAD, _) => (
            StatusCode::NOT_FOUND,
            Bytes::from_static(b"mqtt-cipher-bench: the metrics are at /metrics\n"),
            "text/plain; charset=utf-8",
        ),
        _ => (
            StatusCode::METHOD_NOT_ALLOWED,
            Bytes::from_static(b"GET /metrics\n"),
            "text/plain; charset=utf-8",
        ),
    };
    let mut r = Response::new(Full::new(body));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}
