//! `GET /api/credits` (wallet-signed: your own) or
//! `GET /api/credits?wallet=` (admin: anyone's): balance and paginated ledger.

use shared::http::{auth, request, response, Body, Request, Response};
use shared::payments::ledger;
use shared::seats::domain::Wallet;
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let wallet = if req.headers().contains_key(auth::ADMIN_WALLET_HEADER) {
        auth::require_admin(&app, &req).await?;
        let w = request::query(&req, "wallet").ok_or_else(|| AppError::bad_request("MISSING_WALLET", "wallet query parameter is required"))?;
        Wallet::parse(&w)?
    } else {
        auth::require_wallet(&app, &req).await?
    };
    let view = ledger::view(&app, wallet.as_str(), request::query_i32(&req, "limit")?, request::query(&req, "cursor").as_deref()).await?;
    response::ok(&view)
}
