//! Image processing, bounded: decoding and resizing an upload takes a core for a while, so at
//! most `CHRONICLE_IMAGE_WORKERS` images are processed at once per instance, on blocking
//! threads. An upload beyond that waits up to [`WAIT`] for its turn; past it the file is
//! refused with "busy, try again", so uploads never pile up CPU.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::web;
use tokio::sync::Semaphore;

use super::error::AppError;

/// How long an upload waits for a free image worker.
pub const WAIT: Duration = Duration::from_secs(30);

pub struct ImagePool {
    permits: Arc<Semaphore>,
    wait: Duration,
    running: AtomicUsize,
    /// The most images processed at once so far (the tests read it).
    peak: AtomicUsize,
}

impl ImagePool {
    pub fn new(workers: usize, wait: Duration) -> Self {
        ImagePool {
            permits: Arc::new(Semaphore::new(workers.max(1))),
            wait,
            running: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        }
    }

    /// Runs `work` on a blocking thread once a worker is free.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let permit = tokio::time::timeout(self.wait, self.permits.clone().acquire_owned())
            .await
            .ok()
            .and_then(Result::ok)
            .ok_or_else(|| {
                AppError::NotAccepted(
                    "The server is busy processing other images. Please upload this file \
                     again in a minute."
                        .to_owned(),
                )
            })?;
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        let result = web::block(work).await;
        self.running.fetch_sub(1, Ordering::SeqCst);
        drop(permit);
        Ok(result?)
    }

    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }
}
