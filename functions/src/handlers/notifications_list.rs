//! `GET /api/v1/notifications?limit=&cursor=` (any signed-in user): the
//! caller's own inbox, newest first, and its unread count.

use shared::http::{jwt, request, response, Body, Request, Response};
use shared::notifications::service;
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let user = jwt::require_user(&app, &req).await?;
    let (limit, cursor) = (request::query_i32(&req, "limit")?.unwrap_or(20), request::query(&req, "cursor"));
    response::ok(&service::inbox(&app, &user.user_id, limit, cursor.as_deref()).await?)
}
