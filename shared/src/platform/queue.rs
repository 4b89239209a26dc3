//! Sending one JSON job to one of our SQS queues (refund payouts, Paddle
//! webhook events). A failed send is a 500: the caller's item is already
//! stored, and its redelivery or a sweep queues it again.

use serde_json::Value;

use super::error::AppError;

pub async fn send_json(sqs: &aws_sdk_sqs::Client, queue_url: &str, body: &Value) -> Result<(), AppError> {
    sqs.send_message()
        .queue_url(queue_url)
        .message_body(body.to_string())
        .send()
        .await
        .map_err(|e| AppError::internal(aws_sdk_sqs::error::DisplayErrorContext(e)))?;
    Ok(())
}
