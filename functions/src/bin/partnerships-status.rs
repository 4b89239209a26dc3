//! Lambda entry point; see `functions::handlers::partnerships_status`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::run_http(functions::handlers::partnerships_status::handle).await
}
