//! The Roster server: configuration, router and middleware, start-up. `main.rs` is only the CLI.

pub mod config;
pub mod http;
pub mod workers;

use app::clock::Clock;
use app::db::Db;
use app::state::{AppState, RuntimeConfig};
use app::{shell, App};
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue};
use axum::routing::get;
use axum::Router;
use leptos::config::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::sync::Arc;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// Everything needed to build the router.
pub struct ServerParts {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub public_url: Option<String>,
    pub secret_key: [u8; 32],
    /// `ROSTER_TRUSTED_PROXIES`.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// `ROSTER_OUTBOX_LEASE_SECS`.
    pub outbox_lease_secs: i64,
    /// `ROSTER_WEBHOOK_ALLOW`.
    pub webhook_allow: app::integrations::guard::AllowList,
    pub clock: Clock,
}

pub fn app_state(parts: ServerParts) -> AppState {
    AppState {
        leptos_options: parts.leptos_options,
        db: parts.db,
        config: Arc::new(
            RuntimeConfig::new(parts.public_url, parts.secret_key)
                .with_trusted_proxies(parts.trusted_proxies)
                .with_outbox_lease(parts.outbox_lease_secs)
                .with_webhook_allow(parts.webhook_allow),
        ),
        clock: parts.clock,
        mail: Default::default(),
        users_pages: Default::default(),
        users_matches: Default::default(),
    }
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    let site_root = options.site_root.to_string();
    let public_origin = state.config.public_url.as_deref().map(http::origin::origin_of);
    let hsts = state.config.secure_cookies();
    let hosts = http::host::HostCheck::new(&state);
    let config = state.config.clone();

    let app_routes = Router::new()
        .route("/healthz", get(http::probes::healthz))
        .route("/readyz", get(http::probes::readyz))
        .route(http::activity_export::PATH, get(http::activity_export::download))
        .leptos_routes_with_context(&state, routes, http::page::page_context, {
            let options = options.clone();
            move || shell(options.clone())
        })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            http::viewer::resolve,
        ))
        // Pages and server-function answers are about someone signed in: never kept by a
        // browser or proxy cache (static files under /pkg keep their own long cache).
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(DefaultBodyLimit::max(http::limits::BODY_LIMIT))
        .layer(axum::middleware::from_fn(http::metrics::track))
        .with_state(state);

    let mut router = app_routes
        .merge(http::statics::routes(&site_root, &options.site_pkg_dir))
        .fallback_service(http::statics::fallback(&site_root))
        .layer(axum::middleware::from_fn(http::limits::refuse_large_bodies))
        .layer(axum::middleware::from_fn_with_state(
            hosts,
            http::host::allowed_hosts_only,
        ));
    for layer in http::headers::layers(hsts) {
        router = router.layer(layer);
    }
    router
        .layer(axum::middleware::from_fn(move |req, next| {
            http::origin::same_origin_only(public_origin.clone(), req, next)
        }))
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn_with_state(config, http::client_addr::resolve))
        .layer(TraceLayer::new_for_http().make_span_with(http::trace::request_span))
        .layer(axum::middleware::from_fn(http::request_id::assign))
}

/// Leptos settings from the environment cargo-leptos sets, with defaults that let the release
/// binary run on its own from the repository root.
pub fn leptos_options(site_addr: std::net::SocketAddr, site_root: &str) -> LeptosOptions {
    let from_env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let hash_file = from_env("LEPTOS_HASH_FILE_NAME").unwrap_or_else(|| "hash.txt".into());
    // cargo-leptos writes hash.txt beside the binary when it hashes file names.
    let hash_files = match from_env("LEPTOS_HASH_FILES") {
        Some(v) => v == "true",
        None => std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.join(&hash_file).exists()))
            .unwrap_or(false),
    };
    LeptosOptions::builder()
        .output_name(from_env("LEPTOS_OUTPUT_NAME").unwrap_or_else(|| "roster".into()))
        .site_root(site_root)
        .site_pkg_dir(from_env("LEPTOS_SITE_PKG_DIR").unwrap_or_else(|| "pkg".into()))
        .site_addr(site_addr)
        .hash_file(std::sync::Arc::<str>::from(hash_file))
        .hash_files(hash_files)
        .build()
}
