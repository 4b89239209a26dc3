//! `PUT /api/v1/partnerships/{id}/anomaly-rules` (a party's owner): the
//! caller's own anomaly thresholds (unset ones are the defaults). The scan
//! uses, rule by rule, the stricter party's, so a party tightens alone and
//! loosening takes both.

use shared::http::{jwt, request, response, Body, Request, Response};
use shared::partnerships::{anomaly_rules::RuleSettings, service};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    caller.require_owner()?;
    let id = request::partnership_id(&req)?;
    let body: RuleSettings = request::parse_json(&req)?;
    response::ok(&service::set_anomaly_rules(&app, &caller.business_id, &caller.user_id, &id, body).await?)
}
