//! `POST /api/partners/seats` (admin, on behalf of an applicant): allocates
//! a seat at the current refill price, or 409 `SEAT_CAP_REACHED`.

use serde_json::json;
use shared::http::{auth, request, response, Body, Request, Response};
use shared::seats::{domain::AllocateRequest, domain::Wallet, service};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let admin = auth::require_admin(&app, &req).await?;
    let body: AllocateRequest = request::parse_json(&req)?;
    let wallet = Wallet::parse(&body.wallet)?;
    let seat = service::allocate(&app, &admin, &wallet, request::request_id(&req)).await?;
    response::json(201, &json!({ "seat": seat }))
}
