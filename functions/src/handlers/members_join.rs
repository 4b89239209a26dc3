//! `POST /api/v1/businesses/join` (a signed-in user's JWT, without a
//! business): redeems an owner's invitation code; the caller becomes a
//! member, and its next token carries the business.

use shared::http::{jwt, request, response, Body, Request, Response};
use shared::members::{domain::JoinRequest, service};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let user = jwt::require_user(&app, &req).await?;
    if user.business_id.is_some() {
        return Err(service::already_member());
    }
    let body: JoinRequest = request::parse_json(&req)?;
    response::json(201, &service::join(&app, &user.user_id, user.email.as_deref(), &body.code).await?)
}
