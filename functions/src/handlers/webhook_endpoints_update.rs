//! `PATCH /api/v1/webhooks/endpoints/{id}` (an owner): any of `url`,
//! `eventTypes`, `description`, `enabled`.

use shared::business_webhooks::{domain::EndpointRequest, service};
use shared::http::{jwt, request, response, Body, Request, Response};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    caller.require_owner()?;
    let id = request::endpoint_id(&req)?;
    let body: EndpointRequest = request::parse_json(&req)?;
    response::ok(&service::update(&app, &caller.business_id, &caller.user_id, &id, body).await?)
}
