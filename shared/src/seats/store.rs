//! DynamoDB access for seats and their wallet guards: the owner of both
//! entities' keys, items, conditions and audit subject.
//!
//! The cap lives in a condition: the program's `STATS` counter is
//! incremented only while `activeSeats < 100`, in the same transaction as
//! the seat item and the one-seat-per-wallet guard. There is no
//! read-then-write anywhere.

use aws_sdk_dynamodb::types::Put;

use super::domain::{Seat, SeatStatus, Wallet};
use crate::platform::audit::{self, AuditEntry};
use crate::platform::dynamo::{self, get_as, query_page, s, tx_put, tx_update, Page, Partition, Refused, Tx};
use crate::platform::entity::{Key, Layout};
use crate::platform::error::AppError;
use crate::platform::table::{GSI1, GSI2};
use crate::program::store::{allocation_condition, take_seat_item};
use crate::App;

/// A seat's partition: the seat item, and its points and month scores
/// (owned by `cycle::store`, which asks for this partition).
pub fn partition(seat_id: &str) -> String {
    format!("SEAT#{seat_id}")
}

/// The audit subject of everything that happens to a seat.
pub fn subject(seat_id: &str) -> String {
    partition(seat_id)
}

fn seat_key(seat_id: &str) -> Key {
    Key::new(partition(seat_id), "SEAT")
}

/// GSI1: every seat by join time; GSI2: seats of a status by join time.
const ALL_SEATS: &str = "SEATS";
fn by_status(status: SeatStatus) -> String {
    format!("SEATS#{}", status.as_str())
}

fn seat_layout(seat: &Seat) -> Layout {
    let order = format!("{}#{}", seat.joined_at, seat.seat_id);
    Layout::new("SEAT", seat_key(&seat.seat_id)).gsi1(ALL_SEATS, order.clone()).gsi2(by_status(seat.status), order)
}

/// Uniqueness guard: one active seat per wallet. Holds the wallet's latest
/// seat id and its status (ACTIVE or ELIMINATED).
fn guard_key(wallet: &str) -> Key {
    Key::new(format!("WALLET#{wallet}"), "ACTIVE_SEAT")
}

// Transaction item names, read back by `allocation_refusal`.
const TX_CAP: &str = "seat.cap";
const TX_GUARD: &str = "seat.wallet_guard";
const TX_SEAT: &str = "seat.item";
const TX_CONFIG: &str = "seat.config_version";

#[derive(Debug, PartialEq, Eq)]
pub enum AllocateOutcome {
    Allocated,
    CapReached,
    WalletHasSeat,
    /// Refill is frozen, or (with a version to hold) the price changed
    /// between read and write: reload the config to tell which.
    ConfigRefused,
}

/// Adds the writes that allocate a seat to `tx`: the counter (fails at the
/// cap), the wallet guard (fails if the wallet holds an active seat), the
/// seat item, and the config condition (fails while refill is frozen, or
/// when the config is no longer at `config_version`). Every path that takes
/// a seat (admin allocation, a verified seat payment) goes through these.
pub fn add_allocation(tx: &mut Tx, app: &App, seat: &Seat, config_version: Option<u64>) -> Result<(), AppError> {
    let table = app.table();
    let guard = Put::builder()
        .table_name(table)
        .set_item(Some(Layout::new("WALLET_SEAT_GUARD", guard_key(&seat.wallet)).key_attrs()))
        .item("seatId", s(&seat.seat_id))
        .item("status", s(SeatStatus::Active.as_str()))
        // A wallet whose last seat was eliminated may buy again.
        .condition_expression("attribute_not_exists(PK) OR #status = :eliminated")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":eliminated", s(SeatStatus::Eliminated.as_str()));
    tx.add(TX_CAP, take_seat_item(app)?);
    tx.add(TX_GUARD, tx_put(guard)?);
    tx.add(TX_SEAT, tx_put(seat_layout(seat).put_new(table, seat)?)?);
    tx.add(TX_CONFIG, allocation_condition(app, config_version)?);
    Ok(())
}

/// Why `add_allocation`'s items refused, if they did.
pub fn allocation_refusal(refused: &Refused) -> Option<AllocateOutcome> {
    // The wallet check first: a wallet that already holds a seat gets its
    // own answer even when the program is full.
    if refused.failed(TX_GUARD) {
        Some(AllocateOutcome::WalletHasSeat)
    } else if refused.failed(TX_CONFIG) {
        Some(AllocateOutcome::ConfigRefused)
    } else if refused.failed(TX_CAP) {
        Some(AllocateOutcome::CapReached)
    } else {
        None
    }
}

pub async fn allocate(
    app: &App,
    seat: &Seat,
    config_version: u64,
    audit: &AuditEntry,
) -> Result<AllocateOutcome, AppError> {
    let mut tx = Tx::new();
    add_allocation(&mut tx, app, seat, Some(config_version))?;
    tx.add(audit::TX_ITEM, audit.transact_put(app.table())?);
    Ok(match dynamo::transact(&app.db, tx).await? {
        Ok(()) => AllocateOutcome::Allocated,
        Err(r) => allocation_refusal(&r).ok_or_else(|| r.unexpected("seat allocation"))?,
    })
}

/// Names of `add_elimination`'s items, for the caller's refusal checks.
pub const TX_ELIMINATED_SEAT: &str = "seat.eliminated";
const TX_ELIMINATED_GUARD: &str = "seat.eliminated_guard";

/// Adds a seat's elimination to `tx`: the seat turns ELIMINATED (only if it
/// is ACTIVE: refused under [`TX_ELIMINATED_SEAT`]) and its wallet guard
/// too, so the wallet may buy a seat again and `GET /api/partners/me` still
/// finds its last seat.
pub fn add_elimination(
    tx: &mut Tx,
    app: &App,
    seat_id: &str,
    wallet: &str,
    month: &str,
    now: &str,
) -> Result<(), AppError> {
    let t = app.table();
    let seat = seat_key(seat_id)
        .update(t)
        .update_expression("SET #status = :elim, GSI2PK = :g2, eliminatedAt = :now, eliminatedMonth = :m")
        .condition_expression("#status = :active")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":elim", s(SeatStatus::Eliminated.as_str()))
        .expression_attribute_values(":active", s(SeatStatus::Active.as_str()))
        .expression_attribute_values(":g2", s(by_status(SeatStatus::Eliminated)))
        .expression_attribute_values(":now", s(now))
        .expression_attribute_values(":m", s(month));
    let guard = guard_key(wallet)
        .update(t)
        .update_expression("SET #status = :elim")
        .condition_expression("seatId = :seat")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":seat", s(seat_id))
        .expression_attribute_values(":elim", s(SeatStatus::Eliminated.as_str()));
    tx.add(TX_ELIMINATED_SEAT, tx_update(seat)?);
    tx.add(TX_ELIMINATED_GUARD, tx_update(guard)?);
    Ok(())
}

/// The condition that a seat is ACTIVE, for writes that only an active
/// seat may receive (points).
pub fn active_condition(app: &App, seat_id: &str) -> Result<aws_sdk_dynamodb::types::TransactWriteItem, AppError> {
    dynamo::tx_check(
        seat_key(seat_id)
            .check(app.table())
            .condition_expression("#status = :active")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":active", s(SeatStatus::Active.as_str())),
    )
}

/// The wallet's latest seat, via its guard item (two consistent reads).
pub async fn latest_seat(app: &App, wallet: &Wallet) -> Result<Option<Seat>, AppError> {
    let guard = dynamo::get_item(&app.db, app.table(), &guard_key(wallet.as_str())).await?;
    let Some(seat_id) = guard.as_ref().and_then(|i| i.get("seatId")).and_then(|v| v.as_s().ok()) else {
        return Ok(None);
    };
    get_as(&app.db, app.table(), &seat_key(seat_id)).await
}

/// Seats by join time, all (GSI1) or of one status (GSI2).
pub async fn list(
    app: &App,
    status: Option<SeatStatus>,
    limit: i32,
    cursor: Option<&str>,
) -> Result<Page<Seat>, AppError> {
    query_page(&app.db, app.table(), &listing(status), Some(limit), cursor).await
}

/// Every ACTIVE seat (all pages).
pub async fn all_active(app: &App) -> Result<Vec<Seat>, AppError> {
    let items = dynamo::query_all(&app.db, app.table(), &listing(Some(SeatStatus::Active))).await?;
    Ok(items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?)
}

fn listing(status: Option<SeatStatus>) -> Partition<'static> {
    match status {
        Some(st) => Partition::index(GSI2, by_status(st)),
        None => Partition::index(GSI1, ALL_SEATS),
    }
}
