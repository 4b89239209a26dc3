//! The one error type every service returns and every handler maps to JSON:
//! `{"error":{"code":"SEAT_CAP_REACHED","message":"…"}}`.
//!
//! Codes are SCREAMING_SNAKE and stable: runbooks and clients match on them.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    /// For a 429: when to come back (the `Retry-After` header).
    pub retry_after_secs: Option<u64>,
}

impl AppError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), retry_after_secs: None }
    }
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(400, code, message)
    }
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(401, code, message)
    }
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(403, code, message)
    }
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(404, code, message)
    }
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(409, code, message)
    }
    /// 422: well formed, but the partnership's rules do not allow it.
    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(422, code, message)
    }

    pub fn unavailable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(503, code, message)
    }
    /// An unexpected failure (AWS error, corrupt item). The detail is logged,
    /// never sent to the client.
    pub fn internal(detail: impl fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        Self::new(500, "INTERNAL_ERROR", "internal error; see logs for the request id")
    }

    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({ "error": { "code": self.code, "message": self.message } })
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.message)
    }
}

impl std::error::Error for AppError {}

/// AWS SDK errors are always unexpected at the service boundary: the cases
/// we expect (a failed condition) are matched before this conversion.
impl<E, R> From<aws_sdk_dynamodb::error::SdkError<E, R>> for AppError
where
    E: std::error::Error + 'static,
    R: fmt::Debug,
{
    fn from(err: aws_sdk_dynamodb::error::SdkError<E, R>) -> Self {
        AppError::internal(aws_sdk_dynamodb::error::DisplayErrorContext(err))
    }
}

/// A request builder missing a required field: a bug in our code.
impl From<aws_sdk_dynamodb::error::BuildError> for AppError {
    fn from(err: aws_sdk_dynamodb::error::BuildError) -> Self {
        AppError::internal(format!("DynamoDB request: {err}"))
    }
}

impl From<serde_dynamo::Error> for AppError {
    fn from(err: serde_dynamo::Error) -> Self {
        AppError::internal(format!("item (de)serialization: {err}"))
    }
}
