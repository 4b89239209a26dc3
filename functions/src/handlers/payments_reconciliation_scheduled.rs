//! The scheduled reconciliation (EventBridge): logs the report (anomalies
//! as errors) and returns its summary.

use serde_json::{json, Value};
use shared::payments::reconcile;
use shared::{App, AppError};

pub async fn handle(app: App, _event: Value) -> Result<Value, AppError> {
    let r = reconcile::run(&app).await?;
    Ok(json!({
        "zeroDrift": r.zero_drift,
        "drift": r.drift.len(),
        "duplicateTxSignatures": r.duplicate_tx_signatures.len(),
        "missingCredits": r.missing_credits.len(),
        "stalePendingIntents": r.stale_pending_intents.len(),
        "negativeBalances": r.negative_balances.len(),
    }))
}
