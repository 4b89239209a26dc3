//! `GET /api/health`: DynamoDB and the queues reachable, required settings
//! present, version. 503 while degraded.

use shared::http::{response, Body, Request, Response};
use shared::platform::health;
use shared::{App, AppError};

pub async fn handle(app: App, _req: Request) -> Result<Response<Body>, AppError> {
    let health = health::check(&app).await;
    response::json(if health.healthy { 200 } else { 503 }, &health)
}
