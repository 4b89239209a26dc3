//! Lambda entry point; see `functions::handlers::partnerships_accept`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::run_http(functions::handlers::partnerships_accept::handle).await
}
