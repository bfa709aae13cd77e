//! Background work that runs beside the HTTP server.

pub mod deliveries;
pub mod outbox;
pub mod prune;
pub mod retention;
pub mod search_index;

use std::time::Duration;
use tokio::task::JoinHandle;

/// A worker's task; dropping the handle stops the worker.
pub struct WorkerHandle(Option<JoinHandle<()>>);

impl WorkerHandle {
    pub fn new(task: JoinHandle<()>) -> WorkerHandle {
        WorkerHandle(Some(task))
    }

    /// Waits up to `within` for a worker that was told to stop to finish its work, then stops it.
    pub async fn finish(mut self, within: Duration) {
        if let Some(task) = self.0.as_mut() {
            if tokio::time::timeout(within, task).await.is_ok() {
                self.0 = None;
            }
        }
    }
}

impl Drop for WorkerHandle {
    fn drop(&mut self) {
        if let Some(task) = &self.0 {
            task.abort();
        }
    }
}
