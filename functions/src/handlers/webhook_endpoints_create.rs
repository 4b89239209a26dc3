//! `POST /api/v1/webhooks/endpoints` (an owner): `{"url", "eventTypes"?,
//! "description"?}`; the answer carries the signing secret, shown this once.

use shared::business_webhooks::{domain::EndpointRequest, service};
use shared::http::{jwt, request, response, Body, Request, Response};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    caller.require_owner()?;
    let body: EndpointRequest = request::parse_json(&req)?;
    response::json(201, &service::create(&app, &caller.business_id, &caller.user_id, body).await?)
}
