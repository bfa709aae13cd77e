//! (ssr) The home page: the team's counts for those who may view users, their own account for
//! everyone else.

use super::{store, Overview, ProfileSummary, SignInChart, TeamOverview, CHART_HOURS};
use crate::context::Ctx;
use crate::domain::{AppError, Permission};

const DAY: i64 = 24 * 3600;

pub async fn overview(ctx: &Ctx) -> Result<Overview, AppError> {
    let actor = &ctx.actor;
    if !actor.can(Permission::ViewUsers) {
        let two_factor = store::two_factor_on(&ctx.state.db.pool, actor.id.0).await?;
        return Ok(Overview::Own(ProfileSummary {
            name: actor.display_name(),
            email: actor.email.clone(),
            role: actor.role,
            two_factor,
        }));
    }
    let now = ctx.now;
    // One connection for the page's queries (each acquire costs a round trip).
    let mut conn = ctx.state.db.pool.acquire().await?;
    let active = store::active_users(&mut conn).await?;
    let disabled = store::disabled_users(&mut conn).await?;
    let (pending_invites, expiring_soon) = store::pending_invites(&mut conn, now, now + DAY).await?;
    let mail = store::mail_health(&mut conn, now - DAY).await?;
    let first_hour = chart_start(now);
    let hours = store::sign_ins_per_hour(&mut conn, first_hour, CHART_HOURS as usize).await?;
    let sign_ins = SignInChart { first_hour, hours };
    Ok(Overview::Team(TeamOverview {
        active_by_role: active.by_role,
        pending_invites,
        expiring_soon,
        without_two_factor: active.without_two_factor,
        disabled,
        mail,
        chart_svg: super::chart::svg(&sign_ins),
        sign_ins,
    }))
}

/// The start of the chart's first hour: the current hour is its last.
fn chart_start(now: i64) -> i64 {
    (now.div_euclid(3600) - (CHART_HOURS - 1)) * 3600
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chart_ends_with_the_current_hour() {
        let now = 1_700_000_123;
        let start = chart_start(now);
        assert_eq!(start % 3600, 0);
        assert!(start + (CHART_HOURS - 1) * 3600 <= now);
        assert!(now < start + CHART_HOURS * 3600);
    }
}
