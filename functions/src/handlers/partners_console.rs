//! `GET /api/partners/console` (partner console home): only for a wallet
//! whose seat is ACTIVE, through the shared `require_partner_console`.

use serde_json::json;
use shared::cycle::{domain::MonthKey, service};
use shared::http::{response, Body, Request, Response};
use shared::http::partner::require_partner_console;
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let partner = require_partner_console(&app, &req).await?;
    let month = MonthKey::of(app.clock.now());
    let ranking = service::live_ranking(&app, month).await?;
    let mine = ranking.iter().find(|r| r.standing.seat_id == partner.seat.seat_id);
    response::ok(&json!({
        "wallet": partner.wallet,
        "seat": partner.seat,
        "monthKey": month.to_string(),
        "rank": mine.map(|r| r.rank),
        "score": mine.map(|r| r.standing.score).unwrap_or(0),
        "activeSeats": ranking.len(),
    }))
}
