//! Lambda entry point; see `functions::handlers::partners_commissions`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::run_http(functions::handlers::partners_commissions::handle).await
}
