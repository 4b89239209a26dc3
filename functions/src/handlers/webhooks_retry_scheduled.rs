//! The webhook retry schedule (EventBridge, every minute): queues every
//! pending delivery whose next attempt is due for the delivery worker.

use serde_json::{json, Value};
use shared::business_webhooks::deliveries;
use shared::{App, AppError};

pub async fn handle(app: App, _event: Value) -> Result<Value, AppError> {
    let queued = deliveries::retry_due(&app).await?;
    tracing::info!(queued, "webhook retries queued");
    Ok(json!({ "queued": queued }))
}
