//! DynamoDB access for scores, rankings and cycle runs.
//!
//! A run is a resumable state machine kept in `CYCLE#<month>` / `RUN`:
//! claimed once with `attribute_not_exists` (so a month executes once),
//! held by a lease token, and advanced one seat per transaction, each
//! transaction also recording the seat in the run's `eliminatedSeatIds`.
//! Re-running after a crash continues from that set; every row it writes
//! is conditional, so nothing can be written twice.

use std::collections::{BTreeSet, HashMap};

use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Put, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};

use super::domain::{RankedRow, Standing};
use crate::platform::audit::AuditEntry;
use crate::platform::dynamo::{self, n, query_all, query_items, s, Item, Partition};
use crate::platform::error::AppError;
use crate::platform::keys;
use crate::platform::table::{GSI1, GSI2};
use crate::refunds::domain::Refund;
use crate::seats::domain::{Seat, SeatStatus};
use crate::App;

/// Active seats with their score for `month` (0 without points): one
/// Query on GSI2 for the seats, one on GSI1 for the month's scores.
pub async fn active_standings(app: &App, month: &str) -> Result<Vec<Standing>, AppError> {
    let active = Partition::index(GSI2, keys::seats_by_status_gsi2pk(SeatStatus::Active.as_str()));
    let scores = Partition::index(GSI1, keys::scores_gsi1pk(month));
    let (seats, scores) = tokio::try_join!(query_all(&app.db, app.table(), &active), query_all(&app.db, app.table(), &scores))?;
    let mut points: HashMap<String, i64> = HashMap::new();
    for item in &scores {
        let seat = item.get("seatId").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
        let p = item.get("points").and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok()).unwrap_or(0);
        points.insert(seat, p);
    }
    seats
        .into_iter()
        .map(|item| {
            let seat: Seat = serde_dynamo::from_item(item)?;
            Ok(Standing {
                score: points.get(&seat.seat_id).copied().unwrap_or(0),
                seat_id: seat.seat_id,
                wallet: seat.wallet,
                joined_at: seat.joined_at,
                status: seat.status,
                price_paid_cents: seat.price_paid_cents,
            })
        })
        .collect()
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
    let seat_active = ConditionCheck::builder()
        .table_name(t)
        .key("PK", s(keys::seat_pk(seat_id)))
        .key("SK", s(keys::SEAT_SK))
        .condition_expression("#status = :active")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":active", s("ACTIVE"))
        .build()
        .map_err(AppError::internal)?;
    let entry = Put::builder()
        .table_name(t)
        .item("PK", s(keys::seat_pk(seat_id)))
        .item("SK", s(keys::points_sk(month, entry_id)))
        .item("entity", s("POINTS"))
        .item("seatId", s(seat_id))
        .item("monthKey", s(month))
        .item("points", n(points))
        .item("source", s(source))
        .item("at", s(&audit.at))
        .condition_expression("attribute_not_exists(PK)")
        .build()
        .map_err(AppError::internal)?;
    let score = Update::builder()
        .table_name(t)
        .key("PK", s(keys::seat_pk(seat_id)))
        .key("SK", s(keys::score_sk(month)))
        .update_expression("ADD points :p SET GSI1PK = :g, GSI1SK = :seat, seatId = :seat, monthKey = :m, entity = :e")
        .expression_attribute_values(":p", n(points))
        .expression_attribute_values(":g", s(keys::scores_gsi1pk(month)))
        .expression_attribute_values(":seat", s(seat_id))
        .expression_attribute_values(":m", s(month))
        .expression_attribute_values(":e", s("SCORE"))
        .build()
        .map_err(AppError::internal)?;
    let items = vec![
        TransactWriteItem::builder().condition_check(seat_active).build(),
        TransactWriteItem::builder().put(entry).build(),
        TransactWriteItem::builder().update(score).build(),
        audit.transact_put(t)?,
    ];
    Ok(match dynamo::transact(&app.db, items).await? {
        Ok(()) => PointsOutcome::Recorded,
        Err(c) if c.condition_failed(1) => PointsOutcome::Duplicate,
        Err(c) if c.condition_failed(0) => PointsOutcome::SeatNotActive,
        Err(c) => return Err(AppError::internal(format!("points cancelled: {c:?}"))),
    })
}

// ---- runs ----

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RunStatus {
    InProgress,
    Completed,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    pub month_key: String,
    pub status: RunStatus,
    pub started_at: String,
    pub started_by: String,
    pub reason: String,
    /// Frozen at claim time: a resumed run eliminates exactly these.
    pub candidates: Vec<RankedRow>,
    pub active_seats_at_start: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<String>,
    /// Unix seconds until which the holder of `lease_token` owns the run.
    pub lease_until: i64,
    pub lease_token: String,
    /// Seats whose elimination transaction committed (a string set).
    #[serde(skip)]
    pub eliminated_seat_ids: BTreeSet<String>,
}

fn run_key(month: &str) -> [(String, AttributeValue); 2] {
    [("PK".into(), s(keys::cycle_pk(month))), ("SK".into(), s(keys::RUN_SK))]
}

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
    let out = app.db.get_item().table_name(app.table()).set_key(Some(run_key(month).into())).consistent_read(true).send().await?;
    out.item.map(run_from_item).transpose()
}

#[derive(Serialize)]
struct RunItem<'a> {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: &'static str,
    #[serde(rename = "GSI1PK")]
    gsi1pk: &'static str,
    #[serde(rename = "GSI1SK")]
    gsi1sk: &'a str,
    entity: &'static str,
    #[serde(flatten)]
    run: &'a Run,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub month_key: String,
    pub taken_at: String,
    pub ranking: Vec<RankedRow>,
}

/// Claims the month: the run item and the ranking snapshot, atomically,
/// only if the month has no run yet. `Ok(false)`: it already has one.
pub async fn claim(app: &App, run: &Run, snapshot: &Snapshot, audit: &AuditEntry) -> Result<bool, AppError> {
    let t = app.table();
    let run_item = RunItem {
        pk: keys::cycle_pk(&run.month_key),
        sk: keys::RUN_SK,
        gsi1pk: keys::CYCLES_GSI1PK,
        gsi1sk: &run.month_key,
        entity: "CYCLE_RUN",
        run,
    };
    let mut snap_item: Item = serde_dynamo::to_item(snapshot)?;
    snap_item.insert("PK".into(), s(keys::cycle_pk(&run.month_key)));
    snap_item.insert("SK".into(), s(keys::SNAPSHOT_SK));
    snap_item.insert("entity".into(), s("RANKING_SNAPSHOT"));
    let items = vec![
        TransactWriteItem::builder()
            .put(
                Put::builder()
                    .table_name(t)
                    .set_item(Some(serde_dynamo::to_item(&run_item)?))
                    .condition_expression("attribute_not_exists(PK)")
                    .build()
                    .map_err(AppError::internal)?,
            )
            .build(),
        TransactWriteItem::builder()
            .put(
                Put::builder()
                    .table_name(t)
                    .set_item(Some(snap_item))
                    .condition_expression("attribute_not_exists(PK)")
                    .build()
                    .map_err(AppError::internal)?,
            )
            .build(),
        audit.transact_put(t)?,
    ];
    match dynamo::transact(&app.db, items).await? {
        Ok(()) => Ok(true),
        Err(c) if c.condition_failed(0) || c.condition_failed(1) => Ok(false),
        Err(c) => Err(AppError::internal(format!("cycle claim cancelled: {c:?}"))),
    }
}

/// Takes over an in-progress run whose lease has expired (its invocation
/// died). `Ok(false)`: someone else holds or took it.
pub async fn take_over(app: &App, run: &Run, new_token: &str, lease_until: i64, now: i64) -> Result<bool, AppError> {
    let result = app
        .db
        .update_item()
        .table_name(app.table())
        .set_key(Some(run_key(&run.month_key).into()))
        .update_expression("SET leaseToken = :new, leaseUntil = :until")
        .condition_expression("#status = :ip AND leaseToken = :old AND leaseUntil < :now")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":new", s(new_token))
        .expression_attribute_values(":until", n(lease_until))
        .expression_attribute_values(":ip", s("IN_PROGRESS"))
        .expression_attribute_values(":old", s(&run.lease_token))
        .expression_attribute_values(":now", n(now))
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

/// Eliminates one seat in one transaction: the seat, its wallet guard,
/// the elimination row, the PENDING refund, the counters, the run's
/// progress and the audit row.
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
    let seat = Update::builder()
        .table_name(t)
        .key("PK", s(keys::seat_pk(seat_id)))
        .key("SK", s(keys::SEAT_SK))
        .update_expression("SET #status = :elim, GSI2PK = :g2, eliminatedAt = :now, eliminatedMonth = :m")
        .condition_expression("#status = :active")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":elim", s("ELIMINATED"))
        .expression_attribute_values(":active", s("ACTIVE"))
        .expression_attribute_values(":g2", s(keys::seats_by_status_gsi2pk("ELIMINATED")))
        .expression_attribute_values(":now", s(now))
        .expression_attribute_values(":m", s(month))
        .build()
        .map_err(AppError::internal)?;
    // The wallet guard turns ELIMINATED: the wallet may buy a seat again,
    // and `GET /api/partners/me` still finds its last seat.
    let guard = Update::builder()
        .table_name(t)
        .key("PK", s(keys::wallet_pk(&row.standing.wallet)))
        .key("SK", s(keys::WALLET_ACTIVE_SEAT_SK))
        .update_expression("SET #status = :elim")
        .condition_expression("seatId = :seat")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":seat", s(seat_id))
        .expression_attribute_values(":elim", s("ELIMINATED"))
        .build()
        .map_err(AppError::internal)?;
    let elimination = Put::builder()
        .table_name(t)
        .item("PK", s(keys::cycle_pk(month)))
        .item("SK", s(keys::elimination_sk(seat_id)))
        .item("entity", s("ELIMINATION"))
        .item("monthKey", s(month))
        .item("seatId", s(seat_id))
        .item("wallet", s(&row.standing.wallet))
        .item("rank", n(row.rank))
        .item("score", n(row.standing.score))
        .item("eliminatedAt", s(now))
        .item("refundId", s(&refund.refund_id))
        .item("reason", s(&run.reason))
        .condition_expression("attribute_not_exists(PK)")
        .build()
        .map_err(AppError::internal)?;
    let progress = Update::builder()
        .table_name(t)
        .key("PK", s(keys::cycle_pk(month)))
        .key("SK", s(keys::RUN_SK))
        .update_expression("ADD eliminatedSeatIds :seat")
        .condition_expression("#status = :ip AND leaseToken = :token")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":seat", AttributeValue::Ss(vec![seat_id.clone()]))
        .expression_attribute_values(":ip", s("IN_PROGRESS"))
        .expression_attribute_values(":token", s(&run.lease_token))
        .build()
        .map_err(AppError::internal)?;
    let items = vec![
        TransactWriteItem::builder().update(seat).build(),
        TransactWriteItem::builder().update(guard).build(),
        TransactWriteItem::builder().put(elimination).build(),
        crate::refunds::store::insert_item(app, refund)?,
        crate::program::store::counters_change(app, -1, 1)?,
        TransactWriteItem::builder().update(progress).build(),
        audit.transact_put(t)?,
    ];
    Ok(match dynamo::transact(&app.db, items).await? {
        Ok(()) => EliminateOutcome::Eliminated,
        Err(c) if c.condition_failed(5) => EliminateOutcome::LostLease,
        Err(c) if c.condition_failed(0) => EliminateOutcome::SeatNotActive,
        Err(c) => return Err(AppError::internal(format!("elimination cancelled: {c:?}"))),
    })
}

/// Marks the run done (only by the lease holder) with its audit row.
pub async fn complete(app: &App, run: &Run, now: &str, audit: &AuditEntry) -> Result<bool, AppError> {
    let t = app.table();
    let update = Update::builder()
        .table_name(t)
        .set_key(Some(run_key(&run.month_key).into()))
        .update_expression("SET #status = :done, completedAt = :now")
        .condition_expression("#status = :ip AND leaseToken = :token")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":done", s("COMPLETED"))
        .expression_attribute_values(":ip", s("IN_PROGRESS"))
        .expression_attribute_values(":now", s(now))
        .expression_attribute_values(":token", s(&run.lease_token))
        .build()
        .map_err(AppError::internal)?;
    let items = vec![TransactWriteItem::builder().update(update).build(), audit.transact_put(t)?];
    Ok(dynamo::transact(&app.db, items).await?.is_ok())
}

pub async fn get_snapshot(app: &App, month: &str) -> Result<Option<Snapshot>, AppError> {
    dynamo::get_as(&app.db, app.table(), keys::cycle_pk(month), keys::SNAPSHOT_SK).await
}

/// Executed and in-progress cycles, newest month first.
pub async fn list_runs(app: &App, limit: i32) -> Result<Vec<Run>, AppError> {
    let part = Partition::index(GSI1, keys::CYCLES_GSI1PK).newest_first();
    let (items, _) = query_items(&app.db, app.table(), &part, Some(limit), None).await?;
    items.into_iter().map(run_from_item).collect()
}
