//! `GET /api/v1/partnerships/{id}/analytics` (a party's user): the
//! partnership's numbers from the caller's side, per month and for its life.

use shared::http::{jwt, request, response, Body, Request, Response};
use shared::partner_transactions::analytics;
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    let id = request::partnership_id(&req)?;
    response::ok(&analytics::partnership(&app, &caller.business_id, &id).await?)
}
