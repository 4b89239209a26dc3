//! The sweep (EventBridge schedule every 15 minutes, and `GET
//! /api/cron/sweep`): every "write, then send" has its unsent sends found
//! and sent again. Refunds PENDING without a payout job, and Paddle events
//! still `received` without a queued job, both past a grace period.

use serde_json::{json, Value};
use shared::refunds::service as refunds;
use shared::webhooks::service as webhooks;
use shared::{App, AppError};

pub async fn handle(app: App, _event: Value) -> Result<Value, AppError> {
    let payouts = refunds::sweep_unqueued_payouts(&app).await?;
    let events = webhooks::sweep_unqueued(&app).await?;
    Ok(json!({ "requeuedPayouts": payouts, "requeuedWebhookEvents": events }))
}
