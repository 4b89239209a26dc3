//! `POST /api/payments/gate` (admin): `{"verifyGated":true,"note":"…"}`
//! pauses (or resumes) payment verification without a deploy.

use serde::Deserialize;
use shared::http::{auth, request, response, Body, Request, Response};
use shared::payments::ledger;
use shared::{App, AppError};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Gate {
    verify_gated: bool,
    note: String,
}

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let admin = auth::require_admin(&app, &req).await?;
    let g: Gate = request::parse_json(&req)?;
    ledger::set_gate(&app, &admin, g.verify_gated, &g.note).await?;
    response::ok(&serde_json::json!({ "verifyGated": g.verify_gated }))
}
