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
pub async fn send_json_after(sqs: &aws_sdk_sqs::Client, queue_url: &str, body: &Value, delay_secs: i32) -> Result<(), AppError> {
    sqs.send_message()
        .queue_url(queue_url)
        .message_body(body.to_string())
        .delay_seconds(delay_secs.clamp(0, 900))
        .send()
        .await
        .map_err(|e| AppError::internal(aws_sdk_sqs::error::DisplayErrorContext(e)))?;
    Ok(())
}
