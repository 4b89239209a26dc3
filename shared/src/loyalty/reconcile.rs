//! The points liability reconciliation: for each program, the outstanding
//! points its counters add up to against the sum of its holders' balances.
//! Both move in one transaction, so any difference is drift: a write that
//! skipped the counters, or a hand edit. It is reported (the latest check
//! per program, served with the liability) and counted as a metric that
//! alarms.
//!
//! A snapshot: the counters are read before and after the balances; a
//! program written to in between is read again, and left unsettled (no
//! verdict) if it never holds still. A difference is confirmed by a second
//! read, since the holders index is eventually consistent.
//!
//! Resumable: a program checked since the run's day began is skipped, so
//! the retry of a run cut short continues where it stopped.

use std::time::{Duration, Instant};

use serde::Serialize;

use super::liability::liability;
use super::liability_store::{self, LiabilityCheck};
use super::store;
use crate::platform::clock::rfc3339;
use crate::platform::error::AppError;
use crate::platform::metrics;
use crate::App;

/// Reads of a program before it is left unsettled or its drift confirmed.
const READS: u32 = 3;

#[derive(Debug, Default, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReconcileRun {
    pub programs_checked: usize,
    /// Programs whose balances and counters disagree.
    pub drifted: Vec<LiabilityCheck>,
    pub unsettled: Vec<String>,
    pub finished: bool,
}

pub async fn run(app: &App, deadline: Instant) -> Result<ReconcileRun, AppError> {
    let now = rfc3339(app.clock.now());
    let today = now.get(..10).unwrap_or_default().to_string();
    let mut out = ReconcileRun::default();
    let mut start = None;
    loop {
        let (ids, next) = liability_store::programs_page(app, start).await?;
        for id in ids {
            if Instant::now() >= deadline {
                return Ok(out);
            }
            if liability_store::check(app, &id).await?.is_some_and(|c| c.checked_at.get(..10) == Some(&today)) {
                continue;
            }
            let check = check_program(app, &id, &now).await?;
            liability_store::save_check(app, &check).await?;
            out.programs_checked += 1;
            if !check.settled {
                out.unsettled.push(id);
            } else if check.drift != 0 {
                tracing::error!(program = %id, drift = check.drift, "points liability drift");
                out.drifted.push(check);
            }
        }
        match next {
            Some(key) => start = Some(key),
            None => break,
        }
    }
    metrics::gauge(metrics::names::POINTS_LIABILITY_DRIFT, out.drifted.len() as f64);
    out.finished = true;
    Ok(out)
}

/// One program's check (see the module's note on snapshots).
pub async fn check_program(app: &App, program_business_id: &str, now: &str) -> Result<LiabilityCheck, AppError> {
    let program = store::program(app, program_business_id).await?;
    let mut check = LiabilityCheck {
        program_business_id: program_business_id.to_string(),
        checked_at: now.to_string(),
        counted_points: 0,
        balance_points: 0,
        holders: 0,
        drift: 0,
        settled: false,
    };
    let Some(program) = program else { return Ok(check) };
    for read in 1..=READS {
        let before = liability_store::months(app, program_business_id).await?;
        let (points, holders) = liability_store::holders_points(app, program_business_id).await?;
        let after = liability_store::months(app, program_business_id).await?;
        if before == after {
            let counted = liability(&program, &after).outstanding_points;
            let balances = i64::try_from(points).unwrap_or(i64::MAX);
            check = LiabilityCheck {
                counted_points: counted,
                balance_points: balances,
                holders,
                drift: balances.saturating_sub(counted),
                settled: true,
                ..check
            };
            if check.drift == 0 {
                return Ok(check);
            }
        }
        if read < READS {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
    Ok(check)
}
