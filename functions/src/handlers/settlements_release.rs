//! `POST /api/v1/partnerships/{id}/settlements/{periodStart}/release`: a
//! HELD settlement reviewed and let through (PENDING, paid after its
//! review). A platform admin (wallet-signed), or the owner of the party
//! that would pay it; the party that would be paid gets 403.

use shared::http::{auth, jwt, request, response, Body, Request, Response};
use shared::settlements::service::{self, Releaser};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let id = request::partnership_id(&req)?;
    let period = request::period_start(&req)?;
    if request::header(&req, "x-admin-wallet").is_some() {
        let wallet = auth::require_admin(&app, &req).await?;
        return response::ok(&service::release(&app, Releaser::Admin { wallet: &wallet }, &id, &period).await?);
    }
    let caller = jwt::require_business(&app, &req).await?;
    caller.require_owner()?;
    let releaser = Releaser::Party { business_id: &caller.business_id, user_id: &caller.user_id };
    response::ok(&service::release(&app, releaser, &id, &period).await?)
}
