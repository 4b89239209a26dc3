//! The wrapper every API function runs its handler in: errors become JSON,
//! and each request logs one structured line (route, status, latency,
//! DynamoDB requests, time and capacity, request id). Bodies and headers
//! are never logged: they carry secrets.

use std::future::Future;
use std::time::Instant;

use lambda_http::{service_fn, Body, Request, Response};

use super::request::request_id;
use super::response;
use crate::platform::ddb_metrics;
use crate::platform::error::AppError;
use crate::App;

/// Runs `handler` for one request and always returns a response.
pub async fn dispatch<F, Fut>(app: App, req: Request, handler: F) -> Response<Body>
where
    F: Fn(App, Request) -> Fut,
    Fut: Future<Output = Result<Response<Body>, AppError>>,
{
    let started = Instant::now();
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let request_id = request_id(&req).unwrap_or_default();
    // Boxed: the handler's future is large, and keeping it inline made
    // every caller's future (and a debug test's stack) larger still.
    let (result, ddb) = crate::platform::metrics::invocation(ddb_metrics::measure(Box::pin(handler(app, req)))).await;
    let resp = match result {
        Ok(resp) => resp,
        Err(err) => response::error(&err),
    };
    let status = resp.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let (ddb_requests, ddb_ms, ddb_rcu, ddb_wcu) = (ddb.requests, ddb.millis(), ddb.read_units, ddb.write_units);
    if status >= 500 {
        tracing::error!(%method, route = %path, status, latency_ms, ddb_requests, ddb_ms, ddb_rcu, ddb_wcu, request_id, "request");
    } else {
        tracing::info!(%method, route = %path, status, latency_ms, ddb_requests, ddb_ms, ddb_rcu, ddb_wcu, request_id, "request");
    }
    resp
}

/// The whole `main` of an API function after its clients are built.
pub async fn run<F, Fut>(app: App, handler: F) -> Result<(), lambda_http::Error>
where
    F: Fn(App, Request) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<Response<Body>, AppError>> + Send + 'static,
{
    lambda_http::run(service_fn(move |req: Request| {
        // Boxed for the same reason as `functions::run_event`: keep the
        // runtime's future type shallow.
        let served: std::pin::Pin<Box<dyn Future<Output = Response<Body>> + Send>> =
            Box::pin(dispatch(app.clone(), req, handler.clone()));
        async move { Ok::<_, std::convert::Infallible>(served.await) }
    }))
    .await
}
