//! Lambda entry point; see `functions::handlers::members_invite`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::run_http(functions::handlers::members_invite::handle).await
}
