//! The check every partner-console route runs: a signed request from a
//! wallet whose seat is ACTIVE right now, else 403. It lives in `http`
//! because it joins request authentication with seat data; the seats
//! context itself never sees a request.

use super::auth::require_wallet;
use super::Request;
use crate::platform::error::AppError;
use crate::seats::domain::{Seat, Wallet};
use crate::seats::privileges::privileges_for;
use crate::seats::service as seats;
use crate::App;

pub struct PartnerContext {
    pub wallet: Wallet,
    pub seat: Seat,
}

pub async fn require_partner_console(app: &App, req: &Request) -> Result<PartnerContext, AppError> {
    let wallet = require_wallet(app, req).await?;
    match seats::latest(app, &wallet).await? {
        Some(seat) if privileges_for(Some(seat.status)).partner_console => Ok(PartnerContext { wallet, seat }),
        _ => {
            Err(AppError::forbidden("PARTNER_CONSOLE_FORBIDDEN", "partner-console access needs an active partner seat"))
        }
    }
}
