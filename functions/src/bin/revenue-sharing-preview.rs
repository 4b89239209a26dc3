//! Lambda entry point; see `functions::handlers::revenue_sharing_preview`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::run_http(functions::handlers::revenue_sharing_preview::handle).await
}
