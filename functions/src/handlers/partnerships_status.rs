//! `PATCH /api/v1/partnerships/{id}/status` (a party's owner's JWT): pauses,
//! resumes or terminates a partnership, with a reason.

use shared::http::{jwt, request, response, Body, Request, Response};
use shared::partnerships::{domain::StatusRequest, service};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    caller.require_owner()?;
    let id = request::partnership_id(&req)?;
    let body: StatusRequest = request::parse_json(&req)?;
    response::ok(&service::change_status(&app, &caller.business_id, &caller.user_id, &id, body).await?)
}
