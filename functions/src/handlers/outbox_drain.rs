//! The outbox drain (EventBridge schedule every minute, and `GET
//! /api/cron/outbox`): publishes every domain event still pending, so an
//! event whose writer died after its commit is late, never lost.

use serde_json::{json, Value};
use shared::platform::outbox;
use shared::{App, AppError};

pub async fn handle(app: App, _event: Value) -> Result<Value, AppError> {
    Ok(json!({ "published": outbox::drain(&app).await? }))
}
