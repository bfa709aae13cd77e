//! Background work that runs beside the HTTP server.

pub mod outbox;
pub mod prune;
pub mod retention;
pub mod search_index;

use tokio::task::JoinHandle;

/// A worker's task; dropping the handle stops the worker.
pub struct WorkerHandle(JoinHandle<()>);

impl WorkerHandle {
    pub fn new(task: JoinHandle<()>) -> WorkerHandle {
        WorkerHandle(task)
    }
}

impl Drop for WorkerHandle {
    fn drop(&mut self) {
        self.0.abort();
    }
}
