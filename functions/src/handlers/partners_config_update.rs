//! `POST /api/partners/config` (admin): sets the refill price. `maxSeats`
//! is fixed by policy and refused.

use shared::http::{auth, request, response, Body, Request, Response};
use shared::program::{domain::ConfigUpdateRequest, service};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let admin = auth::require_admin(&app, &req).await?;
    let update = request::parse_json::<ConfigUpdateRequest>(&req)?.validate()?;
    let view = service::update_config(&app, &admin, update, request::request_id(&req)).await?;
    response::ok(&view)
}
