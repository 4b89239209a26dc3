//! Cycle use cases: points, rankings, preview, dry run and execution.

use crate::platform::ids::SeatId;
use serde::Serialize;
use serde_json::json;

use super::domain::{check_executable, elimination_candidates, rank, MonthKey, RankedRow, Run, RunStatus, Snapshot};
use super::store::{self, EliminateOutcome, PointsOutcome};
use crate::platform::audit::AuditEntry;
use crate::platform::clock::rfc3339;
use crate::platform::error::AppError;
use crate::platform::ids::new_id;
use crate::refunds::domain::{refund_id, Refund, RefundStatus};
use crate::refunds::{service as refunds, store as refund_store};
use crate::seats::store as seats;
use crate::App;

/// The default of `CYCLE_LEASE_SECS`: how long an invocation owns a run,
/// above the cycle function's 60 s timeout, so a live invocation is never
/// overtaken.
pub const LEASE_SECS: i64 = 120;

// ---- points ----

/// Adds performance points to an active seat's month score. A repeated
/// `entry_id` is acknowledged without counting twice.
#[allow(clippy::too_many_arguments)]
pub async fn add_points(
    app: &App,
    actor: &str,
    seat_id: &SeatId,
    month: MonthKey,
    points: i64,
    source: &str,
    reason: &str,
    entry_id: Option<String>,
    request_id: Option<String>,
) -> Result<bool, AppError> {
    let entry_id = entry_id.unwrap_or_else(new_id);
    let month_s = month.to_string();
    let audit = AuditEntry::new(
        actor,
        "score.points_added",
        &seats::subject(seat_id),
        &rfc3339(app.clock.now()),
        json!({ "monthKey": month_s, "points": points, "source": source, "reason": reason, "entryId": entry_id }),
    )
    .with_request_id(request_id);
    match store::record_points(app, seat_id, &month_s, &entry_id, points, source, &audit).await? {
        PointsOutcome::Recorded => Ok(true),
        PointsOutcome::Duplicate => Ok(false),
        PointsOutcome::SeatNotActive => Err(AppError::conflict("SEAT_NOT_ACTIVE", "points go to active seats only")),
    }
}

// ---- rankings ----

pub async fn live_ranking(app: &App, month: MonthKey) -> Result<Vec<RankedRow>, AppError> {
    Ok(rank(store::active_standings(app, &month.to_string()).await?))
}

pub async fn snapshot(app: &App, month: MonthKey) -> Result<Snapshot, AppError> {
    store::get_snapshot(app, &month.to_string()).await?.ok_or_else(|| {
        AppError::not_found("SNAPSHOT_NOT_FOUND", format!("no executed cycle for {month}, so no snapshot"))
    })
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Preview {
    pub month_key: String,
    pub active_seats: usize,
    pub candidate_count: usize,
    pub candidates: Vec<RankedRow>,
    /// True only once the month's run has COMPLETED.
    pub already_executed: bool,
    /// The month's run, if one was started: IN_PROGRESS (running, or
    /// interrupted and waiting to be resumed) or COMPLETED.
    pub run_status: Option<RunStatus>,
}

/// The dry run: what an execution would do now. Writes nothing.
pub async fn preview(app: &App, month: MonthKey) -> Result<Preview, AppError> {
    let month_s = month.to_string();
    let (ranking, run) = tokio::try_join!(live_ranking(app, month), store::get_run(app, &month_s))?;
    let candidates = elimination_candidates(&ranking);
    Ok(Preview {
        month_key: month.to_string(),
        active_seats: ranking.len(),
        candidate_count: candidates.len(),
        candidates,
        already_executed: run.as_ref().is_some_and(|r| r.status == RunStatus::Completed),
        run_status: run.map(|r| r.status),
    })
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunSummary {
    pub month_key: String,
    pub status: RunStatus,
    pub started_at: String,
    pub started_by: String,
    pub reason: String,
    pub completed_at: Option<String>,
    pub active_seats_at_start: u32,
    pub eliminated_count: usize,
}

impl From<Run> for RunSummary {
    fn from(r: Run) -> Self {
        RunSummary {
            eliminated_count: r.eliminated_seat_ids.len(),
            month_key: r.month_key,
            status: r.status,
            started_at: r.started_at,
            started_by: r.started_by,
            reason: r.reason,
            completed_at: r.completed_at,
            active_seats_at_start: r.active_seats_at_start,
        }
    }
}

/// The status of a month's run, if one was started.
pub async fn run_status(app: &App, month: MonthKey) -> Result<Option<RunStatus>, AppError> {
    Ok(store::get_run(app, &month.to_string()).await?.map(|r| r.status))
}

pub async fn history(app: &App) -> Result<Vec<RunSummary>, AppError> {
    Ok(store::list_runs(app, 24).await?.into_iter().map(RunSummary::from).collect())
}

// ---- execution ----

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Eliminated {
    #[serde(flatten)]
    pub row: RankedRow,
    pub refund_id: String,
    pub amount_cents: u64,
    pub refund_deadline_at: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Execution {
    pub month_key: String,
    pub status: RunStatus,
    pub executed_at: Option<String>,
    pub eliminated: Vec<Eliminated>,
    /// Candidates that were no longer active when their turn came.
    pub skipped: Vec<String>,
}

/// Executes the month's cycle once. A second call for a completed month,
/// or while another invocation holds the run, is 409
/// `CYCLE_ALREADY_EXECUTED`; a call after an invocation died mid-way
/// (its lease expired) finishes the same work.
pub async fn execute(
    app: &App,
    month: MonthKey,
    actor: &str,
    reason: &str,
    request_id: Option<String>,
) -> Result<Execution, AppError> {
    execute_steps(app, month, actor, reason, request_id, usize::MAX).await
}

/// An operator's execution (`POST /api/partners/cycle/eliminate`): only the
/// month that just ended or the current one, unless `past_month_override`
/// (with the request's reason, audited) or the local-only
/// `CYCLE_ALLOW_PAST_MONTHS` says otherwise.
pub async fn execute_requested(
    app: &App,
    month: MonthKey,
    actor: &str,
    reason: &str,
    past_month_override: bool,
    request_id: Option<String>,
) -> Result<Execution, AppError> {
    let now = app.clock.now();
    if check_executable(month, now, false).is_err() {
        check_executable(month, now, past_month_override || app.settings.cycle_allow_past_months)?;
        if past_month_override {
            let audit = AuditEntry::new(
                actor,
                "cycle.past_month_override",
                &store::subject(&month.to_string()),
                &rfc3339(now),
                json!({ "reason": reason }),
            )
            .with_request_id(request_id.clone());
            audit.write(&app.db, app.table()).await?;
        }
    }
    execute(app, month, actor, reason, request_id).await
}

/// `execute`, stopping (as a crash would) after `max_seats` eliminations;
/// the tests use it to prove resumption.
pub async fn execute_steps(
    app: &App,
    month: MonthKey,
    actor: &str,
    reason: &str,
    request_id: Option<String>,
    max_seats: usize,
) -> Result<Execution, AppError> {
    if app.settings.refund_payout_queue_url.is_none() {
        return Err(AppError::unavailable("PAYOUT_QUEUE_NOT_CONFIGURED", "REFUND_PAYOUT_QUEUE_URL is not set"));
    }
    let month_s = month.to_string();
    let now = app.clock.now();
    let token = new_id();
    let lease_until = now.unix_timestamp() + app.settings.cycle_lease_secs;
    let already = |run: &Run| {
        AppError::conflict(
            "CYCLE_ALREADY_EXECUTED",
            match run.status {
                RunStatus::Completed => {
                    format!("the {month_s} cycle was executed at {}", run.completed_at.clone().unwrap_or_default())
                }
                RunStatus::InProgress => {
                    format!("the {month_s} cycle is being executed (lease until unix {})", run.lease_until)
                }
            },
        )
    };

    let mut run = match store::get_run(app, &month_s).await? {
        Some(run) if run.status == RunStatus::Completed || run.lease_until >= now.unix_timestamp() => {
            return Err(already(&run))
        }
        Some(mut run) => {
            // The invocation that held it died: take over and resume.
            if !store::take_over(app, &run, &token, lease_until, now.unix_timestamp()).await? {
                let current = store::get_run(app, &month_s).await?.unwrap_or(run);
                return Err(already(&current));
            }
            tracing::warn!(month = %month_s, done = run.eliminated_seat_ids.len(), "resuming an interrupted cycle");
            run.lease_token = token;
            run.lease_until = lease_until;
            run
        }
        None => {
            let ranking = live_ranking(app, month).await?;
            let at = rfc3339(now);
            let run = Run {
                month_key: month_s.clone(),
                status: RunStatus::InProgress,
                started_at: at.clone(),
                started_by: actor.to_string(),
                reason: reason.to_string(),
                candidates: elimination_candidates(&ranking),
                active_seats_at_start: ranking.len() as u32,
                completed_at: None,
                lease_until,
                lease_token: token,
                eliminated_seat_ids: Default::default(),
            };
            let snapshot = Snapshot { month_key: month_s.clone(), taken_at: at.clone(), ranking };
            let audit = AuditEntry::new(
                actor,
                "cycle.started",
                &store::subject(&month_s),
                &at,
                json!({ "reason": reason, "candidates": run.candidates.len() }),
            )
            .with_request_id(request_id.clone());
            if !store::claim(app, &run, &snapshot, &audit).await? {
                let current = store::get_run(app, &month_s)
                    .await?
                    .ok_or_else(|| AppError::internal("claim lost to a run that vanished"))?;
                return Err(already(&current));
            }
            run
        }
    };

    // A failure from here on gives the lease back, so the schedule's (or an
    // operator's) retry resumes the run at once instead of finding it held.
    let result = run_claimed(app, &mut run, actor, request_id, max_seats).await;
    if let Err(e) = &result {
        if e.code != "CYCLE_ALREADY_EXECUTED" {
            tracing::error!(month = %month_s, error = %e, done = run.eliminated_seat_ids.len(), "cycle failed; releasing its lease for the retry");
            if let Err(release) = store::release(app, &run).await {
                tracing::error!(error = %release, "could not release the cycle lease; the retry waits for it to expire");
            }
        }
    }
    result
}

/// The work of a claimed (or taken-over) run: eliminate each candidate not
/// yet done, queue its refund's payout at once, sweep payouts an earlier
/// invocation left unqueued, complete.
async fn run_claimed(
    app: &App,
    run: &mut Run,
    actor: &str,
    request_id: Option<String>,
    max_seats: usize,
) -> Result<Execution, AppError> {
    let month_s = run.month_key.clone();
    let mut queued: std::collections::HashMap<String, Refund> = Default::default();
    let mut skipped = Vec::new();
    let mut steps = 0;
    for row in run.candidates.clone() {
        let seat_id = row.standing.seat_id.clone();
        if run.eliminated_seat_ids.contains(&seat_id) {
            continue;
        }
        if steps >= max_seats {
            return Ok(Execution {
                month_key: month_s,
                status: RunStatus::InProgress,
                executed_at: None,
                eliminated: vec![],
                skipped,
            });
        }
        steps += 1;
        let at = app.clock.now();
        let refund = Refund::pending(
            refund_id(&month_s, &seat_id),
            seat_id.clone(),
            row.standing.wallet.clone(),
            row.standing.price_paid_cents,
            month_s.clone(),
            at,
        );
        let audit = AuditEntry::new(
            actor,
            "seat.eliminated",
            &seats::subject(&seat_id),
            &rfc3339(at),
            json!({ "monthKey": month_s, "rank": row.rank, "score": row.standing.score, "refundId": refund.refund_id, "reason": run.reason }),
        )
        .with_request_id(request_id.clone());
        match store::eliminate_seat(app, run, &row, &refund, &rfc3339(at), &audit).await? {
            EliminateOutcome::Eliminated => {
                run.eliminated_seat_ids.insert(seat_id.clone());
                // Queued now, not after the loop: a run that fails later
                // has already started every refund it created.
                refunds::enqueue_payout(app, &refund.refund_id).await?;
                queued.insert(seat_id, refund);
            }
            EliminateOutcome::SeatNotActive => {
                tracing::warn!(seat_id, "candidate no longer active; skipped");
                skipped.push(seat_id);
            }
            EliminateOutcome::LostLease => {
                return Err(AppError::conflict("CYCLE_ALREADY_EXECUTED", "another invocation took over this cycle"));
            }
        }
    }

    // Refunds eliminated by an earlier invocation may have no payout job
    // (it died, or its send failed, between the transaction and the send).
    let mut eliminated = Vec::new();
    for row in &run.candidates {
        if !run.eliminated_seat_ids.contains(&row.standing.seat_id) {
            continue;
        }
        let id = refund_id(&month_s, &row.standing.seat_id);
        let refund = match queued.remove(&row.standing.seat_id) {
            Some(refund) => refund,
            None => {
                let refund = refund_store::get(app, &id)
                    .await?
                    .ok_or_else(|| AppError::internal(format!("refund {id} missing")))?;
                if refund.payout_queued_at.is_none() && refund.status == RefundStatus::Pending {
                    refunds::enqueue_payout(app, &id).await?;
                }
                refund
            }
        };
        eliminated.push(Eliminated {
            row: row.clone(),
            refund_id: id,
            amount_cents: refund.amount_cents,
            refund_deadline_at: refund.refund_deadline_at,
        });
    }

    let done_at = rfc3339(app.clock.now());
    let audit = AuditEntry::new(
        actor,
        "cycle.executed",
        &store::subject(&month_s),
        &done_at,
        json!({ "eliminated": eliminated.len(), "skipped": skipped }),
    )
    .with_request_id(request_id);
    if !store::complete(app, run, &done_at, &audit).await? {
        return Err(AppError::conflict("CYCLE_ALREADY_EXECUTED", "another invocation completed this cycle"));
    }
    crate::platform::metrics::count(crate::platform::metrics::names::ELIMINATIONS, eliminated.len() as u64);
    Ok(Execution { month_key: month_s, status: RunStatus::Completed, executed_at: Some(done_at), eliminated, skipped })
}
