//! Seat use cases.

use serde::Serialize;
use serde_json::json;

use super::domain::{Seat, SeatStatus, Wallet};
use super::store::{self, AllocateOutcome};
use crate::platform::audit::AuditEntry;
use crate::platform::clock::rfc3339;
use crate::platform::error::AppError;
use crate::platform::ids::new_id;
use crate::program::service::{self as program, effective, StatsView};
use crate::program::store as program_store;
use crate::App;

/// Allocates a seat to `wallet` at the refill price of this moment, unless
/// refill is frozen (409 `REFILL_FROZEN`).
pub async fn allocate(app: &App, actor: &str, wallet: &Wallet, request_id: Option<String>) -> Result<Seat, AppError> {
    // Only a config change between our read and our write loops here; the
    // cap, the wallet guard and the freeze are decided by the transaction.
    // The read only words the refusal.
    for _ in 0..5 {
        let program = program_store::load(app).await?;
        let config = effective(app, program.config);
        if let Some(freeze) = &config.freeze {
            return Err(program::refill_frozen(freeze));
        }
        let now = rfc3339(app.clock.now());
        let seat = Seat {
            seat_id: new_id(),
            wallet: wallet.as_str().to_string(),
            status: SeatStatus::Active,
            price_paid_cents: config.refill_price.0,
            joined_at: now.clone(),
            allocated_by: actor.to_string(),
            eliminated_at: None,
            eliminated_month: None,
        };
        let audit = AuditEntry::new(
            actor,
            "seat.allocated",
            &store::subject(&seat.seat_id),
            &now,
            json!({ "wallet": seat.wallet, "pricePaidCents": seat.price_paid_cents }),
        )
        .with_request_id(request_id.clone());
        match store::allocate(app, &seat, config.version, &audit).await? {
            AllocateOutcome::Allocated => return Ok(seat),
            AllocateOutcome::CapReached => {
                return Err(AppError::conflict("SEAT_CAP_REACHED", "all 100 partner seats are taken"))
            }
            AllocateOutcome::WalletHasSeat => {
                return Err(AppError::conflict("WALLET_ALREADY_HAS_SEAT", "this wallet already holds an active seat"))
            }
            AllocateOutcome::ConfigRefused => continue,
        }
    }
    Err(AppError::conflict("CONFIG_CHANGED_CONCURRENTLY", "the refill price kept changing; retry"))
}

pub const DEFAULT_PAGE: i32 = 50;
pub const MAX_PAGE: i32 = 100;

/// A page of seats with the program's refill stats (the admin listing).
// A typed body, not `json!`: the price is an exact decimal literal that a
// `serde_json::Value` would turn into a float.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SeatList {
    pub seats: Vec<Seat>,
    pub next_cursor: Option<String>,
    pub stats: StatsView,
}

pub async fn list(
    app: &App,
    status: Option<SeatStatus>,
    limit: Option<i32>,
    cursor: Option<&str>,
) -> Result<SeatList, AppError> {
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(AppError::bad_request("INVALID_LIMIT", format!("limit must be between 1 and {MAX_PAGE}")));
    }
    let (page, stats) = tokio::try_join!(store::list(app, status, limit, cursor), program::stats(app))?;
    Ok(SeatList { seats: page.items, next_cursor: page.next_cursor, stats })
}

/// A wallet's latest seat (ACTIVE or ELIMINATED), read fresh.
pub async fn latest(app: &App, wallet: &Wallet) -> Result<Option<Seat>, AppError> {
    store::latest_seat(app, wallet).await
}
