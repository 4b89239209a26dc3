//! The notifications worker (SQS): each message is an outbox event as the
//! bus's rule put it on the `notifications` queue; its notifications are
//! stored, and emailed to those who asked, once per (event, recipient,
//! channel) however often it is delivered. The businesses' webhook
//! deliveries are fanned out from here too. Failures are reported per
//! message, retried by SQS, then dead-lettered.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use shared::notifications::mailer::SesMailer;
use shared::notifications::{domain::BusEvent, service};
use shared::{App, AppError};

/// The function's entry: the SES client, built once per cold start (none
/// where email is off).
pub async fn handle(app: App, event: SqsEvent) -> Result<SqsBatchResponse, AppError> {
    static MAILER: tokio::sync::OnceCell<Option<SesMailer>> = tokio::sync::OnceCell::const_new();
    if app.settings.email.is_none() {
        return run(app, None, event).await;
    }
    let mailer = MAILER
        .get_or_init(|| async { SesMailer::from_settings(&app.settings, &shared::platform::aws::sdk_config().await) })
        .await;
    run(app, mailer.as_ref(), event).await
}

/// One batch, emailing through `mailer`.
pub async fn run(app: App, mailer: Option<&SesMailer>, event: SqsEvent) -> Result<SqsBatchResponse, AppError> {
    Ok(crate::sqs::each_job(event, "notification", |event: BusEvent| {
        let app = app.clone();
        async move {
            let delivered = service::deliver(&app, mailer, &event).await;
            // The businesses' webhooks: one delivery per endpoint that wants
            // it, whatever became of the emails.
            let queued = shared::business_webhooks::deliveries::fan_out(&app, &event).await?;
            let done = delivered?;
            tracing::info!(
                detail_type = %event.detail_type,
                inbox = done.inbox,
                emails = done.emails,
                queued,
                "notifications delivered, webhooks queued"
            );
            Ok(())
        }
    })
    .await)
}
