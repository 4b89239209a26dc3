//! `GET /api/v1/partnerships/{id}/settlements` (a party's user): the
//! partnership's settlement history, newest period first.

use shared::http::{jwt, request, response, Body, Request, Response};
use shared::settlements::service;
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    let id = request::partnership_id(&req)?;
    response::ok(&service::list(&app, &caller.business_id, &id).await?)
}
