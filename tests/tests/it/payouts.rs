//! The refund payout worker: the HTTP provider against a local payout
//! service, a job processed twice paying once, retries and the DLQ on moto.

use aws_lambda_events::sqs::{SqsEvent, SqsMessage};
use functions::handlers::refund_payout_worker;
use integration_tests::*;
use shared::cycle::{domain::MonthKey, service as cycle};
use shared::refunds::payout::{HttpPayouts, ManualPayouts};
use shared::refunds::{domain::RefundStatus, service as refunds, store as refund_store};
use shared::seats::{domain::Wallet, service as seats};

async fn one_refund(env: &TestEnv) -> String {
    seats::allocate(&env.app, "admin", &Wallet::parse(&wallet(1)).unwrap(), None).await.unwrap();
    let exec =
        cycle::execute(&env.app, MonthKey::parse("2026-03").unwrap(), "admin", "payout test", None).await.unwrap();
    exec.eliminated[0].refund_id.clone()
}

fn event(pairs: &[(&str, String)]) -> SqsEvent {
    let mut ev = SqsEvent::default();
    ev.records = pairs
        .iter()
        .map(|(id, body)| {
            let mut m = SqsMessage::default();
            m.message_id = Some(id.to_string());
            m.body = Some(body.clone());
            m
        })
        .collect();
    ev
}

#[tokio::test]
async fn the_http_provider_pays_a_job_processed_twice_once() {
    let env = env().await;
    let refund_id = one_refund(&env).await;
    let (url, server) = payout_server::start(0).await;
    let provider = HttpPayouts::new(&url);
    let job = serde_json::json!({ "refundId": refund_id }).to_string();
    for _ in 0..2 {
        let resp = refund_payout_worker::run(env.app.clone(), &provider, event(&[("m1", job.clone())])).await.unwrap();
        assert!(resp.batch_item_failures.is_empty());
    }
    let refund = refund_store::get(&env.app, &refund_id).await.unwrap().unwrap();
    assert_eq!(refund.status, RefundStatus::Completed);
    {
        let state = server.lock().unwrap();
        assert_eq!(state.payouts.len(), 1);
        assert_eq!(refund.tx_hash.as_deref(), state.payouts.get(&format!("{refund_id}-0")).map(String::as_str));
        assert_eq!(state.calls, 1, "the second job saw a completed refund and did not call the provider");
    }
    let stats = shared::program::store::load(&env.app).await.unwrap().stats;
    assert_eq!(stats.pending_refunds, 0);
}

#[tokio::test]
async fn the_manual_provider_leaves_the_refund_for_an_operator_and_bad_jobs_fail() {
    let env = env().await;
    let refund_id = one_refund(&env).await;
    let job = serde_json::json!({ "refundId": refund_id }).to_string();
    let resp =
        refund_payout_worker::run(env.app.clone(), &ManualPayouts, event(&[("ok", job), ("bad", "not json".into())]))
            .await
            .unwrap();
    let failed: Vec<_> = resp.batch_item_failures.iter().map(|f| f.item_identifier.clone()).collect();
    assert_eq!(failed, ["bad"]);
    assert_eq!(refund_store::get(&env.app, &refund_id).await.unwrap().unwrap().status, RefundStatus::Pending);
}

/// Plays the SQS event source mapping against moto: receive, invoke,
/// delete what succeeded; failures become visible again at once.
async fn pump(env: &TestEnv, queue: &str, provider: &HttpPayouts) -> usize {
    let out = env
        .app
        .sqs
        .receive_message()
        .queue_url(queue)
        .max_number_of_messages(10)
        .visibility_timeout(0)
        .send()
        .await
        .unwrap();
    let msgs = out.messages.unwrap_or_default();
    let pairs: Vec<(String, String)> =
        msgs.iter().map(|m| (m.message_id.clone().unwrap(), m.body.clone().unwrap())).collect();
    let refs: Vec<(&str, String)> = pairs.iter().map(|(i, b)| (i.as_str(), b.clone())).collect();
    let resp = refund_payout_worker::run(env.app.clone(), provider, event(&refs)).await.unwrap();
    for m in &msgs {
        if !resp.batch_item_failures.iter().any(|f| Some(&f.item_identifier) == m.message_id.as_ref()) {
            env.app
                .sqs
                .delete_message()
                .queue_url(queue)
                .receipt_handle(m.receipt_handle.clone().unwrap())
                .send()
                .await
                .unwrap();
        }
    }
    msgs.len()
}

#[tokio::test]
async fn failing_payouts_are_retried_then_dead_lettered() {
    let env = env().await;
    let sdk = shared::platform::aws::sdk_config().await;
    let queues = create_test_queue(&sdk, &format!("{}-payouts", env.app.table())).await;
    let refund_id = one_refund(&env).await;
    // A provider that is down for good.
    let (url, server) = payout_server::start(u32::MAX).await;
    let provider = HttpPayouts::new(&url);
    env.app
        .sqs
        .send_message()
        .queue_url(&queues.main)
        .message_body(serde_json::json!({ "refundId": refund_id }).to_string())
        .send()
        .await
        .unwrap();

    let mut receives = 0;
    for _ in 0..10 {
        receives += pump(&env, &queues.main, &provider).await;
    }
    assert_eq!(receives, 3, "maxReceiveCount is 3");
    let dlq =
        env.app.sqs.receive_message().queue_url(&queues.dead_letter).send().await.unwrap().messages.unwrap_or_default();
    assert_eq!(dlq.len(), 1);
    assert!(dlq[0].body.as_deref().unwrap().contains(&refund_id));
    let refund = refund_store::get(&env.app, &refund_id).await.unwrap().unwrap();
    assert_eq!((refund.status, refund.attempts), (RefundStatus::Pending, 3));
    assert_eq!(server.lock().unwrap().calls, 3);

    // The provider recovers; an operator's retry path (a new job) pays.
    server.lock().unwrap().failures_left = 0;
    refunds::enqueue_payout(&env.app, &refund_id).await.unwrap();
    let url_main = env.app.settings.refund_payout_queue_url.clone().unwrap();
    // Drain the cycle's own queue: the first job (from execute) and this one.
    let mut total = 0;
    for _ in 0..5 {
        total += pump(&env, &url_main, &provider).await;
    }
    assert!(total >= 2);
    let refund = refund_store::get(&env.app, &refund_id).await.unwrap().unwrap();
    assert_eq!(refund.status, RefundStatus::Completed);
    assert_eq!(server.lock().unwrap().payouts.len(), 1);
}

#[tokio::test]
async fn a_retry_after_a_rejection_is_a_new_payout_request_and_pays_once() {
    let env = env().await;
    let refund_id = one_refund(&env).await;
    // A provider that honours idempotency and rejects the first payout for good.
    let (url, server) = payout_server::start(0).await;
    server.lock().unwrap().rejections_left = 1;
    let provider = HttpPayouts::new(&url);
    let queue = env.app.settings.refund_payout_queue_url.clone().unwrap();
    pump(&env, &queue, &provider).await;
    let rejected = refund_store::get(&env.app, &refund_id).await.unwrap().unwrap();
    assert_eq!(
        (rejected.status, rejected.failure_reason.as_deref()),
        (RefundStatus::Failed, Some("destination wallet closed"))
    );

    // The operator retries: a new round, so a new key the provider has not answered.
    refunds::act(&env.app, "admin", &refund_id, shared::refunds::domain::RefundAction::Retry, None).await.unwrap();
    for _ in 0..3 {
        pump(&env, &queue, &provider).await;
    }
    let paid = refund_store::get(&env.app, &refund_id).await.unwrap().unwrap();
    assert_eq!((paid.status, paid.payout_round), (RefundStatus::Completed, 1));
    let s = server.lock().unwrap();
    assert_eq!(s.keys, [format!("{refund_id}-0"), format!("{refund_id}-1")]);
    assert_eq!(s.payouts.len(), 1, "one payout for the refund");
}
