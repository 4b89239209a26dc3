//! `POST /api/credits/adjustments` (admin):
//! `{"wallet","amount","note","allowNegative"?}`: an immutable adjustment entry.

use serde::Deserialize;
use shared::http::{auth, request, response, Body, Request, Response};
use shared::payments::ledger;
use shared::seats::domain::Wallet;
use shared::{App, AppError};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Adjustment {
    wallet: String,
    amount: i64,
    note: String,
    #[serde(default)]
    allow_negative: bool,
}

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let admin = auth::require_admin(&app, &req).await?;
    let a: Adjustment = request::parse_json(&req)?;
    let wallet = Wallet::parse(&a.wallet)?;
    let entry = ledger::adjust(&app, &admin, wallet.as_str(), a.amount, &a.note, a.allow_negative).await?;
    response::json(201, &serde_json::json!({ "entry": entry }))
}
