//! `PATCH /api/v1/partnerships/{id}/accept` (the invited business's owner's
//! JWT): accepts a PENDING invitation at the terms version the owner read
//! (`{"termsVersion": n}`); 409 `TERMS_CHANGED` if it changed since.

use serde::Deserialize;
use shared::http::{jwt, request, response, Body, Request, Response};
use shared::partnerships::service::{self, Answer};
use shared::{App, AppError};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AcceptRequest {
    terms_version: u32,
}

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    caller.require_owner()?;
    let id = request::partnership_id(&req)?;
    let body: AcceptRequest = request::parse_json(&req)?;
    response::ok(&service::answer(&app, &caller.business_id, &caller.user_id, &id, Answer::Accept { terms_version: body.terms_version }).await?)
}
