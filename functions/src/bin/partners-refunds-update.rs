//! Lambda entry point; see `functions::handlers::partners_refunds_update`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::run_http(functions::handlers::partners_refunds_update::handle).await
}
