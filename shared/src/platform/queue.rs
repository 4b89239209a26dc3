//! Sending one JSON job to one of our SQS queues (refund payouts, Paddle
//! webhook events). A failed send is a 500: the caller's item is already
//! stored, and its redelivery or the sweep (`sweep-scheduled`) queues it
//! again.

use serde_json::Value;

use super::error::AppError;

pub async fn send_json(sqs: &aws_sdk_sqs::Client, queue_url: &str, body: &Value) -> Result<(), AppError> {
    send_json_after(sqs, queue_url, body, 0).await
}

/// `send_json`, delivered no earlier than `delay_secs` from now (SQS allows
/// up to 900 s): for a job that must be looked at again later.
pub async fn send_json_after(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    body: &Value,
    delay_secs: i32,
) -> Result<(), AppError> {
    sqs.send_message()
        .queue_url(queue_url)
        .message_body(body.to_string())
        .delay_seconds(delay_secs.clamp(0, 900))
        .send()
        .await
        .map_err(|e| AppError::internal(aws_sdk_sqs::error::DisplayErrorContext(e)))?;
    Ok(())
}

/// Sends many JSON jobs: `SendMessageBatch` of 10, `concurrency` batches in
/// flight. Returns how many were sent; a batch entry SQS refused is an
/// error (the caller's next run sends it again).
pub async fn send_json_many(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    bodies: &[Value],
    concurrency: usize,
) -> Result<usize, AppError> {
    use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
    use futures::stream::{self, StreamExt, TryStreamExt};
    // Owned batches, so the sends hold no borrow across their awaits.
    let mut batches: Vec<Vec<SendMessageBatchRequestEntry>> = Vec::new();
    for chunk in bodies.chunks(10) {
        let entries = chunk
            .iter()
            .enumerate()
            .map(|(i, b)| SendMessageBatchRequestEntry::builder().id(i.to_string()).message_body(b.to_string()).build())
            .collect::<Result<Vec<_>, _>>()
            .map_err(AppError::internal)?;
        batches.push(entries);
    }
    let sends = batches.into_iter().map(|entries| {
        let (sqs, url) = (sqs.clone(), queue_url.to_string());
        async move {
            let out = sqs
                .send_message_batch()
                .queue_url(url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| AppError::internal(aws_sdk_sqs::error::DisplayErrorContext(e)))?;
            if let Some(failed) = out.failed.first() {
                return Err(AppError::internal(format!(
                    "SQS refused a batch entry: {} {:?}",
                    failed.code, failed.message
                )));
            }
            Ok::<usize, AppError>(out.successful.len())
        }
    });
    stream::iter(sends).buffer_unordered(concurrency.max(1)).try_fold(0, |sent, n| async move { Ok(sent + n) }).await
}
