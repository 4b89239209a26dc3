//! DynamoDB access for seats.
//!
//! The cap lives in a condition: the `STATS` counter is incremented only
//! while `activeSeats < 100`, in the same transaction as the seat item and
//! the one-seat-per-wallet guard. There is no read-then-write anywhere.

use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};

use super::domain::{Seat, SeatStatus};
use crate::platform::audit::AuditEntry;
use crate::platform::dynamo::{self, n, query_page, s, Page, Partition};
use crate::platform::error::AppError;
use crate::platform::keys::{self, PROGRAM_PK, STATS_SK};
use crate::platform::table::{GSI1, GSI2};
use crate::program::domain::MAX_SEATS;
use crate::program::store::config_unchanged_condition;
use crate::App;

/// A seat with its table keys.
#[derive(Debug, Serialize, Deserialize)]
struct SeatItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    #[serde(rename = "GSI1PK")]
    gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    gsi1sk: String,
    #[serde(rename = "GSI2PK")]
    gsi2pk: String,
    #[serde(rename = "GSI2SK")]
    gsi2sk: String,
    entity: String,
    #[serde(flatten)]
    seat: Seat,
}

impl SeatItem {
    fn new(seat: Seat) -> Self {
        let order = keys::seat_order_sk(&seat.joined_at, &seat.seat_id);
        SeatItem {
            pk: keys::seat_pk(&seat.seat_id),
            sk: keys::SEAT_SK.into(),
            gsi1pk: keys::SEATS_GSI1PK.into(),
            gsi1sk: order.clone(),
            gsi2pk: keys::seats_by_status_gsi2pk(seat.status.as_str()),
            gsi2sk: order,
            entity: "SEAT".into(),
            seat,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum AllocateOutcome {
    Allocated,
    CapReached,
    WalletHasSeat,
    /// The price changed between read and write; reload and try again.
    ConfigChanged,
}

/// The three writes that allocate a seat under the cap, in this order:
/// the counter (fails at the cap), the wallet guard (fails if the wallet
/// holds an active seat), the seat item. Payments reuse them so a paid
/// seat goes through the very same conditions.
pub fn allocation_items(app: &App, seat: &Seat) -> Result<Vec<TransactWriteItem>, AppError> {
    let table = app.table();
    let bump_counter = Update::builder()
        .table_name(table)
        .key("PK", s(PROGRAM_PK))
        .key("SK", s(STATS_SK))
        .update_expression("SET activeSeats = if_not_exists(activeSeats, :zero) + :one, entity = :entity")
        .condition_expression("attribute_not_exists(activeSeats) OR activeSeats < :max")
        .expression_attribute_values(":zero", n(0))
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":max", n(MAX_SEATS))
        .expression_attribute_values(":entity", s("PROGRAM_STATS"))
        .build()
        .map_err(AppError::internal)?;
    let guard_wallet = Put::builder()
        .table_name(table)
        .item("PK", s(keys::wallet_pk(&seat.wallet)))
        .item("SK", s(keys::WALLET_ACTIVE_SEAT_SK))
        .item("entity", s("WALLET_SEAT_GUARD"))
        .item("seatId", s(&seat.seat_id))
        .item("status", s("ACTIVE"))
        // A wallet whose last seat was eliminated may buy again.
        .condition_expression("attribute_not_exists(PK) OR #status = :eliminated")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":eliminated", s("ELIMINATED"))
        .build()
        .map_err(AppError::internal)?;
    let put_seat = Put::builder()
        .table_name(table)
        .set_item(Some(serde_dynamo::to_item(SeatItem::new(seat.clone()))?))
        .condition_expression("attribute_not_exists(PK)")
        .build()
        .map_err(AppError::internal)?;
    Ok(vec![
        TransactWriteItem::builder().update(bump_counter).build(),
        TransactWriteItem::builder().put(guard_wallet).build(),
        TransactWriteItem::builder().put(put_seat).build(),
    ])
}

/// Reads `allocation_items`' failures, given where they start in a transaction.
pub fn allocation_refusal(c: &dynamo::Cancelled, first: usize) -> Option<AllocateOutcome> {
    // The wallet check first: a wallet that already holds a seat gets its
    // own answer even when the program is full.
    if c.condition_failed(first + 1) {
        Some(AllocateOutcome::WalletHasSeat)
    } else if c.condition_failed(first) {
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
    let mut items = allocation_items(app, seat)?;
    items.push(config_unchanged_condition(app, config_version)?);
    items.push(audit.transact_put(app.table())?);
    Ok(match dynamo::transact(&app.db, items).await? {
        Ok(()) => AllocateOutcome::Allocated,
        Err(c) => match allocation_refusal(&c, 0) {
            Some(refusal) => refusal,
            None if c.condition_failed(3) => AllocateOutcome::ConfigChanged,
            None => return Err(AppError::internal(format!("seat allocation cancelled: {c:?}"))),
        },
    })
}

/// Seats by join time, all (GSI1) or of one status (GSI2).
pub async fn list(app: &App, status: Option<SeatStatus>, limit: i32, cursor: Option<&str>) -> Result<Page<Seat>, AppError> {
    let part = match status {
        Some(st) => Partition::index(GSI2, keys::seats_by_status_gsi2pk(st.as_str())),
        None => Partition::index(GSI1, keys::SEATS_GSI1PK),
    };
    let page = query_page::<SeatItem>(&app.db, app.table(), &part, Some(limit), cursor).await?;
    Ok(Page { items: page.items.into_iter().map(|i| i.seat).collect(), next_cursor: page.next_cursor })
}
