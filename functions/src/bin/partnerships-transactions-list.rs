//! Lambda entry point; see `functions::handlers::partnerships_transactions_list`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::run_http(functions::handlers::partnerships_transactions_list::handle).await
}
