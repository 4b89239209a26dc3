//! `GET /api/partners/me` (wallet-signed, `x-wallet`): the caller's seat,
//! its status and the privileges it grants, read fresh every time.

use serde_json::json;
use shared::http::{auth, response, Body, Request, Response};
use shared::seats::privileges::privileges_for;
use shared::seats::service as seats;
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let wallet = auth::require_wallet(&app, &req).await?;
    let seat = seats::latest(&app, &wallet).await?;
    let status = seat.as_ref().map(|s| s.status);
    response::ok(&json!({
        "wallet": wallet,
        "seat": seat,
        "status": status.map(|s| s.as_str()).unwrap_or("NONE"),
        "privileges": privileges_for(status),
    }))
}
