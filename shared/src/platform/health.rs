//! The health check behind `GET /api/health`: DynamoDB reachable, queues
//! reachable, recommended settings present. Names missing settings, never
//! their values.

use serde::Serialize;
use serde_json::json;

use super::entity::Key;
use crate::App;

#[derive(Debug, Serialize)]
pub struct Health {
    pub status: &'static str,
    pub version: String,
    pub stage: String,
    pub checks: serde_json::Value,
    #[serde(skip)]
    pub healthy: bool,
}

pub async fn check(app: &App) -> Health {
    // Any key will do: a GetItem proves the table answers.
    let probe = Key::new("HEALTH", "PROBE");
    let dynamodb = app.db.get_item().table_name(app.table()).set_key(Some(probe.attrs())).send().await;
    let dynamodb_ok = match &dynamodb {
        Ok(_) => true,
        Err(e) => {
            tracing::error!(error = %error_chain(e), "health: DynamoDB unreachable");
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
            tracing::error!(queue = name, error = %error_chain(e), "health: queue unreachable");
        }
        queues.insert(name.to_string(), json!({ "ok": reachable.is_ok() }));
    }
    let queues_ok = queues.values().all(|q| q["ok"] == true);
    let missing = app.settings.missing_recommended();
    let healthy = dynamodb_ok && queues_ok && missing.is_empty();
    Health {
        status: if healthy { "ok" } else { "degraded" },
        version: app.settings.version.to_string(),
        stage: format!("{:?}", app.settings.stage).to_lowercase(),
        checks: json!({
            "dynamodb": { "ok": dynamodb_ok },
            "queues": queues,
            "config": { "ok": missing.is_empty(), "missing": missing },
        }),
        healthy,
    }
}

fn error_chain<E: std::error::Error + 'static>(e: &E) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
