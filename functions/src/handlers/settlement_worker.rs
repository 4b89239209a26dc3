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
    Ok(crate::sqs::each_job(event, "settlement", |job: SettlementJob| {
        let app = app.clone();
        async move {
            let partnership_id = shared::platform::ids::PartnershipId::parse(&job.partnership_id)?;
            let outcome = service::calculate_due(&app, &partnership_id, &job.period_start).await?;
            tracing::info!(partnership_id = %job.partnership_id, period = %job.period_start, outcome, "settlement job done");
            Ok(())
        }
    })
    .await)
}
