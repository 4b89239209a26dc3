//! `GET /api/health`: DynamoDB reachable, required settings present,
//! version. Names missing settings, never their values.

use serde_json::json;
use shared::http::{response, Body, Request, Response};
use shared::platform::dynamo::s;
use shared::platform::keys::{CONFIG_SK, PROGRAM_PK};
use shared::{App, AppError};

pub async fn handle(app: App, _req: Request) -> Result<Response<Body>, AppError> {
    let dynamodb = app
        .db
        .get_item()
        .table_name(app.table())
        .key("PK", s(PROGRAM_PK))
        .key("SK", s(CONFIG_SK))
        .send()
        .await;
    let dynamodb_ok = match &dynamodb {
        Ok(_) => true,
        Err(e) => {
            tracing::error!(error = %aws_error(e), "health: DynamoDB unreachable");
            false
        }
    };
    let mut queues = serde_json::Map::new();
    for (name, url) in [
        ("refundPayouts", &app.settings.refund_payout_queue_url),
        ("paddleWebhooks", &app.settings.paddle_webhook_queue_url),
    ] {
        let Some(url) = url else { continue };
        let reachable = app
            .sqs
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
            .send()
            .await;
        if let Err(e) = &reachable {
            tracing::error!(queue = name, error = %aws_error(e), "health: queue unreachable");
        }
        queues.insert(name.to_string(), json!({ "ok": reachable.is_ok() }));
    }
    let queues_ok = queues.values().all(|q| q["ok"] == true);
    let missing = app.settings.missing_recommended();
    let healthy = dynamodb_ok && queues_ok && missing.is_empty();
    let body = json!({
        "status": if healthy { "ok" } else { "degraded" },
        "version": app.settings.version,
        "stage": format!("{:?}", app.settings.stage).to_lowercase(),
        "checks": {
            "dynamodb": { "ok": dynamodb_ok },
            "queues": queues,
            "config": { "ok": missing.is_empty(), "missing": missing },
        },
    });
    response::json(if healthy { 200 } else { 503 }, &body)
}

fn aws_error<E: std::error::Error + 'static>(e: &E) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
