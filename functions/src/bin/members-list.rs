//! Lambda entry point; see `functions::handlers::members_list`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::run_http(functions::handlers::members_list::handle).await
}
