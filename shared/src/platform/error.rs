//! The one error type every service returns and every handler maps to JSON:
//! `{"error":{"code":"SEAT_CAP_REACHED","message":"…"}}`.
//!
//! Codes are SCREAMING_SNAKE and stable: runbooks and clients match on them.

use std::fmt;

/// What kind of refusal or failure an error is, in the service's terms.
/// Which HTTP status each kind is answered with is the http edge's choice
/// (`http::response::status_of`), made there alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request is malformed or a value is out of range.
    Invalid,
    /// No (valid) credentials.
    Unauthenticated,
    /// The caller may not do this.
    Forbidden,
    NotFound,
    /// The current state does not allow it (a race lost, a duplicate).
    Conflict,
    /// It existed once and is over (an expired invitation).
    Gone,
    TooLarge,
    UnsupportedMediaType,
    /// Well formed, but a business rule does not allow it.
    NotAllowed,
    /// Too many requests: come back after `retry_after_secs`.
    Throttled,
    /// An outside service answered something unreadable.
    BadUpstream,
    /// Not available now (configuration, an outside service down).
    Unavailable,
    /// A bug or an unexpected AWS failure.
    Internal,
}

impl ErrorKind {
    /// Whether the fault is ours or an outside service's (a client may
    /// retry the same request), not the request's.
    pub fn is_server_side(self) -> bool {
        matches!(self, ErrorKind::BadUpstream | ErrorKind::Unavailable | ErrorKind::Internal)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppError {
    pub kind: ErrorKind,
    pub code: &'static str,
    pub message: String,
    /// For `Throttled`: when to come back (the `Retry-After` header).
    pub retry_after_secs: Option<u64>,
    /// Facts a client acts on, beside the code (`headroomCents`, ...):
    /// merged into the error object.
    pub details: Option<serde_json::Map<String, serde_json::Value>>,
}

impl AppError {
    pub fn new(kind: ErrorKind, code: &'static str, message: impl Into<String>) -> Self {
        Self { kind, code, message: message.into(), retry_after_secs: None, details: None }
    }
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, code, message)
    }
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unauthenticated, code, message)
    }
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, code, message)
    }
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, code, message)
    }
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, code, message)
    }
    /// Well formed, but the rules (a partnership's, the program's) do not allow it.
    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotAllowed, code, message)
    }

    pub fn unavailable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unavailable, code, message)
    }
    /// An unexpected failure (AWS error, corrupt item). The detail is logged,
    /// never sent to the client.
    pub fn internal(detail: impl fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        Self::new(ErrorKind::Internal, "INTERNAL_ERROR", "internal error; see logs for the request id")
    }

    /// With `details` beside the code and message.
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = details.as_object().cloned();
        self
    }

    pub fn body(&self) -> serde_json::Value {
        let mut error = serde_json::json!({ "code": self.code, "message": self.message });
        if let (Some(details), Some(out)) = (&self.details, error.as_object_mut()) {
            for (k, v) in details {
                out.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        serde_json::json!({ "error": error })
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} {}: {}", self.kind, self.code, self.message)
    }
}

impl std::error::Error for AppError {}

/// AWS SDK errors are unexpected at the service boundary (the cases we
/// expect, a failed condition, are matched before this conversion), with
/// one exception: the database not answering (a connection dropped, a
/// timeout, an unreadable response) after the SDK's own retries is a 503
/// `DATABASE_UNAVAILABLE` the client may send again, not a bug. A write
/// whose answer was lost may have happened: every write route is keyed
/// (idempotency key, condition), so sending it again is safe.
impl<E, R> From<aws_sdk_dynamodb::error::SdkError<E, R>> for AppError
where
    E: std::error::Error + 'static,
    R: fmt::Debug,
{
    fn from(err: aws_sdk_dynamodb::error::SdkError<E, R>) -> Self {
        use aws_sdk_dynamodb::error::SdkError;
        let transient =
            matches!(err, SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_));
        let detail = aws_sdk_dynamodb::error::DisplayErrorContext(err);
        if transient {
            tracing::warn!(error = %detail, "the database did not answer");
            return AppError::unavailable(
                "DATABASE_UNAVAILABLE",
                "the database did not answer in time; send the same request again shortly",
            );
        }
        AppError::internal(detail)
    }
}

impl AppError {
    /// Whether trying again may succeed (the database did not answer, or
    /// kept refusing under contention).
    pub fn is_unavailable(&self) -> bool {
        self.kind == ErrorKind::Unavailable
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
