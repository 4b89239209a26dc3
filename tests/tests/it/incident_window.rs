//! The operations runbook's triage question, "do `audit_log` /
//! `webhook_events` show activity for the incident window?": `from`
//! (inclusive) and `to` (exclusive) on the audit and webhook-event
//! listings, served by a sort-key range, at exact boundaries, across pages.

use std::future::Future;

use functions::handlers::{audit_log, webhooks_events};
use integration_tests::*;
use lambda_http::{Body, Response};
use serde_json::Value;
use shared::http::serve::dispatch;
use shared::platform::audit::{self, AuditFilter};
use shared::platform::clock::{rfc3339, Window};
use shared::webhooks::domain::sign;
use shared::webhooks::service::{self as webhooks, Delivery};
use shared::{App, AppError};

fn minute(k: i64) -> time::OffsetDateTime {
    T0 + time::Duration::minutes(k)
}

/// Reads every page of an admin listing, two rows a page.
async fn all_pages<H, Fut>(env: &TestEnv, base: &str, rows_key: &str, handler: H) -> Vec<Value>
where
    H: Fn(App, lambda_http::Request) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<Response<Body>, AppError>> + Send + 'static,
{
    let (mut rows, mut cursor, mut pages) = (Vec::new(), None::<String>, 0);
    loop {
        let path = match &cursor {
            Some(c) => format!("{base}&limit=2&cursor={c}"),
            None => format!("{base}&limit=2"),
        };
        let req = env.admin("GET", &path, None);
        env.clock.advance(time::Duration::seconds(1)); // a fresh signature per page
        let r = reply(dispatch(env.app.clone(), req, handler).await);
        assert_eq!(r.status, 200, "{path}: {}", r.json);
        rows.extend(r.json[rows_key].as_array().unwrap().iter().cloned());
        pages += 1;
        assert!(pages < 10, "paging does not end");
        match r.json["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return rows,
        }
    }
}

async fn admin_get<H, Fut>(env: &TestEnv, path: &str, handler: H) -> Reply
where
    H: Fn(App, lambda_http::Request) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<Response<Body>, AppError>> + Send + 'static,
{
    let req = env.admin("GET", path, None);
    env.clock.advance(time::Duration::seconds(1));
    reply(dispatch(env.app.clone(), req, handler).await)
}

#[tokio::test]
async fn audit_rows_of_a_window_at_exact_boundaries_across_pages() {
    let env = env().await;
    let w = wallet(1);
    // One audited change a minute, at minutes 0..=5.
    for k in 0..=5 {
        env.clock.set(minute(k));
        shared::payments::ledger::adjust(&env.app, "admin", &w, 10, &format!("change {k}"), false).await.unwrap();
    }
    env.clock.set(minute(30));
    // [minute 1, minute 4): the row at `from` is in, the row at `to` is out.
    let base = format!("/api/audit?action=credits.adjusted&from={}&to={}", rfc3339(minute(1)), rfc3339(minute(4)));
    let rows = all_pages(&env, &base, "entries", audit_log::handle).await;
    let ats: Vec<&str> = rows.iter().map(|r| r["at"].as_str().unwrap()).collect();
    assert_eq!(ats, [rfc3339(minute(3)), rfc3339(minute(2)), rfc3339(minute(1))], "newest first, two pages");

    // One-sided windows, and by subject.
    let since = format!("/api/audit?action=credits.adjusted&from={}", rfc3339(minute(4)));
    assert_eq!(all_pages(&env, &since, "entries", audit_log::handle).await.len(), 2);
    let until = format!("/api/audit?action=credits.adjusted&to={}", rfc3339(minute(1)));
    assert_eq!(all_pages(&env, &until, "entries", audit_log::handle).await.len(), 1);
    let window = Window::parse(Some(&rfc3339(minute(2))), Some("2026-03-10T12:05:00.5Z")).unwrap();
    let subject = shared::payments::store::ledger_subject(&w);
    let page = audit::query(&env.app, AuditFilter::Subject(&subject), &window, 100, None).await.unwrap();
    assert_eq!(page.items.len(), 4, "minutes 2..=5: a fractional `to` rounds up to the next second");
}

#[tokio::test]
async fn webhook_events_of_a_window_at_exact_boundaries_across_pages() {
    let env = env().await;
    for k in 0..=4 {
        env.clock.set(minute(k));
        let body = format!(
            r#"{{"event_id":"evt_{k}","event_type":"customer.updated","occurred_at":"{}","data":{{}}}}"#,
            rfc3339(minute(k))
        );
        let ts = env.now();
        let header = format!("ts={ts};h1={}", sign(PADDLE_SECRET, ts, body.as_bytes()));
        webhooks::ingest(&env.app, Delivery { raw: body.as_bytes(), signature: Some(&header), request_id: None })
            .await
            .unwrap();
    }
    env.clock.set(minute(30));
    let base = format!("/api/webhooks/events?status=received&from={}&to={}", rfc3339(minute(1)), rfc3339(minute(4)));
    let events = all_pages(&env, &base, "events", webhooks_events::handle).await;
    let ids: Vec<&str> = events.iter().map(|e| e["eventId"].as_str().unwrap()).collect();
    assert_eq!(ids, ["evt_3", "evt_2", "evt_1"]);
    // Outside the window of another status: nothing.
    let none = format!("/api/webhooks/events?status=error&from={}", rfc3339(minute(0)));
    assert!(all_pages(&env, &none, "events", webhooks_events::handle).await.is_empty());
}

#[tokio::test]
async fn bad_or_reversed_windows_are_400_on_both_listings() {
    let env = env().await;
    let (early, late) = (rfc3339(minute(1)), rfc3339(minute(2)));
    for base in ["/api/audit?action=credits.adjusted", "/api/webhooks/events?status=received"] {
        let call = |path: String| {
            let env = &env;
            async move {
                if path.starts_with("/api/audit") {
                    admin_get(env, &path, audit_log::handle).await
                } else {
                    admin_get(env, &path, webhooks_events::handle).await
                }
            }
        };
        assert_eq!(call(format!("{base}&from=yesterday")).await.code(), "INVALID_TIMESTAMP");
        assert_eq!(call(format!("{base}&to=2026-03-10")).await.code(), "INVALID_TIMESTAMP");
        let reversed = call(format!("{base}&from={late}&to={early}")).await;
        assert_eq!((reversed.status, reversed.code()), (400, "INVALID_WINDOW"));
        assert_eq!(call(format!("{base}&from={early}&to={early}")).await.code(), "INVALID_WINDOW");
    }
}

#[tokio::test]
async fn sharded_listings_page_through_every_row_once_in_order() {
    let env = env().await;
    // 57 rows of one action over 8 shards, some in the same second.
    for k in 0..57 {
        env.clock.set(T0 + time::Duration::seconds(k / 2));
        shared::payments::ledger::adjust(&env.app, "admin", &wallet(k as u32 % 5), 1, "n", false).await.unwrap();
    }
    for (limit, window) in [
        (5, Window::default()),
        (
            7,
            Window::parse(
                Some(&rfc3339(T0 + time::Duration::seconds(4))),
                Some(&rfc3339(T0 + time::Duration::seconds(20))),
            )
            .unwrap(),
        ),
    ] {
        let (mut rows, mut cursor) = (Vec::new(), None::<String>);
        loop {
            let page =
                audit::query(&env.app, AuditFilter::Action("credits.adjusted"), &window, limit, cursor.as_deref())
                    .await
                    .unwrap();
            assert!(page.items.len() <= limit as usize);
            rows.extend(page.items);
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        let keys: Vec<(String, String)> = rows.iter().map(|r| (r.at.clone(), r.id.clone())).collect();
        let mut sorted = keys.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(keys, sorted, "newest first across shards");
        let unique: std::collections::BTreeSet<_> = keys.iter().collect();
        assert_eq!(unique.len(), keys.len(), "no row twice");
        let expected = if window == Window::default() { 57 } else { (8..40).count() };
        assert_eq!(rows.len(), expected, "no row missed (limit {limit})");
    }
    // A cursor from elsewhere is a 400, not a 500.
    let err =
        audit::query(&env.app, AuditFilter::Action("credits.adjusted"), &Window::default(), 5, Some("bm90IG91cnM"))
            .await
            .unwrap_err();
    assert_eq!(err.code, "INVALID_CURSOR");
}
