//! Every bad input gets a 4xx with a stable code and changes nothing.

use functions::handlers::{partners_config_update, partners_seats_allocate, partners_seats_list};
use integration_tests::*;
use shared::http::serve::dispatch;

#[tokio::test]
async fn bad_bodies_get_4xx_and_write_nothing() {
    let env = env_with(&[("ALLOW_UNSIGNED_ADMIN", "true")]).await;
    let admin = || vec![("x-admin-wallet", admin_wallet()), ("content-type", "application/json".to_string())];
    let big = format!(r#"{{"refillPriceUsd":1,"reason":"{}"}}"#, "x".repeat(20_000));
    let config_cases: Vec<(String, u16, &str)> = vec![
        ("{".into(), 400, "INVALID_JSON"),
        ("".into(), 400, "EMPTY_BODY"),
        ("[1,2]".into(), 400, "INVALID_FIELD"),
        (r#"{"refillPriceUsd":true}"#.into(), 400, "INVALID_PRICE"),
        (r#"{"refillPriceUsd":-10}"#.into(), 400, "INVALID_PRICE"),
        (r#"{"refillPriceUsd":0}"#.into(), 400, "INVALID_PRICE"),
        (r#"{"refillPriceUsd":1e30}"#.into(), 400, "INVALID_PRICE"),
        (r#"{"refillPriceUsd":99999999999}"#.into(), 400, "INVALID_PRICE"),
        (r#"{"refillPriceUsd":10.123}"#.into(), 400, "INVALID_PRICE"),
        (r#"{"refillPriceUsd":10,"colour":"red"}"#.into(), 400, "UNKNOWN_FIELD"),
        (r#"{"refillPriceUsd":10,"reason":7}"#.into(), 400, "INVALID_FIELD"),
        (r#"{"maxSeats":101}"#.into(), 400, "MAX_SEATS_IMMUTABLE"),
        (big, 413, "BODY_TOO_LARGE"),
    ];
    for (body, status, code) in config_cases {
        let r = reply(
            dispatch(
                env.app.clone(),
                unsigned("POST", "/api/partners/config", &admin(), Some(&body)),
                partners_config_update::handle,
            )
            .await,
        );
        assert_eq!((r.status, r.code()), (status, code), "body {:.60}: {}", body, r.json);
    }
    let r = reply(
        dispatch(
            env.app.clone(),
            unsigned(
                "POST",
                "/api/partners/config",
                &[("x-admin-wallet", admin_wallet()), ("content-type", "text/plain".into())],
                Some("{}"),
            ),
            partners_config_update::handle,
        )
        .await,
    );
    assert_eq!((r.status, r.code()), (415, "UNSUPPORTED_MEDIA_TYPE"));

    let seat_cases: Vec<(String, u16, &str)> = vec![
        (r#"{"wallet":"not-a-wallet"}"#.into(), 400, "INVALID_WALLET"),
        (r#"{"wallet":12}"#.into(), 400, "INVALID_FIELD"),
        (r#"{}"#.into(), 400, "MISSING_FIELD"),
        (format!(r#"{{"wallet":"{}","price":1}}"#, wallet(1)), 400, "UNKNOWN_FIELD"),
    ];
    for (body, status, code) in seat_cases {
        let r = reply(
            dispatch(
                env.app.clone(),
                unsigned("POST", "/api/partners/seats", &admin(), Some(&body)),
                partners_seats_allocate::handle,
            )
            .await,
        );
        assert_eq!((r.status, r.code()), (status, code), "body {body}: {}", r.json);
    }
    for (query, code) in [
        ("status=GONE", "INVALID_STATUS"),
        ("limit=0", "INVALID_LIMIT"),
        ("limit=abc", "INVALID_QUERY"),
        ("limit=1000", "INVALID_LIMIT"),
        ("cursor=garbage", "INVALID_CURSOR"),
    ] {
        let r = reply(
            dispatch(
                env.app.clone(),
                unsigned("GET", &format!("/api/partners/seats?{query}"), &admin(), None),
                partners_seats_list::handle,
            )
            .await,
        );
        assert_eq!((r.status, r.code()), (400, code), "{query}: {}", r.json);
    }

    // Nothing was written: no config, no seat, no counter, no audit row.
    for prefix in ["PROGRAM#", "SEAT#", "WALLET#", "AUDIT#"] {
        assert_eq!(count_with_pk_prefix(&env.app, prefix).await, 0, "{prefix}");
    }
}

#[tokio::test]
async fn forged_cursors_and_absurd_ids_are_400s() {
    use base64::Engine;
    use functions::handlers::{audit_log, partners_refunds_list, payments_intents_verify};
    let env = env_with(&[("ALLOW_UNSIGNED_ADMIN", "true")]).await;
    let admin = || vec![("x-admin-wallet", admin_wallet())];
    // Well-formed, right attribute names, but not a key of this query.
    let forged = serde_json::json!({ "PK": "X", "SK": "Y", "GSI1PK": "OTHER", "GSI1SK": "Z" }).to_string();
    let cursor = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(forged);
    let r = reply(
        dispatch(
            env.app.clone(),
            unsigned("GET", &format!("/api/partners/refunds?status=PENDING&cursor={cursor}"), &admin(), None),
            partners_refunds_list::handle,
        )
        .await,
    );
    assert_eq!((r.status, r.code()), (400, "INVALID_CURSOR"), "{}", r.json);
    let long = "a".repeat(5_000);
    let r = reply(
        dispatch(
            env.app.clone(),
            unsigned("GET", &format!("/api/audit?subject={long}"), &admin(), None),
            audit_log::handle,
        )
        .await,
    );
    assert_eq!((r.status, r.code()), (400, "INVALID_QUERY"));
    let key = ed25519_dalek::SigningKey::from_bytes(&[60; 32]);
    let body = serde_json::json!({ "intentId": "i".repeat(3_000), "signature": bs58::encode([1u8; 64]).into_string() })
        .to_string();
    let req = signed_by(&key, "x-wallet", "POST", "/api/payments/intents/verify", Some(&body), env.now());
    let r = reply(dispatch(env.app.clone(), req, payments_intents_verify::handle).await);
    assert_eq!((r.status, r.code()), (400, "INVALID_INTENT_ID"));
}

#[tokio::test]
async fn extreme_numbers_from_callers_are_4xx_never_a_panic_or_a_wrap() {
    use functions::handlers::{credits_adjust, partners_me, partners_scores_adjust, webhooks_paddle};
    let env = env_with(&[("ALLOW_UNSIGNED_ADMIN", "true")]).await;
    let admin = || vec![("x-admin-wallet", admin_wallet()), ("content-type", "application/json".to_string())];
    let w = wallet(1);
    for amount in [i64::MIN, i64::MAX, -1_000_000_001] {
        let body = format!(r#"{{"wallet":"{w}","amount":{amount},"note":"typo"}}"#);
        let r = reply(
            dispatch(
                env.app.clone(),
                unsigned("POST", "/api/credits/adjustments", &admin(), Some(&body)),
                credits_adjust::handle,
            )
            .await,
        );
        assert_eq!((r.status, r.code()), (400, "INVALID_AMOUNT"), "{amount}: {}", r.json);
    }
    for points in [i64::MIN, i64::MAX] {
        let body = format!(r#"{{"seatId":"s1","points":{points},"reason":"typo"}}"#);
        let r = reply(
            dispatch(
                env.app.clone(),
                unsigned("POST", "/api/partners/scores", &admin(), Some(&body)),
                partners_scores_adjust::handle,
            )
            .await,
        );
        assert_eq!((r.status, r.code()), (400, "INVALID_POINTS"), "{points}: {}", r.json);
    }
    // Unauthenticated headers with extreme timestamps: refused, not a panic.
    for ts in [i64::MIN, i64::MAX] {
        let headers =
            [("x-wallet", w.clone()), ("x-wallet-timestamp", ts.to_string()), ("x-wallet-signature", "1".into())];
        let r = reply(
            dispatch(env.app.clone(), unsigned("GET", "/api/partners/me", &headers, None), partners_me::handle).await,
        );
        assert_eq!((r.status, r.code()), (401, "SIGNATURE_EXPIRED"), "{ts}");
        let body = r#"{"event_id":"evt_x","event_type":"x","occurred_at":"2026-03-10T12:00:00Z","data":{}}"#;
        let sig = [("paddle-signature", format!("ts={ts};h1=00"))];
        let r = reply(
            dispatch(
                env.app.clone(),
                unsigned("POST", "/api/webhooks/paddle", &sig, Some(body)),
                webhooks_paddle::handle,
            )
            .await,
        );
        assert_eq!((r.status, r.code()), (401, "WEBHOOK_INVALID_SIGNATURE"), "{ts}");
    }
    assert_eq!(count_with_pk_prefix(&env.app, "LEDGER#").await, 0, "nothing written");
}
