//! JSON responses.

use lambda_http::{Body, Response};
use serde::Serialize;

use crate::platform::error::AppError;

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

pub fn error(err: &AppError) -> Response<Body> {
    let mut builder = Response::builder().status(err.status).header("content-type", "application/json");
    if let Some(secs) = err.retry_after_secs {
        builder = builder.header("retry-after", secs.to_string());
    }
    builder.body(Body::Text(err.body().to_string())).expect("a status code from AppError and a text body always build")
}
