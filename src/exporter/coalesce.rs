//! Single flight plus a short reuse window: overlapping scrapes share one collection, and a
//! finished collection is reused for `ttl`. A collection runs in its own task, so a scrape
//! that gives up (its client went away) does not cancel it for the scrapes that joined it.
//! Nothing here runs between scrapes: a value is only ever produced because one was asked for.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use tokio::time::Instant;

use crate::common::lock;

type InFlight<T> = Shared<BoxFuture<'static, Option<Arc<T>>>>;

struct State<T> {
    in_flight: Option<InFlight<T>>,
    latest: Option<(Instant, Arc<T>)>,
}

/// Shares the production of values of `T` among concurrent callers.
pub(super) struct Coalescer<T> {
    ttl: Duration,
    state: Arc<Mutex<State<T>>>,
}

impl<T: Send + Sync + 'static> Coalescer<T> {
    /// Reuses a finished value for `ttl` (zero: only values still being produced are shared).
    pub(super) fn new(ttl: Duration) -> Coalescer<T> {
        Coalescer {
            ttl,
            state: Arc::new(Mutex::new(State {
                in_flight: None,
                latest: None,
            })),
        }
    }

    /// A value younger than the TTL, the one being produced, or a new one from `start`.
    /// `None` only if producing it panicked.
    pub(super) async fn get<F, Fut>(&self, start: F) -> Option<Arc<T>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T> + Send + 'static,
    {
        let shared = {
            let mut state = lock(&self.state);
            if let Some((finished, value)) = &state.latest
                && finished.elapsed() < self.ttl
            {
                return Some(Arc::clone(value));
            }
            match &state.in_flight {
                Some(in_flight) => in_flight.clone(),
                None => {
                    let in_flight = self.spawn(start());
                    state.in_flight = Some(in_flight.clone());
                    in_flight
                }
            }
        };
        shared.await
    }

    fn spawn<Fut>(&self, production: Fut) -> InFlight<T>
    where
        Fut: Future<Output = T> + Send + 'static,
    {
        let state = Arc::clone(&self.state);
        let ttl = self.ttl;
        let task = tokio::spawn(async move {
            let value = AssertUnwindSafe(production)
                .catch_unwind()
                .await
                .ok()
                .map(Arc::new);
            let mut state = lock(&state);
            state.in_flight = None;
            if let Some(value) = &value
                && !ttl.is_zero()
            {
                state.latest = Some((Instant::now(), Arc::clone(value)));
            }
            value
        });
        async move { task.await.ok().flatten() }.boxed().shared()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    async fn counted(count: &Arc<AtomicUsize>, coalescer: &Coalescer<usize>) -> usize {
        let count = Arc::clone(count);
        *coalescer
            .get(move || async move {
                tokio::time::sleep(Duration::from_millis(50)).await;
                count.fetch_add(1, Ordering::SeqCst) + 1
            })
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn overlapping_callers_share_one_production() {
        let coalescer = Coalescer::new(Duration::ZERO);
        let count = Arc::new(AtomicUsize::new(0));
        let results = futures::future::join_all((0..8).map(|_| counted(&count, &coalescer))).await;
        assert_eq!(count.load(Ordering::SeqCst), 1);
        assert!(results.iter().all(|&r| r == 1));
        // With no TTL the next call produces anew.
        assert_eq!(counted(&count, &coalescer).await, 2);
    }

    #[tokio::test]
    async fn a_finished_value_is_reused_within_the_ttl_only() {
        tokio::time::pause();
        let coalescer = Coalescer::new(Duration::from_secs(1));
        let count = Arc::new(AtomicUsize::new(0));
        assert_eq!(counted(&count, &coalescer).await, 1);
        tokio::time::advance(Duration::from_millis(900)).await;
        assert_eq!(counted(&count, &coalescer).await, 1);
        tokio::time::advance(Duration::from_millis(200)).await;
        assert_eq!(counted(&count, &coalescer).await, 2);
    }

    #[tokio::test]
    async fn a_caller_giving_up_does_not_cancel_the_production() {
        let coalescer = Coalescer::new(Duration::ZERO);
        let count = Arc::new(AtomicUsize::new(0));
        let impatient =
            tokio::time::timeout(Duration::from_millis(10), counted(&count, &coalescer)).await;
        assert!(impatient.is_err());
        // A caller arriving now joins the production the first one started.
        assert_eq!(counted(&count, &coalescer).await, 1);
        assert_eq!(count.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_panicking_production_yields_none_and_clears_the_slot() {
        let coalescer: Coalescer<usize> = Coalescer::new(Duration::from_secs(60));
        let panicked = coalescer
            .get(|| async { panic!("collection failed") })
            .await;
        assert!(panicked.is_none());
        let count = Arc::new(AtomicUsize::new(0));
        assert_eq!(counted(&count, &coalescer).await, 1);
    }
}
