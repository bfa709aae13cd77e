//! (ssr) Bulk invitations from CSV: the preview checks every row against the same rules as one
//! emailed invitation, and each chunk sent is one transaction that queues its invitations
//! through the same path (`service::issue`: invitation row, sealed link, outbox email,
//! activity entry).

use super::csv::{self, CheckedRow, CsvPreview, CsvRow, FileProblem, Header, PreviewRow, RowOutcome, RowProblem};
use super::service::{check_can_email, issue, record, require_public_url, Draft};
use super::{store, InviteDelivery, InviteLifetime};
use crate::context::Ctx;
use crate::db::is_unique_violation;
use crate::domain::{AppError, FieldError};

fn file_error(problem: FileProblem) -> AppError {
    AppError::Invalid(vec![FieldError::new("csv", problem.message())])
}

/// Every row of `text` with what would stop it being sent.
pub async fn preview(ctx: &Ctx, text: &str) -> Result<CsvPreview, AppError> {
    let rows = csv::parse(text, Header::Detect, csv::MAX_ROWS).map_err(file_error)?;
    let mut conn = ctx.state.db.pool.acquire().await?;
    let checked = check_all(ctx, &rows, &mut conn).await?;
    let rows = rows
        .into_iter()
        .zip(checked)
        .map(|(row, (role, checked))| PreviewRow {
            row,
            role,
            problem: checked.err(),
        })
        .collect();
    Ok(CsvPreview { rows })
}

type Checked = (Option<crate::domain::Role>, Result<CheckedRow, RowProblem>);

/// Each row's checks, in order: its fields and role, a duplicate of an earlier row, then the
/// database (already a user, already invited).
async fn check_all(ctx: &Ctx, rows: &[CsvRow], conn: &mut sqlx::AnyConnection) -> Result<Vec<Checked>, AppError> {
    let mut checked: Vec<Checked> = rows
        .iter()
        .map(|row| csv::check_row(row, &ctx.actor.permissions))
        .collect();
    let emails: Vec<Option<&crate::domain::Email>> =
        checked.iter().map(|(_, c)| c.as_ref().ok().map(|c| &c.email)).collect();
    let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
    let duplicates = csv::duplicates(&emails, &lines);
    let wanted: Vec<&str> = emails.iter().flatten().map(|e| e.as_str()).collect();
    let (users, invited) = store::taken_among(conn, &wanted).await?;
    for ((_, result), duplicate) in checked.iter_mut().zip(duplicates) {
        let problem = match (&*result, duplicate) {
            (Err(_), _) => continue,
            (Ok(_), Some(first)) => RowProblem::Duplicate(first),
            (Ok(row), None) if users.contains(row.email.as_str()) => RowProblem::AlreadyUser,
            (Ok(row), None) if invited.contains(row.email.as_str()) => RowProblem::AlreadyInvited,
            (Ok(_), None) => continue,
        };
        *result = Err(problem);
    }
    Ok(checked)
}

/// Queues one chunk (at most `CHUNK_ROWS` rows, no header) in one transaction: every row is
/// checked again (the preview may be stale), the valid ones are invited by email, the others
/// skipped with their reason. Returns each row's outcome in order.
pub async fn send_chunk(ctx: &Ctx, text: &str, lifetime: &str) -> Result<Vec<RowOutcome>, AppError> {
    let lifetime = InviteLifetime::from_code(lifetime)
        .ok_or_else(|| AppError::invalid("lifetime", "Choose how long the links stay valid."))?;
    let rows = csv::parse(text, Header::Absent, csv::CHUNK_ROWS).map_err(|problem| match problem {
        FileProblem::TooManyRows => {
            AppError::invalid("csv", format!("Send at most {} rows at a time.", csv::CHUNK_ROWS))
        }
        other => file_error(other),
    })?;
    let state = &ctx.state;
    check_can_email(state, InviteDelivery::Email).await?;
    let base_url = require_public_url(state).await?;
    let mut tx = state.db.begin().await?;
    store::lock_for_writing(&mut *tx).await?;
    let checked = check_all(ctx, &rows, &mut tx).await?;
    let mut outcomes = Vec::with_capacity(rows.len());
    let inviter = (&base_url[..], state.config.key());
    for (_, result) in checked {
        let row = match result {
            Ok(row) => row,
            Err(problem) => {
                outcomes.push(RowOutcome::Skipped(problem));
                continue;
            }
        };
        let draft = Draft {
            email: row.email.as_str(),
            role: row.role,
            first_name: &row.first_name,
            last_name: &row.last_name,
            lifetime_secs: lifetime.seconds(),
        };
        let link = match issue(&mut tx, &draft, &ctx.actor, inviter, InviteDelivery::Email, ctx.now).await {
            // Another admin invited one of these emails since the check: nothing of this chunk
            // is kept, and sending it again skips that row.
            Err(e) if is_unique_violation(&e) => {
                return Err(AppError::Conflict(
                    "Another invitation for one of these emails was just created. Send again to skip it.".into(),
                ))
            }
            other => other?,
        };
        let details = serde_json::json!({ "role": row.role.label(), "lifetime": lifetime.label(), "replaced_pending": false, "delivery": "email", "source": "csv" });
        record(
            &mut tx,
            ctx,
            "invite.created",
            link.invite_id,
            row.email.as_str(),
            details,
        )
        .await?;
        outcomes.push(RowOutcome::Sent);
    }
    tx.commit().await?;
    state.mail.wake_worker();
    Ok(outcomes)
}
