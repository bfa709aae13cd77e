//! (ssr) Bulk disable, enable and delete: each selected user goes through the single-user
//! `actions::apply` in a transaction of their own, so one refusal never undoes the others, and
//! the run ends in a summary.

use super::actions::{self, Change};
use super::{BulkAction, BulkSummary, SkippedUser, BULK_MAX};
use crate::context::Ctx;
use crate::domain::{AppError, FieldError, UserId};

/// A bulk request, parsed: the action and distinct user ids in the order given.
#[derive(Clone, Debug, PartialEq)]
pub struct BulkRequest {
    pub action: BulkAction,
    pub user_ids: Vec<UserId>,
}

impl BulkRequest {
    /// `user_ids` is a comma-separated list of positive ids; anything else is refused whole.
    pub fn parse(action: &str, user_ids: &str) -> Result<BulkRequest, AppError> {
        let mut errors = Vec::new();
        let action = BulkAction::from_code(action);
        if action.is_none() {
            errors.push(FieldError::new("action", "Choose disable, enable or delete."));
        }
        let ids = parse_ids(user_ids).map_err(|e| errors.push(e)).ok();
        match (action, ids) {
            (Some(action), Some(user_ids)) if errors.is_empty() => Ok(BulkRequest { action, user_ids }),
            _ => Err(AppError::Invalid(errors)),
        }
    }
}

fn parse_ids(raw: &str) -> Result<Vec<UserId>, FieldError> {
    let bad = |msg: String| FieldError::new("user_ids", msg);
    if raw.trim().is_empty() {
        return Err(bad("Select at least one user.".into()));
    }
    let mut ids: Vec<UserId> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for part in raw.split(',') {
        let id = part
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(|| bad("The selection is not a list of user ids.".into()))?;
        if seen.insert(id) {
            ids.push(UserId(id));
        }
        if ids.len() > BULK_MAX {
            return Err(bad(format!("Select at most {BULK_MAX} users at a time.")));
        }
    }
    Ok(ids)
}

pub async fn run(ctx: &Ctx, request: BulkRequest) -> Result<BulkSummary, AppError> {
    let change = match request.action {
        BulkAction::Disable => Change::Disable,
        BulkAction::Enable => Change::Enable,
        BulkAction::Delete => Change::Delete,
    };
    let mut done = 0;
    let mut skipped = Vec::new();
    for user in request.user_ids {
        match actions::apply(ctx, user, change.clone()).await {
            Ok(()) => done += 1,
            Err(error) => skipped.push(SkippedUser {
                user_id: user.0,
                reason: error.to_string(),
            }),
        }
    }
    Ok(BulkSummary::new(request.action, done, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_parsed_strictly_and_deduplicated() {
        let request = BulkRequest::parse("delete", " 3,1, 3 ,2").unwrap();
        assert_eq!(request.action, BulkAction::Delete);
        assert_eq!(request.user_ids, vec![UserId(3), UserId(1), UserId(2)]);
        for bad in ["", " ", "1,,2", "1,x", "0", "-4", "1;2", "1.5"] {
            assert!(BulkRequest::parse("disable", bad).is_err(), "{bad:?}");
        }
        assert!(BulkRequest::parse("explode", "1").is_err());
        let many: Vec<String> = (1..=1001).map(|i| i.to_string()).collect();
        assert!(BulkRequest::parse("enable", &many.join(",")).is_err());
        let max: Vec<String> = (1..=1000).map(|i| i.to_string()).collect();
        assert_eq!(
            BulkRequest::parse("enable", &max.join(",")).unwrap().user_ids.len(),
            1000
        );
    }
}
