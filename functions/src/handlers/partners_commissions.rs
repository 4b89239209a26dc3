//! `GET /api/partners/commissions?wallet=` (admin): a partner's commission
//! entries (credits and reversals), newest first.

use serde_json::json;
use shared::http::{auth, request, response, Body, Request, Response};
use shared::platform::dynamo::{query_page, Partition};
use shared::platform::keys;
use shared::platform::table::GSI1;
use shared::seats::domain::Wallet;
use shared::webhooks::store::CommissionEntry;
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    auth::require_admin(&app, &req).await?;
    let wallet = request::query(&req, "wallet").ok_or_else(|| AppError::bad_request("MISSING_WALLET", "wallet query parameter is required"))?;
    let wallet = Wallet::parse(&wallet)?;
    let limit = request::query_i32(&req, "limit")?.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return Err(AppError::bad_request("INVALID_LIMIT", "limit must be between 1 and 100"));
    }
    let commissions = Partition::index(GSI1, keys::commissions_gsi1pk(wallet.as_str())).newest_first();
    let page = query_page::<CommissionEntry>(&app.db, app.table(), &commissions, Some(limit), request::query(&req, "cursor").as_deref()).await?;
    let total: i64 = page.items.iter().map(|c| c.amount_minor).sum();
    response::ok(&json!({ "wallet": wallet, "commissions": page.items, "pageTotalMinor": total, "nextCursor": page.next_cursor }))
}
