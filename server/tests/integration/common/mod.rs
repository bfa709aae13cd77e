//! Test harness: the real router over a real database, a fresh one per test.
//! SQLite: a new file. PostgreSQL: a new database on ROSTER_TEST_POSTGRES_URL (default
//! postgres://postgres@127.0.0.1:5432/postgres), dropped when the test ends.
#![allow(dead_code)]

pub mod peers;
pub mod receiver;

use app::clock::Clock;
use app::db::Db;
use app::state::AppState;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use sqlx::Row;
use tower::ServiceExt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Longest a single database set-up step or test may take before it fails instead of hanging
/// (generous: the 10,000-user tests share two cores with everything else under CI).
pub const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

const WORKER_POLL: std::time::Duration = std::time::Duration::from_millis(200);

pub const HOST: &str = "roster.test";
/// The instance key of every test app.
pub const TEST_KEY: [u8; 32] = [7u8; 32];
pub const ORIGIN: &str = "http://roster.test";

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    /// The Host and Origin that `get` and `call` send: the public URL's (HOST and ORIGIN
    /// unless a test starts the app with another one).
    pub host: String,
    pub origin: String,
    /// The outbox worker, as `roster serve` runs it (polling quickly, for tests).
    pub worker: Option<server::workers::WorkerHandle>,
    /// The database's URL, for running the `roster` binary against it.
    pub database_url: String,
    _cleanup: Cleanup,
}

enum Cleanup {
    /// Another `TestApp` (the first replica) owns the database.
    Shared,
    SqliteDir(std::path::PathBuf),
    PostgresDb {
        admin_url: String,
        name: String,
    },
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        match self {
            Cleanup::Shared => {}
            Cleanup::SqliteDir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::PostgresDb { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs outside any runtime we may block on: use a thread with its own.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    rt.block_on(async {
                        let drop_db = async {
                            let pool = sqlx::PgPool::connect(&admin_url).await?;
                            sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                                .execute(&pool)
                                .await
                        };
                        if tokio::time::timeout(std::time::Duration::from_secs(20), drop_db)
                            .await
                            .is_err()
                        {
                            eprintln!("warning: could not drop test database {name} within 20 s");
                        }
                    });
                })
                .join();
            }
        }
    }
}

pub fn postgres_admin_url() -> String {
    std::env::var("ROSTER_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn unique_name(prefix: &str) -> String {
    use rand::Rng;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    format!("{prefix}_{now}_{:08x}", rand::thread_rng().gen::<u32>())
}

impl TestApp {
    /// A fresh app on `backend`, configured with ORIGIN as its public URL (ROSTER_PUBLIC_URL)
    /// so that it answers for HOST before setup too. For PostgreSQL when the server is
    /// unreachable: None if the test command chose to skip PostgreSQL
    /// (ROSTER_TEST_POSTGRES=skip), a failure otherwise.
    pub async fn start(backend: Backend) -> Option<TestApp> {
        Self::start_with(backend, Some(ORIGIN)).await
    }

    /// A fresh app with this public URL, or none (then, until setup, it answers only loopback
    /// hosts: send those with `request`).
    pub async fn start_with(backend: Backend, public_url: Option<&str>) -> Option<TestApp> {
        let (db, database_url, cleanup) = match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(unique_name("roster_test"));
                std::fs::create_dir_all(&dir).unwrap();
                let url = format!("sqlite://{}", dir.join("roster.db").display());
                let db = Db::connect(&url).await.expect("open sqlite");
                (db, url, Cleanup::SqliteDir(dir))
            }
            Backend::Postgres => {
                let admin_url = postgres_admin_url();
                let admin = match sqlx::PgPool::connect(&admin_url).await {
                    Ok(pool) => pool,
                    Err(error) => {
                        if std::env::var("ROSTER_TEST_POSTGRES").as_deref() == Ok("skip") {
                            eprintln!("SKIPPED (PostgreSQL unreachable at {admin_url}: {error})");
                            return None;
                        }
                        panic!("PostgreSQL is unreachable at {admin_url}: {error}. Start it, or set ROSTER_TEST_POSTGRES=skip to skip these tests.");
                    }
                };
                let name = unique_name("roster_test");
                let create_sql = format!("CREATE DATABASE \"{name}\"");
                let create = sqlx::query(&create_sql).execute(&admin);
                tokio::time::timeout(TIMEOUT, create)
                    .await
                    .expect("CREATE DATABASE finishes within the time limit")
                    .expect("create test database");
                admin.close().await;
                let url = match admin_url.rsplit_once('/') {
                    Some((base, _)) => format!("{base}/{name}"),
                    None => panic!("ROSTER_TEST_POSTGRES_URL must name a database"),
                };
                let db = Db::connect(&url).await.expect("connect to test database");
                (db, url, Cleanup::PostgresDb { admin_url, name })
            }
        };
        db.migrate().await.expect("migrations apply");
        // As `roster serve` does: this app's key is the database's from now on.
        app::settings::service::check_instance_key(&db, &TEST_KEY, 0)
            .await
            .expect("a fresh database takes the key");
        let leptos_options = server::leptos_options("127.0.0.1:0".parse().unwrap(), "target/site");
        let state = server::app_state(server::ServerParts {
            leptos_options,
            db,
            public_url: public_url.map(str::to_string),
            secret_key: TEST_KEY,
            trusted_proxies: Vec::new(),
            outbox_lease_secs: app::mail::outbox::DEFAULT_LEASE_SECS,
            webhook_allow: Default::default(),
            clock: Clock::default(),
        });
        let router = server::router(state.clone());
        let origin = public_url.unwrap_or(ORIGIN).trim_end_matches('/').to_string();
        let host = origin.split_once("://").map_or(HOST, |(_, host)| host).to_string();
        Some(TestApp {
            router,
            host,
            origin,
            worker: Some(server::workers::outbox::spawn(
                state.clone(),
                WORKER_POLL,
                Default::default(),
            )),
            state,
            database_url,
            _cleanup: cleanup,
        })
    }

    /// A second replica on this app's database, as a second `roster serve` would be: its own
    /// pool, caches and outbox worker, the same instance key, public URL and (test) clock.
    pub async fn second_replica(&self) -> TestApp {
        let db = Db::connect(&self.database_url)
            .await
            .expect("the second replica connects");
        db.migrate()
            .await
            .expect("the second replica's migrations are all applied");
        app::settings::service::check_instance_key(&db, &TEST_KEY, 0)
            .await
            .expect("the second replica has the same key");
        let state = server::app_state(server::ServerParts {
            leptos_options: self.state.leptos_options.clone(),
            db,
            public_url: self.state.config.public_url.clone(),
            secret_key: TEST_KEY,
            trusted_proxies: Vec::new(),
            outbox_lease_secs: self.state.config.outbox_lease_secs,
            webhook_allow: self.state.config.webhook_allow.clone(),
            clock: self.state.clock.clone(),
        });
        TestApp {
            router: server::router(state.clone()),
            host: self.host.clone(),
            origin: self.origin.clone(),
            worker: Some(server::workers::outbox::spawn(
                state.clone(),
                WORKER_POLL,
                Default::default(),
            )),
            state,
            database_url: self.database_url.clone(),
            _cleanup: Cleanup::Shared,
        }
    }

    /// Stops the outbox worker (as a shutdown would) and starts a new one.
    pub fn restart_worker(&mut self) {
        self.worker = None;
        self.worker = Some(server::workers::outbox::spawn(
            self.state.clone(),
            WORKER_POLL,
            Default::default(),
        ));
    }

    /// Rebuilds the router trusting `X-Forwarded-For` from these proxies (ROSTER_TRUSTED_PROXIES),
    /// over the same database.
    pub fn trust_proxies(&mut self, ranges: &str) {
        let ranges = server::http::client_addr::parse_trusted_proxies(ranges).expect("valid ranges");
        let config = app::state::RuntimeConfig::new(self.state.config.public_url.clone(), *self.state.config.key())
            .with_trusted_proxies(ranges);
        self.state.config = std::sync::Arc::new(config);
        self.router = server::router(self.state.clone());
    }

    /// Calls a server function over a connection from `peer` (as `roster serve` sees it), with
    /// an optional `X-Forwarded-For`.
    pub async fn call_from(
        &self,
        peer: &str,
        forwarded_for: Option<&str>,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> TestResponse {
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri(format!("/api/{endpoint}"))
            .header("host", &self.host)
            .header("origin", &self.origin)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json");
        if let Some(hops) = forwarded_for {
            builder = builder.header("x-forwarded-for", hops);
        }
        let mut request = builder.body(Body::from(form_body(form))).unwrap();
        let peer: std::net::SocketAddr = peer.parse().expect("peer is ip:port");
        request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
        self.request(request).await
    }

    /// Signs in as a browser would: over a connection from `peer` (ip:port), sending the device
    /// cookie `device` if it has one.
    pub async fn login_from(&self, peer: &str, device: Option<&str>, email: &str, password: &str) -> TestResponse {
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri("/api/auth/login")
            .header("host", &self.host)
            .header("origin", &self.origin)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .header("user-agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0");
        if let Some(device) = device {
            builder = builder.header("cookie", format!("{}={device}", self.state.config.device_cookie()));
        }
        let form = [("email", email), ("password", password)];
        let mut request = builder.body(Body::from(form_body(&form))).unwrap();
        let peer: std::net::SocketAddr = peer.parse().expect("peer is ip:port");
        request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
        self.request(request).await
    }

    /// Moves the clock on and lets the worker look at once.
    pub fn advance_clock_and_wake(&self, secs: i64) {
        self.state.clock.advance(secs);
        self.state.mail.wake_worker();
    }

    pub async fn request(&self, request: Request<Body>) -> TestResponse {
        let response = self.router.clone().oneshot(request).await.expect("router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        TestResponse {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// GET a page as a browser would, with an optional session cookie.
    pub async fn get(&self, path: &str, session: Option<&str>) -> TestResponse {
        let mut builder = Request::builder()
            .method(Method::GET)
            .uri(path)
            .header("host", &self.host)
            .header("accept", "text/html");
        if let Some(token) = session {
            builder = builder.header("cookie", format!("{}={token}", self.state.config.session_cookie()));
        }
        self.request(builder.body(Body::empty()).unwrap()).await
    }

    /// Calls a server function the way the hydrated page does (same-origin fetch, form body).
    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)], session: Option<&str>) -> TestResponse {
        self.call_with_origin(endpoint, form, session, Some(self.origin.as_str()))
            .await
    }

    pub async fn call_with_origin(
        &self,
        endpoint: &str,
        form: &[(&str, &str)],
        session: Option<&str>,
        origin: Option<&str>,
    ) -> TestResponse {
        let body = form_body(form);
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri(format!("/api/{endpoint}"))
            .header("host", &self.host)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json");
        if let Some(origin) = origin {
            builder = builder.header("origin", origin);
        }
        if let Some(token) = session {
            builder = builder.header("cookie", format!("{}={token}", self.state.config.session_cookie()));
        }
        self.request(builder.body(Body::from(body)).unwrap()).await
    }

    /// Registers the first administrator and returns their session token.
    pub async fn register_admin(&self) -> String {
        let response = self.call("auth/setup", &admin_form(), None).await;
        assert!(
            response.status.is_success() || response.status.is_redirection(),
            "setup failed: {response:?}"
        );
        response.session_cookie().expect("setup sets a session cookie")
    }

    pub async fn login(&self, email: &str, password: &str) -> TestResponse {
        self.call("auth/login", &[("email", email), ("password", password)], None)
            .await
    }

    /// What `/invite/<token>` would show, as JSON.
    pub async fn open_invite(&self, token: &str) -> serde_json::Value {
        let response = self.call("invites/open", &[("token", token)], None).await;
        assert_eq!(response.status, StatusCode::OK, "{response:?}");
        json(&response.body)
    }

    /// Completes signup through an invite token as Bob Builder.
    pub async fn signup(&self, token: &str) -> TestResponse {
        let form = [
            ("token", token),
            ("first_name", "Bob"),
            ("last_name", "Builder"),
            ("password", INVITEE_PASSWORD),
            ("password_confirm", INVITEE_PASSWORD),
        ];
        self.call("invites/signup", &form, None).await
    }

    /// A signed-in user with `role` (a role code), brought in through an invite link.
    pub async fn user_with_role(&self, admin: &str, email: &str, role: &str) -> String {
        let response = self
            .call(
                "invites/create",
                &[("email", email), ("role", role), ("lifetime", "24h")],
                Some(admin),
            )
            .await;
        assert_eq!(response.status, StatusCode::OK, "{response:?}");
        let url = json(&response.body)["url"].as_str().unwrap().to_string();
        let token = url.rsplit('/').next().unwrap();
        self.signup(token).await.session_cookie().expect("signed up")
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query(sql)
            .fetch_one(&self.state.db.pool)
            .await
            .unwrap()
            .try_get::<i64, _>(0)
            .unwrap()
    }

    pub async fn execute(&self, sql: &str) {
        sqlx::query(sql).execute(&self.state.db.pool).await.unwrap();
    }
}

pub const INVITEE_PASSWORD: &str = "a perfectly fine password";

pub fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

pub const ADMIN_EMAIL: &str = "ada@example.com";
pub const ADMIN_PASSWORD: &str = "correct horse battery staple";

pub fn admin_form() -> Vec<(&'static str, &'static str)> {
    vec![
        ("first_name", "Ada"),
        ("last_name", "Lovelace"),
        ("email", "Ada@Example.com"),
        ("password", ADMIN_PASSWORD),
        ("password_confirm", ADMIN_PASSWORD),
        ("console_url", "http://roster.test"),
    ]
}

pub fn form_body(form: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish()
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl TestResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The Set-Cookie line for the session cookie (named `__Host-roster_session` over https).
    pub fn session_set_cookie(&self) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.trim_start_matches("__Host-").starts_with("roster_session="))
            .map(str::to_string)
    }

    /// The session cookie's value, if one was set (and not cleared).
    pub fn session_cookie(&self) -> Option<String> {
        self.cookie("roster_session")
    }

    /// The value this response sets for the cookie `name` (`__Host-` prefixed or not), if any.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let prefix = format!("{name}=");
        let line = self
            .headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.trim_start_matches("__Host-").starts_with(&prefix))?;
        let (_, value) = line.split(';').next()?.split_once('=')?;
        (!value.is_empty()).then(|| value.to_string())
    }
}

/// Declares each listed test once per backend: `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(app) = $crate::common::TestApp::start($crate::common::Backend::Sqlite).await {
                        tokio::time::timeout($crate::common::TIMEOUT, super::$name(app)).await.expect("test timed out");
                    }
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(app) = $crate::common::TestApp::start($crate::common::Backend::Postgres).await {
                        tokio::time::timeout($crate::common::TIMEOUT, super::$name(app)).await.expect("test timed out");
                    }
                }
            )*
        }
    };
}
