//! The notifications worker (SQS): each message is an outbox event as the
//! bus's rule put it on the `notifications` queue; its notifications are
//! stored once per (event, recipient) however often it is delivered.
//! The businesses' webhook deliveries are fanned out from here too.
//! Failures are reported per message, retried by SQS, then dead-lettered.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use shared::notifications::{domain::BusEvent, service};
use shared::{App, AppError};

pub async fn handle(app: App, event: SqsEvent) -> Result<SqsBatchResponse, AppError> {
    Ok(crate::sqs::each_job(event, "notification", |event: BusEvent| {
        let app = app.clone();
        async move {
            let added = service::deliver(&app, &event).await?;
            // The businesses' webhooks: one delivery per endpoint that wants it.
            let queued = shared::business_webhooks::deliveries::fan_out(&app, &event).await?;
            tracing::info!(detail_type = %event.detail_type, added, queued, "notifications delivered, webhooks queued");
            Ok(())
        }
    })
    .await)
}
