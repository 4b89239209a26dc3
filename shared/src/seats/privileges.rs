//! Seat-derived privileges. Read from the table on every request (strongly
//! consistent, no cache), so an elimination revokes them at once.

use lambda_http::Request;
use serde::Serialize;

use super::domain::{Seat, SeatStatus, Wallet};
use crate::http::auth::require_wallet;
use crate::platform::dynamo::s;
use crate::platform::error::AppError;
use crate::platform::keys;
use crate::App;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Privileges {
    /// V5-equivalent benefit scope.
    pub v5_equivalent: bool,
    pub partner_console: bool,
}

/// Pure: an ACTIVE seat grants everything; anything else nothing.
pub fn privileges_for(status: Option<SeatStatus>) -> Privileges {
    let active = status == Some(SeatStatus::Active);
    Privileges { v5_equivalent: active, partner_console: active }
}

/// The wallet's latest seat, via its guard item (two consistent reads).
pub async fn latest_seat(app: &App, wallet: &Wallet) -> Result<Option<Seat>, AppError> {
    let guard = app
        .db
        .get_item()
        .table_name(app.table())
        .key("PK", s(keys::wallet_pk(wallet.as_str())))
        .key("SK", s(keys::WALLET_ACTIVE_SEAT_SK))
        .consistent_read(true)
        .send()
        .await?;
    let Some(seat_id) = guard.item.as_ref().and_then(|i| i.get("seatId")).and_then(|v| v.as_s().ok()) else {
        return Ok(None);
    };
    let seat = app
        .db
        .get_item()
        .table_name(app.table())
        .key("PK", s(keys::seat_pk(seat_id)))
        .key("SK", s(keys::SEAT_SK))
        .consistent_read(true)
        .send()
        .await?;
    seat.item.map(|i| serde_dynamo::from_item(i).map_err(AppError::from)).transpose()
}

pub struct PartnerContext {
    pub wallet: Wallet,
    pub seat: Seat,
}

/// The check every partner-console route runs: a signed request from a
/// wallet whose seat is ACTIVE right now, else 403.
pub async fn require_partner_console(app: &App, req: &Request) -> Result<PartnerContext, AppError> {
    let wallet = require_wallet(app, req).await?;
    let seat = latest_seat(app, &wallet).await?;
    match seat {
        Some(seat) if privileges_for(Some(seat.status)).partner_console => Ok(PartnerContext { wallet, seat }),
        _ => Err(AppError::forbidden("PARTNER_CONSOLE_FORBIDDEN", "partner-console access needs an active partner seat")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_active_seat_grants_privileges() {
        assert_eq!(privileges_for(Some(SeatStatus::Active)), Privileges { v5_equivalent: true, partner_console: true });
        assert_eq!(privileges_for(Some(SeatStatus::Eliminated)), Privileges { v5_equivalent: false, partner_console: false });
        assert_eq!(privileges_for(None), Privileges { v5_equivalent: false, partner_console: false });
    }
}
