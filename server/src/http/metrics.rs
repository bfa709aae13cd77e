//! `/metrics` in Prometheus' text format, on its own listener (`ROSTER_METRICS_ADDR`) so it is
//! never served to the public by accident. Requests are counted by route and status with a
//! latency histogram; the app's counters live in `app::metrics`; the outbox depth and the pool
//! are read at each scrape.

use app::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::time::Instant;

const REQUEST_SECONDS: &str = "roster_http_request_duration_seconds";

/// Installs the process-wide recorder; from then on every counter is kept.
pub fn install() -> Result<PrometheusHandle, String> {
    PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full(REQUEST_SECONDS.into()),
            &[0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0],
        )
        .map_err(|e| e.to_string())?
        .install_recorder()
        .map_err(|e| format!("cannot install the metrics recorder: {e}"))
}

/// The metrics listener's router.
pub fn router(handle: PrometheusHandle, state: AppState) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(move |State(state): State<AppState>| {
                let handle = handle.clone();
                async move {
                    read_gauges(&state).await;
                    handle.run_upkeep();
                    handle.render()
                }
            }),
        )
        .with_state(state)
}

async fn read_gauges(state: &AppState) {
    let pool = &state.db.pool;
    let idle = pool.num_idle() as f64;
    metrics::gauge!("roster_db_pool_connections", "state" => "idle").set(idle);
    metrics::gauge!("roster_db_pool_connections", "state" => "in_use").set(f64::from(pool.size()) - idle);
    match app::mail::store::depth_by_state(pool).await {
        Ok(depths) => {
            for (status, count) in depths {
                metrics::gauge!("roster_outbox_emails", "state" => status).set(count as f64);
            }
        }
        Err(error) => tracing::warn!(%error, "could not read the outbox depth for /metrics"),
    }
}

/// Counts each request and its latency by route (the route's pattern, or a server function's
/// path; anything unmatched is "other", so random paths cannot grow the label set).
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let pattern = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string());
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    let status = response.status();
    let route = match pattern {
        Some(pattern) if !pattern.contains("{*") => pattern,
        _ if path.starts_with("/api/") && status != axum::http::StatusCode::NOT_FOUND => path,
        _ => "other".into(),
    };
    let labels = [("route", route), ("method", method)];
    metrics::histogram!(REQUEST_SECONDS, &labels).record(started.elapsed().as_secs_f64());
    let [route, method] = labels;
    metrics::counter!(
        "roster_http_requests_total",
        &[route, method, ("status", status.as_u16().to_string())]
    )
    .increment(1);
    response.into_response()
}
