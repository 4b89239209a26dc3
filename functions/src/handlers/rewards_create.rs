//! `POST /api/v1/businesses/me/rewards` (an owner's JWT): publishes a
//! reward (name, points, value) customers see across the network.

use shared::http::{jwt, request, response, Body, Request, Response};
use shared::loyalty::{domain::RewardRequest, service};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    caller.require_owner()?;
    let body: RewardRequest = request::parse_json(&req)?;
    response::json(201, &service::add_reward(&app, &caller.business_id, &caller.user_id, body).await?)
}
