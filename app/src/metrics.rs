//! (ssr) The counters Roster keeps for `/metrics`, named in one place. They go to whatever
//! recorder the server installed (the Prometheus one when `ROSTER_METRICS_ADDR` is set); with
//! none installed, counting costs nothing.

/// A sign-in attempt's outcome: `signed_in`, `failed` (wrong password or code) or `refused`
/// (a brute-force limit).
pub fn sign_in(outcome: &'static str) {
    metrics::counter!("roster_sign_ins_total", "outcome" => outcome).increment(1);
}

/// One attempt to deliver an outbox email: `sent`, `retrying` or `failed`.
pub fn outbox_attempt(result: &'static str) {
    metrics::counter!("roster_outbox_delivery_attempts_total", "result" => result).increment(1);
}

/// One run of a background job, and whether it failed.
pub fn job_run(job: &'static str, failed: bool) {
    metrics::counter!("roster_background_job_runs_total", "job" => job).increment(1);
    if failed {
        metrics::counter!("roster_background_job_failures_total", "job" => job).increment(1);
    }
}
