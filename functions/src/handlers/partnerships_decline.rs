//! `PATCH /api/v1/partnerships/{id}/decline` (the invited business's owner's
//! JWT): declines a PENDING invitation.

use shared::http::{jwt, request, response, Body, Request, Response};
use shared::partnerships::service;
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    caller.require_owner()?;
    let id = request::partnership_id(&req)?;
    response::ok(&service::answer(&app, &caller.business_id, &caller.user_id, &id, service::Answer::Decline).await?)
}
