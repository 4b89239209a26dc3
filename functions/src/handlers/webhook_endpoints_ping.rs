//! `POST /api/v1/webhooks/endpoints/{id}/ping` (an owner): a
//! `webhook.ping` test event delivered to this endpoint now; its delivery
//! shows in the log.

use shared::business_webhooks::deliveries;
use shared::http::{jwt, request, response, Body, Request, Response};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    caller.require_owner()?;
    let id = request::endpoint_id(&req)?;
    response::json(202, &deliveries::ping(&app, &caller.business_id, &id).await?)
}
