//! Secrets at run time, against moto's Secrets Manager: the Paddle webhook
//! secret and the cron secret are read by id at cold start (nothing secret
//! in the function's settings), and read again after a rotation when a
//! signature first fails; a secret that cannot be read stops the start.

use std::sync::Arc;
use std::time::Duration;

use functions::handlers::{cron, webhooks_paddle};
use integration_tests::*;
use serde_json::json;
use shared::http::serve::dispatch;
use shared::platform::secrets::Secrets;
use shared::webhooks::domain::sign;

async fn put_secret(sm: &aws_sdk_secretsmanager::Client, name: &str, value: &str) {
    if sm.put_secret_value().secret_id(name).secret_string(value).send().await.is_err() {
        sm.create_secret().name(name).secret_string(value).send().await.expect("moto serves Secrets Manager");
    }
}

fn webhook(env: &TestEnv, id: &str, secret: &str) -> lambda_http::Request {
    let body = json!({ "event_id": id, "event_type": "customer.updated", "occurred_at": "2026-03-10T11:00:00Z", "notification_id": format!("ntf_{id}"), "data": {} }).to_string();
    let ts = env.now();
    unsigned(
        "POST",
        "/api/webhooks/paddle",
        &[
            ("content-type", "application/json".into()),
            ("paddle-signature", format!("ts={ts};h1={}", sign(secret, ts, body.as_bytes()))),
        ],
        Some(&body),
    )
}

#[tokio::test]
async fn secrets_are_read_by_id_at_start_and_again_after_a_rotation() {
    let sdk = shared::platform::aws::sdk_config().await;
    let sm = aws_sdk_secretsmanager::Client::new(&sdk);
    let suffix = ulid::Ulid::new().to_string().to_lowercase();
    let (paddle_id, cron_id) = (format!("test/{suffix}/paddle"), format!("test/{suffix}/cron"));
    put_secret(&sm, &paddle_id, r#"{"current":"pdl_ntfset_first","previous":""}"#).await;
    put_secret(&sm, &cron_id, "cron-from-secrets-manager").await;
    // No plaintext secret in the settings: only the ids.
    let mut env = env_with(&[
        ("PADDLE_WEBHOOK_SECRET_KEY", ""),
        ("CRON_SECRET", ""),
        ("PADDLE_WEBHOOK_SECRET_ID", &paddle_id),
        ("CRON_SECRET_ID", &cron_id),
    ])
    .await;
    assert!(env.app.settings.paddle_secrets.is_empty() && env.app.settings.cron_secret.is_none());
    let secrets = Secrets::load(&env.app.settings, &sdk).await.unwrap().with_refresh_every(Duration::from_millis(1));
    env.app.secrets = Arc::new(secrets);

    let ok =
        reply(dispatch(env.app.clone(), webhook(&env, "evt_sm_1", "pdl_ntfset_first"), webhooks_paddle::handle).await);
    assert_eq!(ok.status, 200, "{}", ok.json);
    let cron_ok = reply(
        dispatch(
            env.app.clone(),
            unsigned("GET", "/api/cron/outbox", &[("authorization", "Bearer cron-from-secrets-manager".into())], None),
            cron::handle,
        )
        .await,
    );
    assert_eq!(cron_ok.status, 200, "{}", cron_ok.json);

    // Rotated in Secrets Manager: the first delivery signed with the new
    // secret makes the function read it again, and is accepted.
    put_secret(&sm, &paddle_id, r#"{"current":"pdl_ntfset_second","previous":"pdl_ntfset_first"}"#).await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let rotated =
        reply(dispatch(env.app.clone(), webhook(&env, "evt_sm_2", "pdl_ntfset_second"), webhooks_paddle::handle).await);
    assert_eq!(rotated.status, 200, "{}", rotated.json);
    assert_eq!(env.app.secrets.paddle(), ["pdl_ntfset_second", "pdl_ntfset_first"]);
    // The old one still verifies during the rotation; a wrong one never does.
    assert_eq!(
        reply(dispatch(env.app.clone(), webhook(&env, "evt_sm_3", "pdl_ntfset_first"), webhooks_paddle::handle).await)
            .status,
        200
    );
    assert_eq!(
        reply(dispatch(env.app.clone(), webhook(&env, "evt_sm_4", "pdl_forged"), webhooks_paddle::handle).await).code(),
        "WEBHOOK_INVALID_SIGNATURE"
    );

    // A secret that cannot be read stops the function from starting.
    let mut missing = (*env.app.settings).clone();
    missing.paddle_secret_id = Some(format!("test/{suffix}/nope"));
    assert!(Secrets::load(&missing, &sdk).await.is_err());
}
