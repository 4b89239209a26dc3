//! Payments against DynamoDB Local and a local Solana JSON-RPC node that
//! answers in the real `getTransaction` (jsonParsed) format: the happy
//! path, every refusal, racing verifies, seats, the ledger, reconciliation.

use ed25519_dalek::SigningKey;
use functions::handlers::{
    credits_adjust, credits_get, credits_reverse, payments_gate, payments_intents_create, payments_intents_verify,
    payments_reconciliation,
};
use futures::future::join_all;
use integration_tests::*;
use serde_json::{json, Value};
use shared::http::serve::dispatch;
use shared::payments::{reconcile, service, solana::JsonRpcClient, store};
use shared::seats::domain::Wallet;

const MINT: &str = "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU";
const TREASURY: &str = "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM";

struct Pay {
    env: TestEnv,
    node: std::sync::Arc<std::sync::Mutex<solana_rpc::Node>>,
    url: String,
    buyer: SigningKey,
}

async fn setup() -> Pay {
    let (url, node) = solana_rpc::start().await;
    let env = env_with(&[
        ("SOLANA_RPC_URL", &url),
        ("TOKEN_MINT", MINT),
        ("TREASURY_WALLET", TREASURY),
        ("CREDIT_PRICE_BASE_UNITS", "10000"),
    ])
    .await;
    Pay { env, node, url, buyer: SigningKey::from_bytes(&[55; 32]) }
}

fn sig(i: u8) -> String {
    bs58::encode([i; 64]).into_string()
}

impl Pay {
    fn buyer_wallet(&self) -> String {
        wallet_of(&self.buyer)
    }
    async fn create(&self, key: &SigningKey, body: &str) -> Reply {
        let req = signed_by(key, "x-wallet", "POST", "/api/payments/intents", Some(body), self.env.now());
        reply(dispatch(self.env.app.clone(), req, payments_intents_create::handle).await)
    }
    async fn verify(&self, key: &SigningKey, intent_id: &str, signature: &str) -> Reply {
        let body = json!({ "intentId": intent_id, "signature": signature }).to_string();
        let req = signed_by(key, "x-wallet", "POST", "/api/payments/intents/verify", Some(&body), self.env.now());
        self.env.clock.advance(time::Duration::seconds(1)); // a fresh signature per call
        reply(dispatch(self.env.app.clone(), req, payments_intents_verify::handle).await)
    }
    fn chain(&self, signature: &str, tx: Value) {
        self.node.lock().unwrap().transactions.insert(signature.to_string(), tx);
    }
    fn pays(&self, intent: &Value, amount: u64) -> Value {
        solana_rpc::transfer(&self.buyer_wallet(), TREASURY, MINT, intent["reference"].as_str().unwrap(), amount, false)
    }
}

#[tokio::test]
async fn a_verified_purchase_credits_once() {
    let p = setup().await;
    let created = p.create(&p.buyer, r#"{"kind":"CREDITS","credits":25}"#).await;
    assert_eq!(created.status, 201, "{}", created.json);
    let intent = created.json["intent"].clone();
    assert_eq!(intent["status"], "PENDING");
    assert_eq!(intent["amountBaseUnits"], 250_000);
    assert_eq!(intent["mint"], MINT);
    assert_eq!(intent["treasury"], TREASURY);
    let id = intent["intentId"].as_str().unwrap();
    p.chain(&sig(1), p.pays(&intent, 250_000));

    let first = p.verify(&p.buyer, id, &sig(1)).await;
    assert_eq!(first.status, 200, "{}", first.json);
    assert_eq!(first.json["credited"], 25);
    let again = p.verify(&p.buyer, id, &sig(1)).await;
    assert_eq!(again.json, first.json, "a repeated verify returns the same result");

    let req = signed_by(&p.buyer, "x-wallet", "GET", "/api/credits", None, p.env.now());
    let ledger = reply(dispatch(p.env.app.clone(), req, credits_get::handle).await);
    assert_eq!(ledger.json["balance"], 25);
    assert_eq!(ledger.json["entries"].as_array().unwrap().len(), 1);
    assert_eq!(ledger.json["entries"][0]["txSignature"], sig(1));
    // Admin reads any wallet.
    let admin_view = reply(
        dispatch(
            p.env.app.clone(),
            p.env.admin("GET", &format!("/api/credits?wallet={}", p.buyer_wallet()), None),
            credits_get::handle,
        )
        .await,
    );
    assert_eq!(admin_view.json["balance"], 25);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_racing_verifies_credit_once() {
    let p = setup().await;
    let wallet = Wallet::parse(&p.buyer_wallet()).unwrap();
    let intent =
        service::create_intent(&p.env.app, &wallet, serde_json::from_str(r#"{"kind":"CREDITS","credits":7}"#).unwrap())
            .await
            .unwrap();
    p.chain(&sig(2), p.pays(&serde_json::to_value(&intent).unwrap(), 70_000));
    let results = join_all((0..50).map(|_| {
        let app = p.env.app.clone();
        let (url, wallet, id) = (p.url.clone(), wallet.clone(), intent.intent_id.clone());
        tokio::spawn(async move {
            let rpc = JsonRpcClient::new(app.http().clone(), &url);
            service::verify(&app, &rpc, &wallet, &id, &sig(2)).await
        })
    }))
    .await;
    for r in &results {
        let v = r.as_ref().unwrap().as_ref().expect("every racer gets the same success");
        assert_eq!(v.credited, 7);
    }
    assert_eq!(store::balance(&p.env.app, wallet.as_str()).await.unwrap(), 7);
    assert_eq!(count_with_pk_prefix(&p.env.app, "TXSIG#").await, 1);
    assert_eq!(store::all_entries(&p.env.app, wallet.as_str()).await.unwrap().len(), 1);
}

#[tokio::test]
async fn every_refusal_has_its_code_and_retryable_ones_keep_the_intent() {
    let p = setup().await;
    let mk = |credits: u32| format!(r#"{{"kind":"CREDITS","credits":{credits}}}"#);
    let a = p.create(&p.buyer, &mk(10)).await.json["intent"].clone();
    let id = a["intentId"].as_str().unwrap().to_string();
    let reference = a["reference"].as_str().unwrap();
    let me = p.buyer_wallet();
    p.chain(&sig(10), solana_rpc::transfer(&me, TREASURY, MINT, reference, 100_000, true));
    p.chain(
        &sig(11),
        solana_rpc::transfer(&me, TREASURY, "So11111111111111111111111111111111111111112", reference, 100_000, false),
    );
    p.chain(&sig(12), solana_rpc::transfer(&me, TREASURY, MINT, reference, 99_999, false));
    p.chain(&sig(13), solana_rpc::transfer(&wallet(9), TREASURY, MINT, reference, 100_000, false));
    p.chain(&sig(14), solana_rpc::transfer(&me, TREASURY, MINT, "11111111111111111111111111111111", 100_000, false));
    for (s, status, code) in [
        (sig(9), 422, "TX_NOT_FOUND"),
        (sig(10), 422, "TX_FAILED"),
        (sig(11), 422, "TX_WRONG_MINT"),
        (sig(12), 422, "TX_AMOUNT_TOO_SMALL"),
        (sig(13), 422, "TX_WRONG_SENDER"),
        (sig(14), 422, "TX_MISSING_REFERENCE"),
        ("not-a-signature".to_string(), 400, "INVALID_SIGNATURE"),
    ] {
        let r = p.verify(&p.buyer, &id, &s).await;
        assert_eq!((r.status, r.code()), (status, code), "{s}: {}", r.json);
    }
    let stored = store::get_intent(&p.env.app, &id).await.unwrap().unwrap();
    assert_eq!(stored.status, shared::payments::domain::IntentStatus::Pending, "the intent stays retryable");
    assert_eq!(stored.failed_verifications, 6);

    // Someone else's intent; an unknown one.
    let other = SigningKey::from_bytes(&[56; 32]);
    assert_eq!(p.verify(&other, &id, &sig(20)).await.code(), "INTENT_NOT_YOURS");
    assert_eq!(p.verify(&p.buyer, "nope", &sig(20)).await.code(), "INTENT_NOT_FOUND");

    // The transaction finalizes: verified, then its signature cannot pay another intent.
    p.chain(&sig(9), p.pays(&a, 100_000));
    assert_eq!(p.verify(&p.buyer, &id, &sig(9)).await.status, 200);
    let b = p.create(&p.buyer, &mk(10)).await.json["intent"].clone();
    let r = p.verify(&p.buyer, b["intentId"].as_str().unwrap(), &sig(9)).await;
    assert_eq!((r.status, r.code()), (409, "TX_ALREADY_USED"));
    assert_eq!(p.verify(&p.buyer, &id, &sig(21)).await.code(), "INTENT_ALREADY_VERIFIED");

    // Expiry.
    let c = p.create(&p.buyer, &mk(1)).await.json["intent"].clone();
    p.env.clock.advance(time::Duration::minutes(31));
    let r = p.verify(&p.buyer, c["intentId"].as_str().unwrap(), &sig(22)).await;
    assert_eq!((r.status, r.code()), (422, "INTENT_EXPIRED"));

    // The RPC node is down: 503, nothing changes.
    let d = p.create(&p.buyer, &mk(1)).await.json["intent"].clone();
    p.node.lock().unwrap().down = true;
    let r = p.verify(&p.buyer, d["intentId"].as_str().unwrap(), &sig(23)).await;
    assert_eq!((r.status, r.code()), (503, "RPC_UNAVAILABLE"));
    p.node.lock().unwrap().down = false;

    // The kill switch gates verification without a deploy.
    let gate = reply(
        dispatch(
            p.env.app.clone(),
            p.env.admin("POST", "/api/payments/gate", Some(r#"{"verifyGated":true,"note":"incident 7"}"#)),
            payments_gate::handle,
        )
        .await,
    );
    assert_eq!(gate.status, 200);
    let r = p.verify(&p.buyer, d["intentId"].as_str().unwrap(), &sig(23)).await;
    assert_eq!((r.status, r.code()), (503, "VERIFY_GATED"));
    p.env.clock.advance(time::Duration::seconds(1));
    reply(
        dispatch(
            p.env.app.clone(),
            p.env.admin("POST", "/api/payments/gate", Some(r#"{"verifyGated":false,"note":"resolved"}"#)),
            payments_gate::handle,
        )
        .await,
    );
    assert_eq!(store::balance(&p.env.app, &me).await.unwrap(), 10);

    // Bad intent bodies.
    for (body, code) in [
        (r#"{"kind":"CREDITS"}"#, "MISSING_FIELD"),
        (r#"{"kind":"CREDITS","credits":0}"#, "INVALID_CREDITS"),
        (r#"{"kind":"GOLD"}"#, "INVALID_FIELD"),
        (r#"{"kind":"SEAT","credits":3}"#, "INVALID_FIELD"),
    ] {
        assert_eq!(p.create(&p.buyer, body).await.code(), code, "{body}");
    }
}

#[tokio::test]
async fn a_seat_intent_allocates_through_the_cap_or_is_refunded() {
    let p = setup().await;
    let seat_intent = p.create(&p.buyer, r#"{"kind":"SEAT"}"#).await.json["intent"].clone();
    assert_eq!(seat_intent["seatPriceCents"], 100_000);
    assert_eq!(seat_intent["amountBaseUnits"], 1_000_000_000u64); // 1000.00 USD at 6 decimals
    p.chain(&sig(30), p.pays(&seat_intent, 1_000_000_000));
    let ok = p.verify(&p.buyer, seat_intent["intentId"].as_str().unwrap(), &sig(30)).await;
    assert_eq!(ok.status, 200, "{}", ok.json);
    assert!(ok.json["seatId"].is_string());

    // Fill the program, then a paid seat intent finds no seat.
    for i in 0..99u32 {
        shared::seats::service::allocate(&p.env.app, "admin", &Wallet::parse(&wallet(i)).unwrap(), None).await.unwrap();
    }
    let late = SigningKey::from_bytes(&[57; 32]);
    let intent = p.create(&late, r#"{"kind":"SEAT"}"#).await.json["intent"].clone();
    p.chain(
        &sig(31),
        solana_rpc::transfer(
            &wallet_of(&late),
            TREASURY,
            MINT,
            intent["reference"].as_str().unwrap(),
            1_000_000_000,
            false,
        ),
    );
    let full = p.verify(&late, intent["intentId"].as_str().unwrap(), &sig(31)).await;
    assert_eq!((full.status, full.code()), (409, "SEAT_CAP_REACHED"), "{}", full.json);
    let again = p.verify(&late, intent["intentId"].as_str().unwrap(), &sig(31)).await;
    assert_eq!(again.code(), "SEAT_CAP_REACHED");
    let stored = store::get_intent(&p.env.app, intent["intentId"].as_str().unwrap()).await.unwrap().unwrap();
    assert_eq!(stored.status, shared::payments::domain::IntentStatus::PaidRefundDue);
    let refund = shared::refunds::store::get(&p.env.app, stored.refund_id.as_deref().unwrap()).await.unwrap().unwrap();
    assert_eq!((refund.amount_cents, refund.wallet.as_str()), (100_000, wallet_of(&late).as_str()));
    let stats = shared::program::store::load(&p.env.app).await.unwrap().stats;
    assert_eq!((stats.active_seats, stats.pending_refunds), (100, 1));
}

#[tokio::test]
async fn adjustments_and_reversals_are_audited_entries() {
    let p = setup().await;
    let w = p.buyer_wallet();
    let post = |path: &'static str, body: String| {
        let req = p.env.admin("POST", path, Some(&body));
        p.env.clock.advance(time::Duration::seconds(1));
        let app = p.env.app.clone();
        async move {
            match path {
                "/api/credits/adjustments" => reply(dispatch(app, req, credits_adjust::handle).await),
                _ => reply(dispatch(app, req, credits_reverse::handle).await),
            }
        }
    };
    let r =
        post("/api/credits/adjustments", json!({ "wallet": w, "amount": -5, "note": "clawback" }).to_string()).await;
    assert_eq!((r.status, r.code()), (422, "INSUFFICIENT_BALANCE"));
    let r = post("/api/credits/adjustments", json!({ "wallet": w, "amount": 5, "note": " " }).to_string()).await;
    assert_eq!(r.code(), "MISSING_NOTE");
    let credit =
        post("/api/credits/adjustments", json!({ "wallet": w, "amount": 40, "note": "goodwill" }).to_string()).await;
    assert_eq!(credit.status, 201, "{}", credit.json);
    let entry_id = credit.json["entry"]["entryId"].as_str().unwrap().to_string();
    let rev =
        post("/api/credits/reversals", json!({ "wallet": w, "entryId": entry_id, "note": "issued twice" }).to_string())
            .await;
    assert_eq!(rev.status, 201, "{}", rev.json);
    assert_eq!(rev.json["entry"]["amount"], -40);
    assert_eq!(rev.json["entry"]["reverses"], entry_id.as_str());
    let twice =
        post("/api/credits/reversals", json!({ "wallet": w, "entryId": entry_id, "note": "again" }).to_string()).await;
    assert_eq!((twice.status, twice.code()), (409, "ENTRY_ALREADY_REVERSED"));
    let neg = post(
        "/api/credits/adjustments",
        json!({ "wallet": w, "amount": -3, "note": "explicit overdraft", "allowNegative": true }).to_string(),
    )
    .await;
    assert_eq!(neg.status, 201);
    assert_eq!(store::balance(&p.env.app, &w).await.unwrap(), -3);
    let report = reconcile::run(&p.env.app).await.unwrap();
    assert!(report.zero_drift);
    assert_eq!(report.negative_balances.len(), 1);
    assert_eq!(count_with_pk_prefix(&p.env.app, "AUDIT#LEDGER#").await, 3);
}

#[tokio::test]
async fn reconciliation_reports_nothing_on_a_clean_ledger_and_finds_injected_drift() {
    let p = setup().await;
    let wallet_s = p.buyer_wallet();
    let wallet = Wallet::parse(&wallet_s).unwrap();
    let intent =
        service::create_intent(&p.env.app, &wallet, serde_json::from_str(r#"{"kind":"CREDITS","credits":3}"#).unwrap())
            .await
            .unwrap();
    let rpc = JsonRpcClient::new(p.env.app.http().clone(), &p.url);
    // Fails first (not yet finalized), then verifies.
    assert_eq!(
        service::verify(&p.env.app, &rpc, &wallet, &intent.intent_id, &sig(40)).await.unwrap_err().code,
        "TX_NOT_FOUND"
    );
    p.chain(&sig(40), p.pays(&serde_json::to_value(&intent).unwrap(), 30_000));
    service::verify(&p.env.app, &rpc, &wallet, &intent.intent_id, &sig(40)).await.unwrap();
    let stale =
        service::create_intent(&p.env.app, &wallet, serde_json::from_str(r#"{"kind":"CREDITS","credits":1}"#).unwrap())
            .await
            .unwrap();
    let clean = reconcile::run(&p.env.app).await.unwrap();
    assert!(clean.zero_drift && clean.drift.is_empty());
    assert!(
        clean.duplicate_tx_signatures.is_empty()
            && clean.missing_credits.is_empty()
            && clean.negative_balances.is_empty()
    );
    assert_eq!((clean.verified_intents, clean.expected_credits, clean.applied_credits), (1, 3, 3));
    assert_eq!(clean.failed_then_verified, vec![intent.intent_id.clone()]);
    assert!(clean.stale_pending_intents.is_empty());

    // Inject drift and a duplicate straight into the table.
    p.env
        .app
        .db
        .update_item()
        .table_name(p.env.app.table())
        .key("PK", aws_sdk_dynamodb::types::AttributeValue::S(format!("LEDGER#{wallet_s}")))
        .key("SK", aws_sdk_dynamodb::types::AttributeValue::S("BALANCE".into()))
        .update_expression("ADD balance :five")
        .expression_attribute_values(":five", aws_sdk_dynamodb::types::AttributeValue::N("5".into()))
        .send()
        .await
        .unwrap();
    let mut dup = store::all_entries(&p.env.app, &wallet_s).await.unwrap()[0].clone();
    dup.entry_id = format!("{}#dup", dup.entry_id);
    let item = store::entry_item(&p.env.app, &dup).unwrap().put.unwrap().item;
    p.env.app.db.put_item().table_name(p.env.app.table()).set_item(Some(item)).send().await.unwrap();
    p.env.clock.advance(time::Duration::hours(2));

    let r = reply(
        dispatch(
            p.env.app.clone(),
            p.env.admin("GET", "/api/payments/reconciliation?fresh=true", None),
            payments_reconciliation::handle,
        )
        .await,
    );
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(r.json["zeroDrift"], false);
    // balance 3 + 5 injected = 8; entries 3 + 3 duplicated = 6.
    assert_eq!(r.json["drift"], json!([{ "wallet": wallet_s, "balance": 8, "sumOfEntries": 6, "drift": 2 }]));
    assert_eq!(r.json["duplicateTxSignatures"], json!([sig(40)]));
    assert_eq!(r.json["stalePendingIntents"], json!([stale.intent_id]));
}

#[tokio::test]
async fn a_seat_paid_before_a_freeze_and_verified_during_it_is_refunded_not_lost() {
    let p = setup().await;
    let intent = p.create(&p.buyer, r#"{"kind":"SEAT"}"#).await.json["intent"].clone();
    p.chain(&sig(40), p.pays(&intent, 1_000_000_000));
    let update = shared::program::domain::ConfigUpdate {
        refill_price: None,
        refill_frozen: Some(true),
        reason: Some("incident".into()),
    };
    shared::program::service::update_config(&p.env.app, "admin", update, None).await.unwrap();

    let id = intent["intentId"].as_str().unwrap();
    let frozen = p.verify(&p.buyer, id, &sig(40)).await;
    assert_eq!((frozen.status, frozen.code()), (409, "REFILL_FROZEN"), "{}", frozen.json);
    assert_eq!(p.verify(&p.buyer, id, &sig(40)).await.code(), "REFILL_FROZEN", "a repeated verify answers the same");
    // The money is recorded against the intent and its refund is queued; no seat.
    let stored = store::get_intent(&p.env.app, id).await.unwrap().unwrap();
    assert_eq!(stored.status, shared::payments::domain::IntentStatus::PaidRefundDue);
    assert_eq!(stored.refund_code.as_deref(), Some("REFILL_FROZEN"));
    let refund = shared::refunds::store::get(&p.env.app, stored.refund_id.as_deref().unwrap()).await.unwrap().unwrap();
    assert_eq!((refund.amount_cents, refund.status), (100_000, shared::refunds::domain::RefundStatus::Pending));
    assert!(refund.payout_queued_at.is_some(), "the payout job was sent");
    assert_eq!(count_with_pk_prefix(&p.env.app, "SEAT#").await, 0);
    let stats = shared::program::store::load(&p.env.app).await.unwrap().stats;
    assert_eq!((stats.active_seats, stats.pending_refunds), (0, 1));
}

#[tokio::test]
async fn a_payment_made_in_time_is_credited_however_late_it_is_verified() {
    let p = setup().await;
    let mk = |credits: u32| format!(r#"{{"kind":"CREDITS","credits":{credits}}}"#);
    // Paid at minute 29 of a 30-minute intent, verified at minute 31.
    let a = p.create(&p.buyer, &mk(2)).await.json["intent"].clone();
    let mut tx = p.pays(&a, 20_000);
    tx["blockTime"] = json!(T0.unix_timestamp() + 29 * 60);
    p.chain(&sig(50), tx);
    p.env.clock.set(T0 + time::Duration::minutes(31));
    let ok = p.verify(&p.buyer, a["intentId"].as_str().unwrap(), &sig(50)).await;
    assert_eq!(ok.status, 200, "{}", ok.json);
    assert_eq!(ok.json["credited"], 2);

    // Paid after the intent expired: refused, and recorded for an operator.
    let b = p.create(&p.buyer, &mk(3)).await.json["intent"].clone();
    let expires =
        time::OffsetDateTime::parse(b["expiresAt"].as_str().unwrap(), &time::format_description::well_known::Rfc3339)
            .unwrap();
    let mut late = p.pays(&b, 30_000);
    late["blockTime"] = json!(expires.unix_timestamp() + 1);
    p.chain(&sig(51), late);
    p.env.clock.set(expires + time::Duration::minutes(5));
    let refused = p.verify(&p.buyer, b["intentId"].as_str().unwrap(), &sig(51)).await;
    assert_eq!((refused.status, refused.code()), (422, "INTENT_EXPIRED"));
    let report = reconcile::run(&p.env.app).await.unwrap();
    assert_eq!(report.late_payments.len(), 1);
    let row = &report.late_payments[0];
    assert_eq!(
        (row.intent_id.as_str(), row.tx_signature.as_str(), row.amount_base_units),
        (b["intentId"].as_str().unwrap(), sig(51).as_str(), 30_000)
    );
    assert_eq!(store::balance(&p.env.app, &p.buyer_wallet()).await.unwrap(), 2, "only the in-time payment credited");
}
