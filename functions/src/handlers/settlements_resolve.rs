//! `POST /api/v1/partnerships/{id}/settlements/{periodStart}/resolve`:
//! `{"outcome", "adjustmentCents"}`. A platform admin (wallet-signed, like
//! every admin route) resolves alone; with a party owner's JWT it is that
//! party's proposal, and the dispute is resolved when both propose the same
//! adjustment.

use shared::http::{auth, jwt, request, response, Body, Request, Response};
use shared::settlements::{domain::ResolveRequest, service};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let id = request::partnership_id(&req)?;
    let period = request::period_start(&req)?;
    if request::header(&req, "x-admin-wallet").is_some() {
        let wallet = auth::require_admin(&app, &req).await?;
        let body: ResolveRequest = request::parse_json(&req)?;
        return response::ok(&service::resolve(&app, service::Resolver::Admin { wallet: &wallet }, &id, &period, body).await?);
    }
    let caller = jwt::require_business(&app, &req).await?;
    caller.require_owner()?;
    let body: ResolveRequest = request::parse_json(&req)?;
    let resolver = service::Resolver::Party { business_id: &caller.business_id, user_id: &caller.user_id };
    response::ok(&service::resolve(&app, resolver, &id, &period, body).await?)
}
