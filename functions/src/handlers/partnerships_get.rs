//! `GET /api/v1/partnerships/{id}` (a business user's JWT): one of the
//! caller's partnerships; anyone else's is a 404.

use shared::http::{jwt, request, response, Body, Request, Response};
use shared::partnerships::service;
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    let id = request::partnership_id(&req)?;
    response::ok(&service::get(&app, &caller.business_id, &id).await?)
}
