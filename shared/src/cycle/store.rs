//! DynamoDB access for scores, rankings and cycle runs: the owner of the
//! points entry, month score, run, snapshot and elimination row.
//!
//! A run is a resumable state machine kept in `CYCLE#<month>` / `RUN`:
//! claimed once with `attribute_not_exists` (so a month executes once),
//! held by a lease token, and advanced one seat per transaction, each
//! transaction also recording the seat in the run's `eliminatedSeatIds`.
//! Re-running after a crash continues from that set; every row it writes
//! is conditional, so nothing can be written twice.

use std::collections::{BTreeSet, HashMap};

use aws_sdk_dynamodb::types::{AttributeValue, Put};
use serde::Deserialize;

use super::domain::{RankedRow, Run, RunStatus, Snapshot, Standing};
use crate::platform::audit::{self, AuditEntry};
use crate::platform::dynamo::{self, n, query_all, query_items, s, tx_put, tx_update, Item, Partition, Tx};
use crate::platform::entity::{Key, Layout};
use crate::platform::error::AppError;
use crate::platform::table::GSI1;
use crate::refunds::domain::Refund;
use crate::seats::store as seats;
use crate::App;

// ---- keys: every cycle entity's, here ----

/// A month's partition: its run item, its ranking snapshot, its elimination rows.
fn cycle_partition(month: &str) -> String {
    format!("CYCLE#{month}")
}

/// The audit subject of a month's cycle.
pub fn subject(month: &str) -> String {
    cycle_partition(month)
}

fn run_key(month: &str) -> Key {
    Key::new(cycle_partition(month), "RUN")
}

/// GSI1: executed cycles by month.
const ALL_RUNS: &str = "CYCLES";

fn snapshot_key(month: &str) -> Key {
    Key::new(cycle_partition(month), "SNAPSHOT")
}

fn elimination_key(month: &str, seat_id: &str) -> Key {
    Key::new(cycle_partition(month), format!("ELIM#{seat_id}"))
}

/// A seat's score for a month (the sum of its points), in the seat's
/// partition; GSI1 lists a month's scores.
fn score_key(seat_id: &str, month: &str) -> Key {
    Key::new(seats::partition(seat_id), format!("SCORE#{month}"))
}
fn scores_of_month(month: &str) -> String {
    format!("SCORES#{month}")
}

/// One immutable points entry of a seat.
fn points_key(seat_id: &str, month: &str, entry_id: &str) -> Key {
    Key::new(seats::partition(seat_id), format!("POINTS#{month}#{entry_id}"))
}

// ---- scores ----

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScoreRow {
    seat_id: String,
    #[serde(default)]
    points: i64,
}

/// Active seats with their score for `month` (0 without points): one
/// Query on GSI2 for the seats, one on GSI1 for the month's scores.
pub async fn active_standings(app: &App, month: &str) -> Result<Vec<Standing>, AppError> {
    let scores = Partition::index(GSI1, scores_of_month(month));
    let (seats, scores) = tokio::try_join!(seats::all_active(app), query_all(&app.db, app.table(), &scores))?;
    let mut points: HashMap<String, i64> = HashMap::new();
    for item in scores {
        let row: ScoreRow = serde_dynamo::from_item(item)?;
        points.insert(row.seat_id, row.points);
    }
    Ok(seats
        .into_iter()
        .map(|seat| Standing {
            score: points.get(&seat.seat_id).copied().unwrap_or(0),
            seat_id: seat.seat_id,
            wallet: seat.wallet,
            joined_at: seat.joined_at,
            status: seat.status,
            price_paid_cents: seat.price_paid_cents,
        })
        .collect())
}

// ---- points ----

pub enum PointsOutcome {
    Recorded,
    Duplicate,
    SeatNotActive,
}

/// Adds `points` to a seat's month score with an immutable entry, only
/// while the seat is active. A repeated `entry_id` changes nothing.
pub async fn record_points(
    app: &App,
    seat_id: &str,
    month: &str,
    entry_id: &str,
    points: i64,
    source: &str,
    audit: &AuditEntry,
) -> Result<PointsOutcome, AppError> {
    let t = app.table();
    let entry = Put::builder()
        .table_name(t)
        .set_item(Some(Layout::new("POINTS", points_key(seat_id, month, entry_id)).key_attrs()))
        .item("seatId", s(seat_id))
        .item("monthKey", s(month))
        .item("points", n(points))
        .item("source", s(source))
        .item("at", s(&audit.at))
        .condition_expression(crate::platform::entity::NOT_EXISTS);
    let score = score_key(seat_id, month)
        .update(t)
        .update_expression("ADD points :p SET GSI1PK = :g, GSI1SK = :seat, seatId = :seat, monthKey = :m, entity = :e")
        .expression_attribute_values(":p", n(points))
        .expression_attribute_values(":g", s(scores_of_month(month)))
        .expression_attribute_values(":seat", s(seat_id))
        .expression_attribute_values(":m", s(month))
        .expression_attribute_values(":e", s("SCORE"));
    let tx = Tx::new()
        .with("seat.active", seats::active_condition(app, seat_id)?)
        .with("points.entry", tx_put(entry)?)
        .with("points.score", tx_update(score)?)
        .with(audit::TX_ITEM, audit.transact_put(t)?);
    Ok(match dynamo::transact(&app.db, tx).await? {
        Ok(()) => PointsOutcome::Recorded,
        Err(r) if r.failed("points.entry") => PointsOutcome::Duplicate,
        Err(r) if r.failed("seat.active") => PointsOutcome::SeatNotActive,
        Err(r) => return Err(r.unexpected("points")),
    })
}

// ---- runs ----

fn run_from_item(mut item: Item) -> Result<Run, AppError> {
    let done = match item.remove("eliminatedSeatIds") {
        Some(AttributeValue::Ss(ids)) => ids.into_iter().collect(),
        _ => BTreeSet::new(),
    };
    let mut run: Run = serde_dynamo::from_item(item)?;
    run.eliminated_seat_ids = done;
    Ok(run)
}

pub async fn get_run(app: &App, month: &str) -> Result<Option<Run>, AppError> {
    dynamo::get_item(&app.db, app.table(), &run_key(month)).await?.map(run_from_item).transpose()
}

/// Claims the month: the run item and the ranking snapshot, atomically,
/// only if the month has no run yet. `Ok(false)`: it already has one.
pub async fn claim(app: &App, run: &Run, snapshot: &Snapshot, audit: &AuditEntry) -> Result<bool, AppError> {
    let t = app.table();
    let month = &run.month_key;
    let run_layout = Layout::new("CYCLE_RUN", run_key(month)).gsi1(ALL_RUNS, month.clone());
    let snapshot_layout = Layout::new("RANKING_SNAPSHOT", snapshot_key(month));
    let tx = Tx::new()
        .with("cycle.run", tx_put(run_layout.put_new(t, run)?)?)
        .with("cycle.snapshot", tx_put(snapshot_layout.put_new(t, snapshot)?)?)
        .with(audit::TX_ITEM, audit.transact_put(t)?);
    match dynamo::transact(&app.db, tx).await? {
        Ok(()) => Ok(true),
        Err(r) if r.failed("cycle.run") || r.failed("cycle.snapshot") => Ok(false),
        Err(r) => Err(r.unexpected("cycle claim")),
    }
}

/// Takes over an in-progress run whose lease has expired (its invocation
/// died). `Ok(false)`: someone else holds or took it.
pub async fn take_over(app: &App, run: &Run, new_token: &str, lease_until: i64, now: i64) -> Result<bool, AppError> {
    let result = app
        .db
        .update_item()
        .table_name(app.table())
        .set_key(Some(run_key(&run.month_key).attrs()))
        .update_expression("SET leaseToken = :new, leaseUntil = :until")
        .condition_expression("#status = :ip AND leaseToken = :old AND leaseUntil < :now")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":new", s(new_token))
        .expression_attribute_values(":until", n(lease_until))
        .expression_attribute_values(":ip", s(RunStatus::InProgress.as_str()))
        .expression_attribute_values(":old", s(&run.lease_token))
        .expression_attribute_values(":now", n(now))
        .send()
        .await;
    dynamo::applied(result)
}

/// Gives up the lease of a run that failed, so its retry resumes at once
/// instead of waiting for the lease to run out. Only the holder can.
pub async fn release(app: &App, run: &Run) -> Result<bool, AppError> {
    let result = app
        .db
        .update_item()
        .table_name(app.table())
        .set_key(Some(run_key(&run.month_key).attrs()))
        .update_expression("SET leaseUntil = :zero")
        .condition_expression("#status = :ip AND leaseToken = :token")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":zero", n(0))
        .expression_attribute_values(":ip", s(RunStatus::InProgress.as_str()))
        .expression_attribute_values(":token", s(&run.lease_token))
        .send()
        .await;
    dynamo::applied(result)
}

pub enum EliminateOutcome {
    Eliminated,
    /// The seat was no longer active (nothing written).
    SeatNotActive,
    /// Our lease was taken over: stop.
    LostLease,
}

/// Eliminates one seat in one transaction: the seat and its wallet guard
/// (as `seats::store` writes them), the elimination row, the PENDING refund,
/// the counters, the run's progress and the audit row.
pub async fn eliminate_seat(
    app: &App,
    run: &Run,
    row: &RankedRow,
    refund: &Refund,
    now: &str,
    audit: &AuditEntry,
) -> Result<EliminateOutcome, AppError> {
    let t = app.table();
    let seat_id = &row.standing.seat_id;
    let month = &run.month_key;
    let elimination = Put::builder()
        .table_name(t)
        .set_item(Some(Layout::new("ELIMINATION", elimination_key(month, seat_id)).key_attrs()))
        .item("monthKey", s(month))
        .item("seatId", s(seat_id))
        .item("wallet", s(&row.standing.wallet))
        .item("rank", n(row.rank))
        .item("score", n(row.standing.score))
        .item("eliminatedAt", s(now))
        .item("refundId", s(&refund.refund_id))
        .item("reason", s(&run.reason))
        .condition_expression(crate::platform::entity::NOT_EXISTS);
    let progress = run_key(month)
        .update(t)
        .update_expression("ADD eliminatedSeatIds :seat")
        .condition_expression("#status = :ip AND leaseToken = :token")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":seat", AttributeValue::Ss(vec![seat_id.clone()]))
        .expression_attribute_values(":ip", s(RunStatus::InProgress.as_str()))
        .expression_attribute_values(":token", s(&run.lease_token));
    let mut tx = Tx::new();
    seats::add_elimination(&mut tx, app, seat_id, &row.standing.wallet, month, now)?;
    tx.add("cycle.elimination", tx_put(elimination)?)
        .add("refund", crate::refunds::store::insert_item(app, refund)?)
        .add("program.counters", crate::program::store::counters_change(app, -1, 1)?)
        .add("cycle.progress", tx_update(progress)?)
        .add(audit::TX_ITEM, audit.transact_put(t)?);
    Ok(match dynamo::transact(&app.db, tx).await? {
        Ok(()) => EliminateOutcome::Eliminated,
        Err(r) if r.failed("cycle.progress") => EliminateOutcome::LostLease,
        Err(r) if r.failed(seats::TX_ELIMINATED_SEAT) => EliminateOutcome::SeatNotActive,
        Err(r) => return Err(r.unexpected("elimination")),
    })
}

/// Marks the run done (only by the lease holder) with its audit row.
pub async fn complete(app: &App, run: &Run, now: &str, audit: &AuditEntry) -> Result<bool, AppError> {
    let t = app.table();
    let update = run_key(&run.month_key)
        .update(t)
        .update_expression("SET #status = :done, completedAt = :now")
        .condition_expression("#status = :ip AND leaseToken = :token")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":done", s(RunStatus::Completed.as_str()))
        .expression_attribute_values(":ip", s(RunStatus::InProgress.as_str()))
        .expression_attribute_values(":now", s(now))
        .expression_attribute_values(":token", s(&run.lease_token));
    let tx = Tx::new().with("cycle.run", tx_update(update)?).with(audit::TX_ITEM, audit.transact_put(t)?);
    Ok(dynamo::transact(&app.db, tx).await?.is_ok())
}

pub async fn get_snapshot(app: &App, month: &str) -> Result<Option<Snapshot>, AppError> {
    dynamo::get_as(&app.db, app.table(), &snapshot_key(month)).await
}

/// Executed and in-progress cycles, newest month first.
pub async fn list_runs(app: &App, limit: i32) -> Result<Vec<Run>, AppError> {
    let part = Partition::index(GSI1, ALL_RUNS).newest_first();
    let (items, _) = query_items(&app.db, app.table(), &part, Some(limit), None).await?;
    items.into_iter().map(run_from_item).collect()
}
