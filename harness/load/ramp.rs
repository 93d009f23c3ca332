//! Bringing many connections up without measuring the broker's accept queue: `batch` at
//! once, `interval` between batches (the scenario's `connect_batch` / `connect_interval`).

use std::future::Future;
use std::time::Duration;

use tokio::task::JoinSet;

#[derive(Debug, Clone, Copy)]
pub struct Ramp {
    pub batch: usize,
    pub interval: Duration,
}

/// Runs `connect` for every item along the ramp and returns the results in item order; the
/// first error (or a panicked task) stops the ramp and is returned.
pub async fn connect_in_batches<T, R, F, Fut>(
    items: Vec<T>,
    ramp: Ramp,
    connect: F,
) -> Result<Vec<R>, String>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> Fut,
    Fut: Future<Output = Result<R, String>> + Send + 'static,
{
    let batch = ramp.batch.max(1);
    let mut out: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    let mut rest = items.into_iter().enumerate().peekable();
    let mut first = true;
    while rest.peek().is_some() {
        if !first && !ramp.interval.is_zero() {
            tokio::time::sleep(ramp.interval).await;
        }
        first = false;
        let mut set = JoinSet::new();
        for (i, item) in rest.by_ref().take(batch) {
            let fut = connect(item);
            set.spawn(async move { (i, fut.await) });
        }
        while let Some(joined) = set.join_next().await {
            let (i, res) = joined.map_err(|e| format!("connect task failed: {e}"))?;
            out[i] = Some(res?);
        }
    }
    Ok(out.into_iter().flatten().collect())
}
