//! The Lambda functions. The route table (`handlers/mod.rs`) lists them;
//! each `src/bin/<function>.rs` is one generated line, `lambda_main!`, and
//! the handlers live here so tests can drive them with the sample events
//! in `events/`.

pub mod handlers;
pub mod sqs;

/// The `main` of one function's binary: `lambda_main!(http, module)` or
/// `lambda_main!(event, module)`. Written by `make routes` from the route
/// table; each binary holds its own handler only.
#[macro_export]
macro_rules! lambda_main {
    (http, $module:ident) => {
        #[tokio::main]
        async fn main() -> Result<(), lambda_http::Error> {
            functions::run_http(functions::handlers::$module::handle).await
        }
    };
    (event, $module:ident) => {
        #[tokio::main]
        async fn main() -> Result<(), lambda_runtime::Error> {
            functions::run_event(functions::handlers::$module::handle).await
        }
    };
}

use std::future::Future;

use shared::http::{serve, Body, Request, Response};
use shared::{App, AppError};

/// The `main` of every HTTP function: logging, settings and clients once
/// per cold start, then the handler for each request. A configuration
/// error stops the function before it serves anything.
pub async fn run_http<F, Fut>(handler: F) -> Result<(), lambda_http::Error>
where
    F: Fn(App, Request) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<Response<Body>, AppError>> + Send + 'static,
{
    shared::platform::logging::init();
    let app = App::from_env().await.inspect_err(|e| tracing::error!(error = %e, "refusing to start"))?;
    serve::run(app, handler).await
}

/// The `main` of every event function (EventBridge schedules, SQS):
/// the same start-up, then `handler` for each event.
pub async fn run_event<E, R, F, Fut>(handler: F) -> Result<(), lambda_runtime::Error>
where
    E: serde::de::DeserializeOwned + Send + 'static,
    R: serde::Serialize + Send + 'static,
    F: Fn(App, E) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<R, AppError>> + Send + 'static,
{
    shared::platform::logging::init();
    let app = App::from_env().await.inspect_err(|e| tracing::error!(error = %e, "refusing to start"))?;
    lambda_runtime::run(lambda_runtime::service_fn(move |event: lambda_runtime::LambdaEvent<E>| {
        // Boxed so the runtime's future type does not nest every handler's
        // (deep SDK futures otherwise overflow the compiler's query depth).
        let handled: std::pin::Pin<Box<dyn Future<Output = Result<R, AppError>> + Send>> =
            Box::pin(handler(app.clone(), event.payload));
        let request_id = event.context.request_id;
        async move { event_invocation(handled, &request_id).await.map_err(lambda_runtime::Error::from) }
    }))
    .await
}

/// One event invocation as the runtime runs it: a fresh metric set whose
/// EMF line is printed when it ends, DynamoDB usage measured, one log line.
pub async fn event_invocation<R>(
    handled: std::pin::Pin<Box<dyn Future<Output = Result<R, AppError>> + Send>>,
    request_id: &str,
) -> Result<R, AppError> {
    let started = std::time::Instant::now();
    let (result, ddb) = shared::platform::metrics::invocation(shared::platform::ddb_metrics::measure(handled)).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let (ddb_requests, ddb_ms, ddb_rcu, ddb_wcu) = (ddb.requests, ddb.millis(), ddb.read_units, ddb.write_units);
    let ok = result.is_ok();
    tracing::info!(ok, latency_ms, ddb_requests, ddb_ms, ddb_rcu, ddb_wcu, request_id, "invocation");
    result
}
