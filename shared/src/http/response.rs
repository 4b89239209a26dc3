//! JSON responses.

use lambda_http::{Body, Response};
use serde::Serialize;

use crate::platform::error::{AppError, ErrorKind};

pub fn json<T: Serialize>(status: u16, value: &T) -> Result<Response<Body>, AppError> {
    let body = serde_json::to_string(value).map_err(AppError::internal)?;
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::Text(body))
        .map_err(AppError::internal)
}

pub fn ok<T: Serialize>(value: &T) -> Result<Response<Body>, AppError> {
    json(200, value)
}

/// The HTTP status of each kind of error: the one place one is chosen.
pub fn status_of(kind: ErrorKind) -> u16 {
    match kind {
        ErrorKind::Invalid => 400,
        ErrorKind::Unauthenticated => 401,
        ErrorKind::Forbidden => 403,
        ErrorKind::NotFound => 404,
        ErrorKind::Conflict => 409,
        ErrorKind::Gone => 410,
        ErrorKind::TooLarge => 413,
        ErrorKind::UnsupportedMediaType => 415,
        ErrorKind::NotAllowed => 422,
        ErrorKind::Throttled => 429,
        ErrorKind::Internal => 500,
        ErrorKind::BadUpstream => 502,
        ErrorKind::Unavailable => 503,
    }
}

pub fn error(err: &AppError) -> Response<Body> {
    let mut builder = Response::builder().status(status_of(err.kind)).header("content-type", "application/json");
    if let Some(secs) = err.retry_after_secs {
        builder = builder.header("retry-after", secs.to_string());
    }
    builder.body(Body::Text(err.body().to_string())).expect("a status code from AppError and a text body always build")
}
