//! `POST /api/v1/webhooks/endpoints/{id}/rotate` (an owner): a new signing
//! secret, shown this once; the old one still signs for a day.

use shared::business_webhooks::service;
use shared::http::{jwt, request, response, Body, Request, Response};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    caller.require_owner()?;
    let id = request::endpoint_id(&req)?;
    response::ok(&service::rotate(&app, &caller.business_id, &caller.user_id, &id).await?)
}
