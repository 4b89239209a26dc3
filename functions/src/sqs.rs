//! The batch loop every SQS worker shares (written once).

use std::future::Future;

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use serde::de::DeserializeOwned;
use shared::AppError;

/// Runs `job` on each message's JSON body, one message at a time. A
/// message whose body is not a `J` (it can never succeed) or whose job
/// fails is reported alone (partial batch response), so SQS retries just
/// it and dead-letters it after its receive limit; the rest of the batch
/// is done.
pub async fn each_job<J, F, Fut>(event: SqsEvent, what: &str, mut job: F) -> SqsBatchResponse
where
    J: DeserializeOwned,
    F: FnMut(J) -> Fut,
    Fut: Future<Output = Result<(), AppError>>,
{
    let mut failures = Vec::new();
    for message in event.records {
        let id = message.message_id.unwrap_or_default();
        let outcome = match message.body.as_deref().map(serde_json::from_str::<J>) {
            Some(Ok(parsed)) => job(parsed).await,
            _ => Err(AppError::bad_request("INVALID_JOB", format!("malformed {what} job"))),
        };
        if let Err(e) = outcome {
            tracing::warn!(message_id = %id, job = what, error = %e, "job failed; SQS retries it, then dead-letters it");
            failures.push(failure(id));
        }
    }
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = failures;
    response
}

/// Like `each_job`, but the batch's jobs run at once: for jobs that wait
/// on the network and never touch each other's items (one webhook
/// delivery each), so a batch takes as long as its slowest job. Messages
/// with the same body (a job queued twice) run once, and share its outcome:
/// two copies run at once would both be sent.
pub async fn each_job_at_once<J, F, Fut>(event: SqsEvent, what: &str, job: F) -> SqsBatchResponse
where
    J: DeserializeOwned,
    F: Fn(J) -> Fut,
    Fut: Future<Output = Result<(), AppError>>,
{
    let mut copies: Vec<(String, Vec<String>)> = Vec::new();
    for message in event.records {
        let (id, body) = (message.message_id.unwrap_or_default(), message.body.unwrap_or_default());
        match copies.iter_mut().find(|(b, _)| *b == body) {
            Some((_, ids)) => ids.push(id),
            None => copies.push((body, vec![id])),
        }
    }
    let runs = copies.into_iter().map(|(body, ids)| {
        let job = &job;
        async move {
            let outcome = match serde_json::from_str::<J>(&body) {
                Ok(parsed) => job(parsed).await,
                Err(_) => Err(AppError::bad_request("INVALID_JOB", format!("malformed {what} job"))),
            };
            match outcome {
                Ok(()) => Vec::new(),
                Err(e) => {
                    tracing::warn!(message_ids = ?ids, job = what, error = %e, "job failed; SQS retries it, then dead-letters it");
                    ids.into_iter().map(failure).collect()
                }
            }
        }
    });
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = futures::future::join_all(runs).await.into_iter().flatten().collect();
    response
}

fn failure(message_id: String) -> BatchItemFailure {
    let mut f = BatchItemFailure::default();
    f.item_identifier = message_id;
    f
}
