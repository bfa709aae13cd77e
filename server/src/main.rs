//! `roster`: the Roster server. `roster serve` (default) runs the console; `roster migrate`
//! applies database migrations and exits; `roster admin …` recovers access from the shell.

mod admin_cli;

use app::clock::Clock;
use app::db::Db;
use clap::{Parser, Subcommand};
use server::config::{load_or_create_secret_key, Config, LogConfig, SecretKeySource};
use std::process::ExitCode;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "roster", version, about = "Roster: user management for the security console")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web console (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Break-glass account recovery, against the database the server uses (it may be running).
    Admin {
        #[command(subcommand)]
        command: admin_cli::AdminCommand,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("roster: {error}");
            return ExitCode::from(2);
        }
    };
    let command = cli.command.unwrap_or(Command::Serve);
    // An admin command's standard output is its answer (a link a script may read): logs go to
    // standard error.
    let is_admin = matches!(command, Command::Admin { .. });
    init_logging(&config.log, is_admin);
    let result = match command {
        Command::Serve => serve(config).await,
        Command::Migrate => migrate(&config).await.map(|_| ()),
        Command::Admin { command } => admin(config, command).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            // An admin command's log already goes to the terminal: say it once.
            if !is_admin {
                tracing::error!("{message}");
            }
            eprintln!("roster: {message}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(log: &LogConfig, to_stderr: bool) {
    let filter = tracing_subscriber::EnvFilter::new(&log.filter);
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if to_stderr {
        let builder = builder.with_writer(std::io::stderr);
        if log.json {
            builder.json().init();
        } else {
            builder.init();
        }
    } else if log.json {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn migrate(config: &Config) -> Result<Db, String> {
    if config.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir)
            .map_err(|e| format!("cannot create ROSTER_DATA_DIR {}: {e}", config.data_dir.display()))?;
    }
    let db = Db::connect_with(&config.database_url, config.db_max_connections)
        .await
        .map_err(|e| format!("cannot open the database (DATABASE_URL): {e}"))?;
    db.migrate().await.map_err(|e| format!("migrations failed: {e}"))?;
    tracing::info!(backend = ?db.backend, "database ready");
    Ok(db)
}

/// The state `serve` runs with: the data folder, the instance key, the migrated database.
async fn open_state(config: &Config) -> Result<app::state::AppState, String> {
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|e| format!("cannot create ROSTER_DATA_DIR {}: {e}", config.data_dir.display()))?;
    let secret_key = match &config.secret_key {
        SecretKeySource::Given(key) => *secrecy::ExposeSecret::expose_secret(key),
        SecretKeySource::File(path) => {
            load_or_create_secret_key(path).map_err(|e| format!("ROSTER_SECRET_KEY: {e}"))?
        }
    };
    let db = migrate(config).await?;
    let now = Clock::default().now();
    app::settings::service::check_instance_key(&db, &secret_key, now)
        .await
        .map_err(|e| format!("ROSTER_SECRET_KEY: {e}"))?;
    let leptos_options = server::leptos_options(config.site_addr, &config.site_root);
    Ok(server::app_state(server::ServerParts {
        leptos_options,
        db,
        public_url: config.public_url.clone(),
        secret_key,
        trusted_proxies: config.trusted_proxies.clone(),
        outbox_lease_secs: config.outbox_lease_secs,
        webhook_allow: config.webhook_allow.clone(),
        clock: Clock::default(),
    }))
}

async fn admin(config: Config, command: admin_cli::AdminCommand) -> Result<(), String> {
    let state = open_state(&config).await?;
    let result = admin_cli::run(&state, command).await;
    state.db.pool.close().await;
    result
}

async fn serve(config: Config) -> Result<(), String> {
    let metrics = match config.metrics_addr {
        Some(addr) => Some((addr, server::http::metrics::install()?)),
        None => None,
    };
    let state = open_state(&config).await?;
    // Cancelled on SIGTERM: the outbox stops claiming and drains while requests finish.
    let stopping = CancellationToken::new();
    let outbox_worker = server::workers::outbox::spawn(state.clone(), Duration::from_secs(10), stopping.clone());
    let _prune_worker = server::workers::prune::spawn(state.clone(), Duration::from_secs(60));
    let _search_index_worker = server::workers::search_index::spawn(state.clone(), Duration::from_secs(5));
    let _retention_worker = server::workers::retention::spawn(state.clone(), Duration::from_secs(3600));
    let deliveries_worker = server::workers::deliveries::spawn(state.clone(), Duration::from_secs(2), stopping.clone());
    if let Some((addr, handle)) = metrics {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| format!("cannot listen on ROSTER_METRICS_ADDR {addr}: {e}"))?;
        tracing::info!("metrics on http://{addr}/metrics");
        let router = server::http::metrics::router(handle, state.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
    }
    let router = server::router(state);
    let listener = tokio::net::TcpListener::bind(config.site_addr)
        .await
        .map_err(|e| format!("cannot listen on LEPTOS_SITE_ADDR {}: {e}", config.site_addr))?;
    tracing::info!("Roster is listening on http://{}", config.site_addr);
    let served = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown({
        let stopping = stopping.clone();
        async move {
            shutdown_signal().await;
            stopping.cancel();
        }
    })
    .await
    .map_err(|e| format!("server error: {e}"));
    // Requests have finished; the outbox and the deliveries get what is left of the drain time.
    let drain = app::mail::outbox::DRAIN + Duration::from_secs(2);
    tokio::join!(outbox_worker.finish(drain), deliveries_worker.finish(drain));
    tracing::info!("stopped");
    served
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: no new connections, finishing requests and emails in flight");
}
