//! `POST /api/v1/partnerships/{id}/terms/simulate` (a party's owner or
//! staff), body `{"revenueSharingTerms": {...}, "periods": 12}`: the
//! partnership's real transactions of its last periods re-rated under the
//! proposed terms, per period, beside what was recorded and settled.
//! Nothing is stored.

use shared::http::{jwt, request, response, Body, Request, Response};
use shared::settlements::what_if::{self, SimulateRequest};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    let id = request::partnership_id(&req)?;
    let body: SimulateRequest = request::parse_json(&req)?;
    response::ok(&what_if::simulate(&app, &caller.business_id, &id, body).await?)
}
