//! The webhook delivery worker (SQS): each job is one delivery to one
//! endpoint, attempted if it is due (Standard Webhooks headers, the address
//! checked again, no redirects); the outcome and the next attempt are
//! recorded on the delivery. A job for a delivery already done is a no-op.
//! A batch's deliveries go out at once (each waits on its receiver).

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use shared::business_webhooks::deliveries::{self, DeliveryJob};
use shared::{App, AppError};

pub async fn handle(app: App, event: SqsEvent) -> Result<SqsBatchResponse, AppError> {
    Ok(crate::sqs::each_job_at_once(event, "webhook delivery", |job: DeliveryJob| {
        let app = app.clone();
        async move { deliveries::attempt(&app, &job).await }
    })
    .await)
}
