//! `GET /api/v1/webhooks/endpoints/{id}/deliveries?limit=&cursor=` (an
//! owner): the endpoint's delivery log, newest first: status, attempts,
//! the last response code, the next attempt.

use shared::business_webhooks::deliveries;
use shared::http::{jwt, request, response, Body, Request, Response};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    caller.require_owner()?;
    let id = request::endpoint_id(&req)?;
    let (limit, cursor) = (request::query_i32(&req, "limit")?.unwrap_or(20), request::query(&req, "cursor"));
    response::ok(&deliveries::log(&app, &caller.business_id, &id, limit, cursor.as_deref()).await?)
}
