//! `GET /api/v1/businesses/me/members` (owner or staff): the caller's
//! business's members and its pending invitations.

use shared::http::{jwt, response, Body, Request, Response};
use shared::members::service;
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    response::ok(&service::roster(&app, &caller.business_id).await?)
}
