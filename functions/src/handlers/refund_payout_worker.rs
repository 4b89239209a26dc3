//! The refund payout worker (SQS): one job per refund, paid through the
//! configured provider. Failed messages are reported individually
//! (partial batch response), retried by SQS and, after repeated failure,
//! moved to the dead-letter queue.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use serde::Deserialize;
use shared::refunds::payout::{ConfiguredPayouts, PayoutProvider};
use shared::refunds::service;
use shared::{App, AppError};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PayoutJob {
    refund_id: String,
}

/// The function's entry: the configured payout provider, built once per
/// cold start from the settings the runtime loaded.
pub async fn handle(app: App, event: SqsEvent) -> Result<SqsBatchResponse, AppError> {
    static PROVIDER: std::sync::OnceLock<ConfiguredPayouts> = std::sync::OnceLock::new();
    let provider = PROVIDER.get_or_init(|| ConfiguredPayouts::from_settings(&app.settings));
    run(app, provider, event).await
}

/// One batch, paid through `provider`.
pub async fn run(app: App, provider: &impl PayoutProvider, event: SqsEvent) -> Result<SqsBatchResponse, AppError> {
    Ok(crate::sqs::each_job(event, "payout", |job: PayoutJob| {
        let app = app.clone();
        async move {
            let result = service::process_payout(&app, provider, &job.refund_id).await?;
            tracing::info!(refund_id = %job.refund_id, ?result, "payout job done");
            Ok(())
        }
    })
    .await)
}
