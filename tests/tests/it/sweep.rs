//! The sweep that pairs every "write, then send": refunds PENDING without a
//! payout job and Paddle events recorded but never queued get their job,
//! once, after a grace period; a provider's "pending" is asked again later
//! instead of dead-lettering.

use functions::handlers::{cron, sweep_scheduled, webhooks_paddle_worker};
use integration_tests::*;
use serde_json::json;
use shared::http::serve::dispatch;
use shared::platform::dynamo::{self, Tx};
use shared::refunds::domain::{Refund, RefundStatus};
use shared::refunds::payout::{PayoutOutcome, PayoutProvider, TransientPayoutError};
use shared::refunds::{service as refunds, store as refund_store};
use shared::webhooks::domain::sign;
use shared::webhooks::service::{self as webhooks, Delivery};

fn refund(id: &str, env: &TestEnv) -> Refund {
    Refund::pending(id.into(), "seat-1".into(), wallet(1), 100_000, "2026-02".into(), env.now_instant())
}

async fn queue_depth(env: &TestEnv, url: &str) -> usize {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let out = env.app.sqs.get_queue_attributes().queue_url(url).attribute_names(A::All).send().await.unwrap();
    let attrs = out.attributes.unwrap();
    [A::ApproximateNumberOfMessages, A::ApproximateNumberOfMessagesDelayed, A::ApproximateNumberOfMessagesNotVisible]
        .iter()
        .map(|a| attrs.get(a).and_then(|v| v.parse::<usize>().ok()).unwrap_or(0))
        .sum()
}

#[tokio::test]
async fn a_refund_whose_payout_send_was_lost_gets_one_job_after_the_grace() {
    let env = env().await;
    // The refund's transaction committed; its send never happened.
    let lost = refund("RF-lost", &env);
    let tx = Tx::new().with("refund", refund_store::insert_item(&env.app, &lost).unwrap());
    dynamo::transact(&env.app.db, tx).await.unwrap().unwrap();
    let queue = env.app.settings.refund_payout_queue_url.clone().unwrap();

    env.clock.advance(time::Duration::minutes(1));
    assert!(
        refunds::sweep_unqueued_payouts(&env.app).await.unwrap().is_empty(),
        "within the grace its own send may still come"
    );
    env.clock.advance(time::Duration::minutes(2));
    let swept = sweep_scheduled::handle(env.app.clone(), json!({})).await.unwrap();
    assert_eq!(swept["requeuedPayouts"], json!(["RF-lost"]));
    assert!(refund_store::get(&env.app, "RF-lost").await.unwrap().unwrap().payout_queued_at.is_some());
    // Idempotent: the next sweep (and the cron route) finds nothing to send.
    let again = dispatch(
        env.app.clone(),
        unsigned("GET", "/api/cron/sweep", &[("authorization", format!("Bearer {CRON_SECRET}"))], None),
        cron::handle,
    )
    .await;
    let again = reply(again);
    assert_eq!((again.status, again.json["result"]["requeuedPayouts"].clone()), (200, json!([])));
    assert_eq!(queue_depth(&env, &queue).await, 1);
}

#[tokio::test]
async fn a_webhook_event_recorded_but_never_queued_is_applied_after_the_sweep() {
    let env = env().await;
    let body = r#"{"event_id":"evt_lost","event_type":"subscription.created","occurred_at":"2026-03-10T11:59:00Z","data":{"id":"sub_1","status":"active","customer_id":"ctm_1"}}"#;
    let deliver = |app: shared::App| {
        let ts = env.now();
        let header = format!("ts={ts};h1={}", sign(PADDLE_SECRET, ts, body.as_bytes()));
        async move {
            webhooks::ingest(&app, Delivery { raw: body.as_bytes(), signature: Some(&header), request_id: None }).await
        }
    };
    // The first delivery is recorded, then its send fails.
    let mut settings = (*env.app.settings).clone();
    settings.paddle_webhook_queue_url = Some(format!("{}-gone", settings.paddle_webhook_queue_url.clone().unwrap()));
    let mut broken = env.app.clone();
    broken.settings = std::sync::Arc::new(settings);
    assert!(deliver(broken).await.is_err());
    // Paddle's redelivery within the minute is a duplicate and queues nothing.
    env.clock.advance(time::Duration::seconds(30));
    assert_eq!(deliver(env.app.clone()).await.unwrap(), webhooks::Ingested::Duplicate);
    let queue = env.app.settings.paddle_webhook_queue_url.clone().unwrap();
    assert_eq!(queue_depth(&env, &queue).await, 0);

    env.clock.advance(time::Duration::minutes(3));
    assert_eq!(webhooks::sweep_unqueued(&env.app).await.unwrap(), ["evt_lost"]);
    assert!(webhooks::sweep_unqueued(&env.app).await.unwrap().is_empty());
    // The worker applies it, once.
    let out = env.app.sqs.receive_message().queue_url(&queue).max_number_of_messages(10).send().await.unwrap();
    let messages = out.messages.unwrap_or_default();
    assert_eq!(messages.len(), 1);
    let mut event = aws_lambda_events::sqs::SqsEvent::default();
    event.records = messages
        .into_iter()
        .map(|m| {
            let mut r = aws_lambda_events::sqs::SqsMessage::default();
            r.message_id = m.message_id;
            r.body = m.body;
            r
        })
        .collect();
    let batch = webhooks_paddle_worker::handle(env.app.clone(), event).await.unwrap();
    assert!(batch.batch_item_failures.is_empty());
    let stored = shared::webhooks::store::get_event(&env.app, "evt_lost").await.unwrap().unwrap();
    assert_eq!(stored.status, "processed");
    assert_eq!(shared::memberships::service::get(&env.app, "ctm_1").await.unwrap().unwrap().status, "active");
}

struct SlowProvider;

impl PayoutProvider for SlowProvider {
    async fn pay(&self, _refund: &Refund) -> Result<PayoutOutcome, TransientPayoutError> {
        Ok(PayoutOutcome::Pending)
    }
}

#[tokio::test]
async fn a_pending_payout_is_asked_again_later_not_dead_lettered() {
    let env = env().await;
    let slow = refund("RF-slow", &env);
    let tx = Tx::new().with("refund", refund_store::insert_item(&env.app, &slow).unwrap());
    dynamo::transact(&env.app.db, tx).await.unwrap().unwrap();
    let result = refunds::process_payout(&env.app, &SlowProvider, "RF-slow").await.unwrap();
    assert_eq!(result, refunds::JobResult::CheckLater, "the message is done with; a new one asks later");
    let queue = env.app.settings.refund_payout_queue_url.clone().unwrap();
    assert_eq!(queue_depth(&env, &queue).await, 1, "a fresh, delayed job");
    let stored = refund_store::get(&env.app, "RF-slow").await.unwrap().unwrap();
    assert_eq!((stored.status, stored.payout_queued_at.is_some()), (RefundStatus::Pending, true));
}
