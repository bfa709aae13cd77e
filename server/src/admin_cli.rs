//! `roster admin …`: break-glass recovery from the server's shell, for when nobody can sign in.
//! Passwords come from the terminal (typed twice, not echoed) or one line of standard input,
//! never from an argument, which other users of the machine could read in the process list.
//! The rules live in `app::recovery::break_glass`; this is only the command line around them.

use app::domain::{AppError, Email};
use app::recovery::break_glass::{self, ResetOptions};
use app::state::AppState;
use clap::{Args, Subcommand};
use std::io::BufRead;

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Set a user's password (or print a one-time reset link); their sessions end.
    ResetPassword(ResetArgs),
    /// Create a Global Administrator, only when no active one exists.
    CreateAdmin(CreateArgs),
    /// Walk the activity log's hash chain; exits non-zero at the first entry changed or removed.
    VerifyLog,
}

#[derive(Args)]
pub struct ResetArgs {
    /// The user's email.
    #[arg(long, value_parser = parse_email)]
    email: Email,
    /// Read the new password from one line of standard input instead of the terminal.
    #[arg(long, conflicts_with = "link")]
    password_stdin: bool,
    /// Print a one-time reset link (valid 30 minutes) instead of setting a password.
    #[arg(long)]
    link: bool,
    /// Also turn the user's two-factor authentication off.
    #[arg(long = "disable-2fa")]
    disable_2fa: bool,
    /// Also clear the user's failed sign-in count.
    #[arg(long)]
    unlock: bool,
}

#[derive(Args)]
pub struct CreateArgs {
    /// The new administrator's email.
    #[arg(long, value_parser = parse_email)]
    email: Email,
    /// Default: from the email's local part.
    #[arg(long)]
    first_name: Option<String>,
    /// Default: "Administrator".
    #[arg(long)]
    last_name: Option<String>,
    /// Read the password from one line of standard input instead of the terminal.
    #[arg(long)]
    password_stdin: bool,
}

fn parse_email(raw: &str) -> Result<Email, String> {
    Email::parse(raw).map_err(|e| e.message)
}

/// Runs the command against the database `state` opened; the error is the message to print.
pub async fn run(state: &AppState, command: AdminCommand) -> Result<(), String> {
    match command {
        AdminCommand::ResetPassword(args) => reset_password(state, args).await,
        AdminCommand::CreateAdmin(args) => create_admin(state, args).await,
        AdminCommand::VerifyLog => verify_log(state).await,
    }
}

/// Prints what the page's Verify says; a break is an error (exit status 1).
async fn verify_log(state: &AppState) -> Result<(), String> {
    let report = app::activity::service::verify(state).await.map_err(message)?;
    if report.broken_at.is_some() {
        return Err(report.message());
    }
    println!("{}", report.message());
    Ok(())
}

async fn reset_password(state: &AppState, args: ResetArgs) -> Result<(), String> {
    let options = ResetOptions {
        disable_2fa: args.disable_2fa,
        unlock: args.unlock,
    };
    let done = if args.link {
        let printed = break_glass::reset_link(state, &args.email, options)
            .await
            .map_err(message)?;
        println!("{}", printed.url);
        eprintln!(
            "This link sets a new password for {} once, until {}.",
            args.email,
            app::ui::format_utc(printed.expires_at)
        );
        printed.done
    } else {
        // Known before the prompt, so nobody types a password for a mistyped email.
        if app::auth::store::find_user_by_email(&state.db.pool, args.email.as_str())
            .await
            .map_err(|e| format!("cannot read the database: {e}"))?
            .is_none()
        {
            return Err(format!("No user with email {}.", args.email));
        }
        let password = read_password(args.password_stdin).await?;
        let done = break_glass::reset_password(state, &args.email, password, options)
            .await
            .map_err(message)?;
        println!("The password of {} was changed.", args.email);
        done
    };
    println!("Sessions ended: {}.", done.sessions_ended);
    if done.two_factor_disabled {
        println!("Two-factor authentication is off.");
    } else if args.disable_2fa {
        println!("Two-factor authentication was not on.");
    }
    if args.unlock {
        println!("Failed sign-ins were cleared.");
    }
    if done.account_disabled {
        println!("Note: this account is disabled; an administrator must enable it before it can sign in.");
    }
    Ok(())
}

async fn create_admin(state: &AppState, args: CreateArgs) -> Result<(), String> {
    let (first, last) = break_glass::default_names(&args.email);
    let first = args.first_name.unwrap_or(first);
    let last = args.last_name.unwrap_or(last);
    let password = read_password(args.password_stdin).await?;
    break_glass::create_admin(state, &args.email, &first, &last, password)
        .await
        .map_err(message)?;
    println!(
        "{first} {last} <{}> is now an active Global Administrator and can sign in.",
        args.email
    );
    Ok(())
}

/// What the person at the shell reads for an error.
fn message(error: AppError) -> String {
    error.to_string()
}

/// The new password: one line of standard input, or typed twice at the terminal.
async fn read_password(from_stdin: bool) -> Result<String, String> {
    tokio::task::spawn_blocking(move || {
        if from_stdin {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
            let password = line.strip_suffix('\n').unwrap_or(&line);
            let password = password.strip_suffix('\r').unwrap_or(password);
            if password.is_empty() {
                return Err("No password on standard input.".to_string());
            }
            return Ok(password.to_string());
        }
        let no_terminal = |e: std::io::Error| {
            format!("cannot read a password from the terminal ({e}); pipe it in with --password-stdin instead")
        };
        let first = rpassword::prompt_password("New password: ").map_err(no_terminal)?;
        let again = rpassword::prompt_password("New password again: ").map_err(no_terminal)?;
        if first != again {
            return Err("The two passwords differ; nothing was changed.".to_string());
        }
        Ok(first)
    })
    .await
    .map_err(|e| format!("reading the password failed: {e}"))?
}
