//! The points expiry job: in each program that sets `expiry_months`, every
//! balance without activity for that long expires whole.
//!
//! Idempotent and resumable without a cursor: an expiry is one transaction
//! conditioned on the balance being exactly as read (its points and its
//! last activity), and it takes the balance out of the holders index the
//! job reads, so a second run, or the retry of one cut short, finds only
//! what is left. Each expiry is audited and counted as the month's
//! `expired` (breakage) in the program's liability.

use std::time::Instant;

use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

use super::domain::{Balance, PointsProgram};
use super::liability::{self, Movement};
use super::{liability_store, store};
use crate::platform::audit::{self, AuditEntry};
use crate::platform::clock::rfc3339;
use crate::platform::dynamo::{self, n, s, tx_update, Tx};
use crate::platform::error::AppError;
use crate::App;

/// The audit actor of the job's expiries.
pub const ACTOR: &str = "system:points-expiry";

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExpiryRun {
    pub programs: usize,
    pub expired_balances: usize,
    pub expired_points: u64,
    pub breakage_cents: u64,
    /// `false`: stopped at the deadline; the next run continues.
    pub finished: bool,
}

/// Expires what is due in every program, until `deadline`.
pub async fn run(app: &App, deadline: Instant) -> Result<ExpiryRun, AppError> {
    let now = app.clock.now();
    let mut out = ExpiryRun::default();
    let mut start = None;
    loop {
        let (ids, next) = liability_store::programs_page(app, start).await?;
        for id in ids {
            let Some(program) = store::program(app, &id).await? else { continue };
            let Some(months) = program.expiry_months else { continue };
            out.programs += 1;
            if !expire_program(app, &program, months, now, deadline, &mut out).await? {
                return Ok(out);
            }
        }
        match next {
            Some(key) => start = Some(key),
            None => break,
        }
    }
    out.finished = true;
    Ok(out)
}

/// `false`: the deadline came first.
async fn expire_program(
    app: &App,
    program: &PointsProgram,
    months: u32,
    now: OffsetDateTime,
    deadline: Instant,
    out: &mut ExpiryRun,
) -> Result<bool, AppError> {
    let Some(cutoff) = liability::cutoff(now, months) else { return Ok(true) };
    let mut start = None;
    loop {
        let (page, next) =
            liability_store::holders_page(app, &program.business_id, Some(rfc3339(cutoff)), start).await?;
        for balance in page {
            if Instant::now() >= deadline {
                return Ok(false);
            }
            let Some(seen) = balance.last_activity_at.as_deref() else { continue };
            let Ok(last) = OffsetDateTime::parse(seen, &time::format_description::well_known::Rfc3339) else {
                continue;
            };
            if !liability::has_expired(last, months, now) {
                continue;
            }
            if expire(app, program, &balance, seen, now).await? && balance.points > 0 {
                out.expired_balances += 1;
                out.expired_points = out.expired_points.saturating_add(balance.points);
                out.breakage_cents = out.breakage_cents.saturating_add(program.value_of(balance.points));
            }
        }
        match next {
            Some(key) => start = Some(key),
            None => return Ok(true),
        }
    }
}

/// Expires one balance as read. `false`: it moved meanwhile (activity, or
/// another run expired it first); it is left as it is.
async fn expire(
    app: &App,
    program: &PointsProgram,
    balance: &Balance,
    seen: &str,
    now: OffsetDateTime,
) -> Result<bool, AppError> {
    let at = rfc3339(now);
    let points = balance.points;
    let (g1pk, g1sk) = crate::platform::entity::gsi1_attributes();
    let update = store::balance_key(&balance.customer_id, &program.business_id)
        .update(app.table())
        .update_expression("SET points = :zero, expiredAt = :now ADD expired :p REMOVE #g1pk, #g1sk")
        .condition_expression("points = :p AND lastActivityAt = :seen")
        .expression_attribute_names("#g1pk", g1pk)
        .expression_attribute_names("#g1sk", g1sk)
        .expression_attribute_values(":zero", n(0))
        .expression_attribute_values(":now", s(&at))
        .expression_attribute_values(":p", n(points))
        .expression_attribute_values(":seen", s(seen));
    let mut tx = Tx::new().with("expiry.balance", tx_update(update)?);
    // An empty balance only leaves the index: nothing expired, nothing to audit.
    if points > 0 {
        let audit = AuditEntry::new(
            ACTOR,
            "points.expired",
            &store::program_subject(&program.business_id),
            &at,
            json!({
                "customerId": balance.customer_id,
                "points": points,
                "valueCents": program.value_of(points),
                "lastActivityAt": seen,
                "expiryMonths": program.expiry_months,
                "programVersion": program.version,
            }),
        );
        tx.add(
            "expiry.liability",
            liability_store::movement(app, &program.business_id, &balance.customer_id, &at, Movement::Expired(points))?,
        );
        tx.add(audit::TX_ITEM, audit.transact_put(app.table())?);
    }
    match dynamo::transact(&app.db, tx).await? {
        Ok(()) => Ok(true),
        Err(r) if r.failed("expiry.balance") => Ok(false),
        Err(r) => Err(r.unexpected("points expiry")),
    }
}
