//! `POST /api/v1/businesses` (a signed-in user's JWT, without a business):
//! registers a business and makes the caller its owner, once. The caller's
//! next token carries the new `businessId` and `role`.

use shared::businesses::{domain::BusinessRequest, service};
use shared::http::{jwt, request, response, Body, Request, Response};
use shared::members::service::already_member;
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let user = jwt::require_user(&app, &req).await?;
    if user.business_id.is_some() {
        return Err(already_member());
    }
    let body: BusinessRequest = request::parse_json(&req)?;
    response::json(201, &service::register(&app, &user.user_id, user.email.as_deref(), body).await?)
}
