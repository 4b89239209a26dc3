//! The cold-start floor for `make bench`: the smallest `lambda_http`
//! function, built with the same release profile as ours. Each function's
//! cold start is reported as a ratio to this one.

use lambda_http::{run, service_fn, Body, Error, Request, Response};

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(service_fn(|_req: Request| async {
        Ok::<_, Error>(
            Response::builder()
                .status(200)
                .header("content-type", "application/json")
                .body(Body::from(r#"{"ok":true}"#))?,
        )
    }))
    .await
}
