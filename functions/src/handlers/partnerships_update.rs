//! `PUT /api/v1/partnerships/{id}` (a party's owner's JWT): changes the
//! config, and proposes (or, on a pending invitation, sets) the terms.

use shared::http::{jwt, request, response, Body, Request, Response};
use shared::partnerships::{domain::UpdateRequest, service};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    caller.require_owner()?;
    let id = request::partnership_id(&req)?;
    let body: UpdateRequest = request::parse_json(&req)?;
    response::ok(&service::update(&app, &caller.business_id, &caller.user_id, &id, body).await?)
}
