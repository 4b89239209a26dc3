//! Lambda entry point; see `functions::handlers::cron`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::run_http(functions::handlers::cron::handle).await
}
