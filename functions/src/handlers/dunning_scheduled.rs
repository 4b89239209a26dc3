//! The daily dunning run (EventBridge schedule, and `GET /api/cron/dunning`):
//! closes failed-payment records the membership has moved past and
//! publishes a `DunningNoticeDue` event for the rest.

use serde_json::{json, Value};
use shared::dunning::service;
use shared::{App, AppError};

pub async fn handle(app: App, _event: Value) -> Result<Value, AppError> {
    let run = service::run(&app, "dunning-job").await?;
    Ok(json!({ "checkedAt": run.checked_at, "notified": run.notified, "resolved": run.resolved }))
}
