//! `GET /api/v1/network/settlements?month=YYYY-MM` (a business user's JWT;
//! the clock's month by default): what the caller owes and is owed by each
//! partner that month, with the settlement of the period holding it.

use shared::http::{jwt, request, response, Body, Request, Response};
use shared::settlements::balances;
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    let month = match request::query(&req, "month") {
        Some(m) => m,
        None => shared::platform::clock::rfc3339(app.clock.now())[..7].to_string(),
    };
    response::ok(&balances::month(&app, &caller.business_id, &month).await?)
}
