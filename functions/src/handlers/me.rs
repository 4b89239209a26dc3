//! `GET /api/v1/me` (any signed-in user's JWT): who the caller is and the
//! business it belongs to, read from our memberships (not from the token),
//! so a client knows whether to onboard and when a new token is due.

use serde_json::json;
use shared::http::{jwt, response, Body, Request, Response};
use shared::members::service;
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let user = jwt::require_user(&app, &req).await?;
    let membership = service::me(&app, &user.user_id).await?;
    // The token's view lags the table until the next token: say so.
    let token_current = membership.as_ref().map(|m| m.business_id.as_str()) == user.business_id.as_deref();
    response::ok(&json!({ "userId": user.user_id, "email": user.email, "membership": membership, "tokenCurrent": token_current }))
}
