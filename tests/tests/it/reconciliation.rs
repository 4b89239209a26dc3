//! Reconciliation off the request path: a paged, resumable run whose
//! report is stored and served; no false drift while wallets are written.

use std::time::Duration;

use functions::handlers::payments_reconciliation;
use futures::future::join_all;
use integration_tests::*;
use shared::http::serve::dispatch;
use shared::payments::ledger;
use shared::payments::reconcile::{self, Progress};

async fn seed_wallets(env: &TestEnv, count: u32) {
    for i in 0..count {
        ledger::adjust(&env.app, "admin", &wallet(i), 10, "seed", false).await.unwrap();
    }
}

#[tokio::test]
async fn a_run_advances_page_by_page_and_resumes_where_it_stopped() {
    let env = env().await;
    seed_wallets(&env, 60).await;
    // A zero budget: one page per call, as an invocation cut short would.
    let mut calls = 0;
    let report = loop {
        calls += 1;
        match reconcile::advance(&env.app, Duration::ZERO).await.unwrap() {
            Progress::Completed { report } => break report,
            Progress::InProgress { pages, .. } => assert_eq!(pages, calls, "each call saved one more page"),
        }
        assert!(calls < 50, "the run does not end");
    };
    // 3 intent phases (one page each) + 60 wallets in pages of 25.
    assert_eq!(calls, 3 + 3);
    assert_eq!(report.wallets_checked, 60);
    assert!(report.zero_drift && report.unsettled_wallets.is_empty());
    // Stored: the route serves it without recomputing.
    let stored = reconcile::latest(&env.app).await.unwrap().unwrap();
    assert_eq!(stored.run_id, report.run_id);
}

#[tokio::test]
async fn the_route_serves_the_stored_report_and_recomputes_only_when_asked() {
    let env = env().await;
    seed_wallets(&env, 3).await;
    let get = |path: &'static str| {
        let req = env.admin("GET", path, None);
        env.clock.advance(time::Duration::seconds(1));
        let app = env.app.clone();
        async move { reply(dispatch(app, req, payments_reconciliation::handle).await) }
    };
    // No report yet: the route runs one.
    let first = get("/api/payments/reconciliation").await;
    assert_eq!((first.status, first.json["walletsChecked"].as_u64()), (200, Some(3)), "{}", first.json);
    seed_wallets(&env, 5).await;
    let cached = get("/api/payments/reconciliation").await;
    assert_eq!(
        (cached.json["runId"].clone(), cached.json["walletsChecked"].as_u64()),
        (first.json["runId"].clone(), Some(3))
    );
    let fresh = get("/api/payments/reconciliation?fresh=true").await;
    assert_eq!(fresh.json["walletsChecked"].as_u64(), Some(5));
    assert_ne!(fresh.json["runId"], first.json["runId"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_ledger_writes_never_show_as_drift() {
    let env = env().await;
    seed_wallets(&env, 4).await;
    let writers = join_all((0..4u32).map(|w| {
        let app = env.app.clone();
        tokio::spawn(async move {
            for k in 0..40 {
                ledger::adjust(&app, "admin", &wallet(w), 1 + k % 3, "busy", false).await.unwrap();
            }
        })
    }));
    let app = env.app.clone();
    let readers = tokio::spawn(async move {
        let mut reports = Vec::new();
        for _ in 0..6 {
            reports.push(reconcile::run(&app).await.unwrap());
        }
        reports
    });
    let (_, reports) = tokio::join!(writers, readers);
    for r in reports.unwrap() {
        assert!(r.drift.is_empty(), "false drift under concurrent writes: {:?}", r.drift);
        assert_eq!(r.wallets_checked + r.unsettled_wallets.len(), 4);
    }
    // Quiet again: everything settles, still no drift.
    let settled = reconcile::run(&env.app).await.unwrap();
    assert!(settled.zero_drift && settled.unsettled_wallets.is_empty());
}
