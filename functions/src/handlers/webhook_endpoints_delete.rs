//! `DELETE /api/v1/webhooks/endpoints/{id}` (an owner): 204.

use shared::business_webhooks::service;
use shared::http::{jwt, request, Body, Request, Response};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    caller.require_owner()?;
    let id = request::endpoint_id(&req)?;
    service::delete(&app, &caller.business_id, &caller.user_id, &id).await?;
    Response::builder().status(204).body(Body::Empty).map_err(AppError::internal)
}
