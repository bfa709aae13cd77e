//! The server's integration tests, as one test binary: each binary links the whole server, so
//! one instead of nine saves eight links and about 1.7 GB of disk per build.
//! Every test runs on SQLite and on PostgreSQL (`on_both_backends!`, in `common`).

#[macro_use]
mod common;

mod activity_log;
mod activity_log_integrity;
mod admin_cli;
mod auth;
mod cli;
mod client_addr;
mod groups;
mod health;
mod hosts;
mod http;
mod idle_warning;
mod invite_csv;
mod invites;
mod mail;
mod malformed;
mod metrics;
mod overview;
mod password_reset;
mod permissions;
mod replicas;
mod security;
mod sessions;
mod settings;
mod sign_in_limits;
mod triggers;
mod triggers_delivery;
mod two_factor;
mod user_actions;
mod users;
