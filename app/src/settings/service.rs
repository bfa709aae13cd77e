//! (ssr) Settings → General: the timeouts' range rules and the console URL. No HTTP here.

use super::store as settings;
use super::{
    GeneralSettings, TimeoutsForm, ABSOLUTE_HOURS_MAX, ABSOLUTE_HOURS_MIN, IDLE_MINUTES_MAX, IDLE_MINUTES_MIN,
};
use crate::activity::store::{self as activity, Event};
use crate::context::Ctx;
use crate::domain::{AppError, ConsoleUrl, FieldError};
use crate::state::AppState;
use serde_json::json;

/// Logout timeouts that passed the range rules: the idle one within 5 minutes to 24 hours, the
/// absolute one within 1 hour to 30 days and never shorter than the idle one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionTimeouts {
    idle_minutes: i64,
    absolute_hours: i64,
}

impl SessionTimeouts {
    /// Every problem at once, each under its field, so the form can show them all.
    pub fn parse(form: &TimeoutsForm) -> Result<SessionTimeouts, Vec<FieldError>> {
        let idle = whole_number(&form.idle_timeout_minutes).and_then(|n| {
            (IDLE_MINUTES_MIN..=IDLE_MINUTES_MAX)
                .contains(&n)
                .then_some(n)
                .ok_or(Problem::Range)
        });
        let absolute = whole_number(&form.absolute_timeout_hours).and_then(|n| {
            (ABSOLUTE_HOURS_MIN..=ABSOLUTE_HOURS_MAX)
                .contains(&n)
                .then_some(n)
                .ok_or(Problem::Range)
        });
        let mut errors = Vec::new();
        if let Err(problem) = idle {
            errors.push(FieldError::new(
                "idle_timeout_minutes",
                problem.message(
                    "Idle timeout",
                    "minutes",
                    format!("between {IDLE_MINUTES_MIN} and {IDLE_MINUTES_MAX} minutes"),
                ),
            ));
        }
        if let Err(problem) = absolute {
            errors.push(FieldError::new(
                "absolute_timeout_hours",
                problem.message(
                    "Absolute timeout",
                    "hours",
                    format!("between {ABSOLUTE_HOURS_MIN} and {ABSOLUTE_HOURS_MAX} hours (30 days)"),
                ),
            ));
        }
        match (idle, absolute) {
            (Ok(idle_minutes), Ok(absolute_hours)) if absolute_hours * 60 < idle_minutes => Err(vec![FieldError::new(
                "absolute_timeout_hours",
                format!(
                    "Absolute timeout must not be shorter than the idle timeout ({idle_minutes} minutes): \
                         enter at least {} hours.",
                    (idle_minutes + 59) / 60
                ),
            )]),
            (Ok(idle_minutes), Ok(absolute_hours)) => Ok(SessionTimeouts {
                idle_minutes,
                absolute_hours,
            }),
            _ => Err(errors),
        }
    }

    pub fn idle_minutes(self) -> i64 {
        self.idle_minutes
    }

    pub fn absolute_hours(self) -> i64 {
        self.absolute_hours
    }

    fn describe(self) -> serde_json::Value {
        json!({ "idle_timeout_minutes": self.idle_minutes, "absolute_timeout_hours": self.absolute_hours })
    }
}

#[derive(Clone, Copy)]
enum Problem {
    Missing,
    NotANumber,
    Range,
}

impl Problem {
    fn message(&self, what: &str, unit: &str, range: String) -> String {
        match self {
            Problem::Missing => format!("Enter the {} in {unit}.", what.to_lowercase()),
            Problem::NotANumber => format!("{what} must be a whole number of {unit}."),
            Problem::Range => format!("{what} must be {range}."),
        }
    }
}

fn whole_number(text: &str) -> Result<i64, Problem> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Problem::Missing);
    }
    match text.parse::<i64>() {
        Ok(n) => Ok(n),
        // Digits too many for an i64 are a number, just far out of range.
        Err(_) if text.trim_start_matches(['-', '+']).bytes().all(|b| b.is_ascii_digit()) => Err(Problem::Range),
        Err(_) => Err(Problem::NotANumber),
    }
}

/// The timeouts in effect: the saved ones, or the defaults.
async fn current_timeouts(conn: &mut sqlx::AnyConnection) -> Result<SessionTimeouts, AppError> {
    Ok(SessionTimeouts {
        idle_minutes: settings::get_i64(
            &mut *conn,
            settings::IDLE_TIMEOUT_MINUTES,
            settings::DEFAULT_IDLE_TIMEOUT_MINUTES,
        )
        .await?,
        absolute_hours: settings::get_i64(
            &mut *conn,
            settings::ABSOLUTE_TIMEOUT_HOURS,
            settings::DEFAULT_ABSOLUTE_TIMEOUT_HOURS,
        )
        .await?,
    })
}

pub async fn general(state: &AppState) -> Result<GeneralSettings, AppError> {
    let pool = &state.db.pool;
    let timeouts = current_timeouts(&mut *pool.acquire().await?).await?;
    let (console_url, console_url_fixed) = match &state.config.public_url {
        Some(url) => (url.clone(), true),
        None => (
            settings::get(pool, settings::CONSOLE_URL).await?.unwrap_or_default(),
            false,
        ),
    };
    Ok(GeneralSettings {
        idle_timeout_minutes: timeouts.idle_minutes,
        absolute_timeout_hours: timeouts.absolute_hours,
        console_url,
        console_url_fixed,
    })
}

/// Saves both timeouts. Sessions read them on every request (`auth::service::resolve_viewer`),
/// so the change reaches every existing session at its next request.
pub async fn save_timeouts(ctx: &Ctx, form: &TimeoutsForm) -> Result<SessionTimeouts, AppError> {
    let after = SessionTimeouts::parse(form).map_err(AppError::Invalid)?;
    let mut tx = ctx.state.db.begin().await?;
    let before = current_timeouts(&mut tx).await?;
    if before == after {
        return Ok(after);
    }
    let idle = after.idle_minutes.to_string();
    let absolute = after.absolute_hours.to_string();
    settings::set(&mut *tx, settings::IDLE_TIMEOUT_MINUTES, &idle, ctx.now).await?;
    settings::set(&mut *tx, settings::ABSOLUTE_TIMEOUT_HOURS, &absolute, ctx.now).await?;
    let event = Event {
        action: "settings.session_timeouts_changed",
        object_type: "settings",
        object_id: None,
        object_name: "General",
        details: json!({ "before": before.describe(), "after": after.describe() }),
    };
    activity::record_event(&mut tx, ctx, event).await?;
    tx.commit().await?;
    Ok(after)
}

const FIXED_BY_OPERATOR: &str =
    "The console URL is set by the server's ROSTER_PUBLIC_URL: change it there and restart Roster.";

/// Saves the console URL that links and emails use; returns it as saved.
pub async fn save_console_url(ctx: &Ctx, raw: &str) -> Result<String, AppError> {
    // The operator's setting would win over the saved one: saving would change nothing seen.
    if ctx.state.config.public_url.is_some() {
        return Err(AppError::Conflict(FIXED_BY_OPERATOR.into()));
    }
    let after = ConsoleUrl::parse(raw)?;
    let mut tx = ctx.state.db.begin().await?;
    let before = settings::get(&mut *tx, settings::CONSOLE_URL).await?;
    if before.as_deref() == Some(after.as_str()) {
        return Ok(after.into_string());
    }
    settings::set(&mut *tx, settings::CONSOLE_URL, after.as_str(), ctx.now).await?;
    let event = Event {
        action: "settings.console_url_changed",
        object_type: "settings",
        object_id: None,
        object_name: "General",
        details: json!({ "before": before, "after": after.as_str() }),
    };
    activity::record_event(&mut tx, ctx, event).await?;
    tx.commit().await?;
    Ok(after.into_string())
}

/// Whether this server may use the database: the first server to start stores a check of its
/// instance key; every later one must hold the same key, or it could not open the secrets the
/// others sealed (the mail password, 2FA secrets) and its links would not match theirs.
pub async fn check_instance_key(db: &crate::db::Db, key: &[u8; 32], now: i64) -> Result<(), String> {
    let mine = crate::crypto::key_check(key);
    let standing = settings::set_once(&db.pool, settings::INSTANCE_KEY_CHECK, &mine, now)
        .await
        .map_err(|e| format!("cannot read the instance key check: {e}"))?;
    if standing != mine {
        return Err(
            "this server's secret key is not the one this database was set up with. Every server \
             on one database must run with the same ROSTER_SECRET_KEY (64 hex digits; the first \
             server's is in its data folder, secret.key, unless ROSTER_SECRET_KEY was set): \
             give this server that key."
                .into(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(idle: &str, absolute: &str) -> Result<SessionTimeouts, Vec<FieldError>> {
        SessionTimeouts::parse(&TimeoutsForm {
            idle_timeout_minutes: idle.into(),
            absolute_timeout_hours: absolute.into(),
        })
    }

    fn messages(idle: &str, absolute: &str) -> Vec<(String, String)> {
        parse(idle, absolute)
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.message))
            .collect()
    }

    #[test]
    fn the_limits_themselves_are_allowed() {
        let t = parse("5", "1").unwrap();
        assert_eq!((t.idle_minutes(), t.absolute_hours()), (5, 1));
        let t = parse(" 1440 ", "720").unwrap();
        assert_eq!((t.idle_minutes(), t.absolute_hours()), (1440, 720));
        assert!(parse("60", "1").is_ok(), "absolute equal to idle");
    }

    #[test]
    fn out_of_range_and_not_numbers_name_their_field() {
        assert_eq!(
            messages("4", "721"),
            [
                (
                    "idle_timeout_minutes".into(),
                    "Idle timeout must be between 5 and 1440 minutes.".into()
                ),
                (
                    "absolute_timeout_hours".into(),
                    "Absolute timeout must be between 1 and 720 hours (30 days).".into()
                ),
            ]
        );
        assert_eq!(
            messages("ten", "1.5")[0].1,
            "Idle timeout must be a whole number of minutes."
        );
        assert_eq!(
            messages("ten", "1.5")[1].1,
            "Absolute timeout must be a whole number of hours."
        );
        assert_eq!(
            messages("99999999999999999999999", "12")[0].1,
            "Idle timeout must be between 5 and 1440 minutes."
        );
        assert_eq!(messages("", "12")[0].1, "Enter the idle timeout in minutes.");
        assert_eq!(messages("-30", "12")[0].0, "idle_timeout_minutes");
    }

    #[test]
    fn absolute_is_never_shorter_than_idle() {
        assert_eq!(
            messages("121", "2"),
            [(
                "absolute_timeout_hours".into(),
                "Absolute timeout must not be shorter than the idle timeout (121 minutes): enter at least 3 hours."
                    .into()
            )]
        );
    }
}
