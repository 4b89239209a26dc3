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
    let response = crate::sqs::each_job(event, "webhook", |job: Job| {
        let app = app.clone();
        async move {
            let result = service::process(&app, &job.event_id).await?;
            tracing::info!(event_id = %job.event_id, result = %result, "webhook applied");
            Ok(())
        }
    })
    .await;
    let failed = response.batch_item_failures.len() as u64;
    if failed > 0 {
        shared::platform::metrics::count(shared::platform::metrics::names::WEBHOOK_EVENTS_FAILED, failed);
    }
    Ok(response)
}
