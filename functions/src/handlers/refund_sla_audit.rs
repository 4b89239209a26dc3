//! The daily refund SLA audit (EventBridge schedule): logs overdue refunds
//! as errors and at-risk ones as warnings, and publishes one
//! `RefundOverdue` event per overdue refund.

use serde_json::{json, Value};
use shared::refunds::service;
use shared::{App, AppError};

pub async fn handle(app: App, _event: Value) -> Result<Value, AppError> {
    let report = service::sla_audit(&app, true).await?;
    Ok(json!({ "checkedAt": report.checked_at, "overdue": report.overdue.len(), "atRisk": report.at_risk.len() }))
}
