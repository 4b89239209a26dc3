//! `DELETE /api/v1/businesses/me/members/{userId}` (owner): removes a
//! member of the caller's business; its next token has no business. The
//! last owner stays.

use shared::http::{jwt, request, Body, Request, Response};
use shared::members::service;
use shared::{App, AppError};

const PREFIX: &str = "/api/v1/businesses/me/members/";

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    caller.require_owner()?;
    let user_id = request::path_param(&req, "userId", PREFIX)
        .filter(|u| shared::members::domain::is_user_id(u))
        .ok_or_else(|| AppError::bad_request("INVALID_USER_ID", "the path needs a member's user id"))?;
    service::remove(&app, &caller.business_id, &caller.user_id, &user_id).await?;
    Response::builder().status(204).body(Body::Empty).map_err(AppError::internal)
}
