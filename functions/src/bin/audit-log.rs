//! Lambda entry point; see `functions::handlers::audit_log`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::run_http(functions::handlers::audit_log::handle).await
}
