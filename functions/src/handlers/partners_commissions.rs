//! `GET /api/partners/commissions?wallet=` (admin): a partner's commission
//! entries (credits and reversals), newest first.

use shared::commissions::service;
use shared::http::{auth, request, response, Body, Request, Response};
use shared::seats::domain::Wallet;
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    auth::require_admin(&app, &req).await?;
    let wallet = request::query(&req, "wallet").ok_or_else(|| AppError::bad_request("MISSING_WALLET", "wallet query parameter is required"))?;
    let wallet = Wallet::parse(&wallet)?;
    let limit = request::query_i32(&req, "limit")?;
    response::ok(&service::list(&app, wallet, limit, request::query(&req, "cursor").as_deref()).await?)
}
