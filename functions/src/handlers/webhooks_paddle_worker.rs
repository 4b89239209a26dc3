//! The Paddle webhook worker (SQS): applies queued events, reporting each
//! failed message so SQS retries it and, after repeated failure, moves it
//! to the dead-letter queue (the event is marked `error` each time).

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use serde::Deserialize;
use shared::webhooks::service;
use shared::{App, AppError};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Job {
    event_id: String,
}

pub async fn handle(app: App, event: SqsEvent) -> Result<SqsBatchResponse, AppError> {
    let mut failures = Vec::new();
    for message in event.records {
        let id = message.message_id.clone().unwrap_or_default();
        let outcome = match message.body.as_deref().and_then(|b| serde_json::from_str::<Job>(b).ok()) {
            Some(job) => service::process(&app, &job.event_id).await.map(|r| tracing::info!(event_id = %job.event_id, result = %r, "webhook applied")),
            None => Err(AppError::bad_request("INVALID_JOB", "malformed webhook job")),
        };
        if let Err(e) = outcome {
            tracing::warn!(message_id = %id, error = %e, "webhook job failed");
            shared::platform::metrics::count(shared::platform::metrics::names::WEBHOOK_EVENTS_FAILED, 1);
            failures.push(crate::sqs_failure(id));
        }
    }
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = failures;
    Ok(response)
}
