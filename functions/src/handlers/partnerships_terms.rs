//! `PATCH /api/v1/partnerships/{id}/terms` (a party's owner's JWT): accepts
//! or rejects the open terms proposal, named by its version.

use shared::http::{jwt, request, response, Body, Request, Response};
use shared::partnerships::{domain::TermsAnswer, service};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    caller.require_owner()?;
    let id = request::partnership_id(&req)?;
    let body: TermsAnswer = request::parse_json(&req)?;
    response::ok(&service::answer_terms(&app, &caller.business_id, &caller.user_id, &id, body).await?)
}
