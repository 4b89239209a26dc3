//! The settlement worker (SQS): one job per ended period of a partnership,
//! `{"partnershipId", "periodStart"}`, settled once however often the job is
//! delivered. Failures are reported per message (partial batch response),
//! retried by SQS and dead-lettered after repeated failure.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use serde::Deserialize;
use shared::settlements::service;
use shared::{App, AppError};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SettlementJob {
    partnership_id: String,
    period_start: String,
}

pub async fn handle(app: App, event: SqsEvent) -> Result<SqsBatchResponse, AppError> {
    let mut failures = Vec::new();
    for message in event.records {
        let id = message.message_id.clone().unwrap_or_default();
        let Some(job) = message.body.as_deref().and_then(|b| serde_json::from_str::<SettlementJob>(b).ok()) else {
            tracing::error!(message_id = %id, "malformed settlement job");
            failures.push(crate::sqs_failure(id));
            continue;
        };
        match service::calculate_due(&app, &job.partnership_id, &job.period_start).await {
            Ok(outcome) => tracing::info!(partnership_id = %job.partnership_id, period = %job.period_start, outcome, "settlement job done"),
            Err(e) => {
                tracing::warn!(partnership_id = %job.partnership_id, period = %job.period_start, error = %e, "settlement job failed; will retry");
                failures.push(crate::sqs_failure(id));
            }
        }
    }
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = failures;
    Ok(response)
}
