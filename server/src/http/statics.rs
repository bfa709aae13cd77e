//! Static assets from the built site. Hashed names under /pkg are cached for a year; brotli
//! and gzip files written by `cargo leptos build --precompress` are served when accepted.

use axum::http::{header, HeaderValue};
use axum::Router;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

pub fn routes(site_root: &str, pkg_dir: &str) -> Router<()> {
    let pkg = ServeDir::new(format!("{site_root}/{pkg_dir}"))
        .precompressed_br()
        .precompressed_gzip();
    Router::new()
        .nest_service(&format!("/{pkg_dir}"), pkg)
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        ))
}

/// Other files in the site root (favicon and the like): short cache, compressed if available.
pub fn fallback(site_root: &str) -> ServeDir {
    ServeDir::new(site_root).precompressed_br().precompressed_gzip()
}
