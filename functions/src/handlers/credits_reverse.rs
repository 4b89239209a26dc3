//! `POST /api/credits/reversals` (admin):
//! `{"wallet","entryId","note","allowNegative"?}`: reverses an entry, once.

use serde::Deserialize;
use shared::http::{auth, request, response, Body, Request, Response};
use shared::payments::ledger;
use shared::seats::domain::Wallet;
use shared::{App, AppError};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Reversal {
    wallet: String,
    entry_id: String,
    note: String,
    #[serde(default)]
    allow_negative: bool,
}

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let admin = auth::require_admin(&app, &req).await?;
    let r: Reversal = request::parse_json(&req)?;
    let wallet = Wallet::parse(&r.wallet)?;
    request::bounded_id(&r.entry_id, "entryId", "INVALID_ENTRY_ID")?;
    let entry = ledger::reverse(&app, &admin, wallet.as_str(), &r.entry_id, &r.note, r.allow_negative).await?;
    response::json(201, &serde_json::json!({ "entry": entry }))
}
