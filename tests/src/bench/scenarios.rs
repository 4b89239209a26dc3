//! The warm-load scenarios: what state each route is measured on, and the
//! requests that are sent. Every request is unique where the API demands it
//! (signatures are single-use, seats and events are once-only), so no
//! request of the measured run is refused as a replay.

use shared::platform::ids::{BusinessId, PartnershipId};
use std::sync::Arc;

use ed25519_dalek::SigningKey;
use serde_json::json;
use shared::cycle::{domain::MonthKey, service as cycle};
use shared::payments::domain::{CreateIntentRequest, IntentKind};
use shared::payments::service as payments;
use shared::platform::clock::{Clock, SystemClock};
use shared::platform::{aws, table};
use shared::seats::{domain::Wallet, service as seats};
use shared::App;

use super::load::SPARE;
use crate::{admin_key, signed_headers, solana_rpc, wallet, wallet_of, PADDLE_SECRET};

/// One HTTP request of a pool.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: &'static str,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

pub struct Scenario {
    pub name: &'static str,
    pub function: &'static str,
    pub route: &'static str,
    /// What the route is measured on.
    pub state: &'static str,
    pub table: String,
    /// Settings on top of the stack's for this scenario's functions.
    pub env: Vec<(String, String)>,
    /// Sent one by one before the measured run (first DynamoDB connection,
    /// lazy clients), not counted.
    pub warmup: Vec<HttpRequest>,
    pub measured: Vec<HttpRequest>,
}

pub const MINT: &str = "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU";
pub const TREASURY: &str = "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM";

/// The month every scenario ranks and closes: the current one, as the
/// functions (on the system clock) see it.
pub fn month() -> MonthKey {
    MonthKey::of(SystemClock.now())
}

/// An app over a fresh table, with the settings the scenario's functions
/// get (`env`) on top of the stack's.
pub async fn app_on(env: &[(String, String)]) -> App {
    let sdk = aws::sdk_config().await;
    let lookup = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).or_else(|| std::env::var(k).ok());
    let settings = shared::platform::config::Settings::from_lookup(lookup).expect("bench settings");
    table::ensure_table(&aws::dynamodb(&sdk), &settings.table_name)
        .await
        .expect("create bench table on DynamoDB Local");
    App::new(settings, &sdk, Arc::new(SystemClock))
}

/// 100 active seats, 90 scoring well and 10 scoring low this month.
pub async fn seed_full_program(app: &App) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..100u32 {
        let seat = seats::allocate(app, "bench", &Wallet::parse(&wallet(i)).unwrap(), None).await.expect("seed seat");
        ids.push(seat.seat_id);
    }
    for (i, id) in ids.iter().enumerate() {
        let points = if i < 90 { 100 + (i as i64 % 7) } else { 1 + (i as i64 % 2) };
        cycle::add_points(
            app,
            "bench",
            &shared::platform::ids::SeatId::known(id.as_str()),
            month(),
            points,
            "bench",
            "seed",
            None,
            None,
        )
        .await
        .expect("seed points");
    }
    ids
}

fn now() -> i64 {
    SystemClock.now().unix_timestamp()
}

fn signed(
    key: &SigningKey,
    wallet_header: &str,
    method: &'static str,
    path: &str,
    body: Option<String>,
    ts: i64,
) -> HttpRequest {
    let headers = signed_headers(key, wallet_header, method, path, body.as_deref(), ts);
    HttpRequest {
        method,
        path: path.to_string(),
        headers: headers.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        body,
    }
}

/// `n` admin requests, each with its own signature: the replay guard
/// accepts a signature once, so repeats would measure the refusal.
/// Timestamps step back one second per request, within the window.
fn admin_pool(n: usize, method: &'static str, path: &str, body: Option<String>) -> Vec<HttpRequest> {
    let ts = now();
    (0..n).map(|i| signed(&admin_key(), "x-admin-wallet", method, path, body.clone(), ts - i as i64)).collect()
}

fn split(mut all: Vec<HttpRequest>, warmup: usize) -> (Vec<HttpRequest>, Vec<HttpRequest>) {
    let measured = all.split_off(warmup);
    (all, measured)
}

/// The extra settings every scenario's functions get: the bench's admin
/// key, and windows wide enough for a pool signed before the run starts.
pub fn base_env(table: &str) -> Vec<(String, String)> {
    vec![
        ("TABLE_NAME".into(), table.into()),
        ("ADMIN_WALLETS".into(), crate::admin_wallet()),
        ("SIGNATURE_WINDOW_SECS".into(), "600".into()),
        ("PADDLE_WEBHOOK_TOLERANCE_SECS".into(), "600".into()),
    ]
}

pub async fn config_read(prefix: &str, n: usize) -> Scenario {
    let table = format!("{prefix}-full");
    let req = HttpRequest { method: "GET", path: "/api/partners/config".into(), headers: vec![], body: None };
    Scenario {
        name: "config read",
        function: "partners-config-get",
        route: "GET /api/partners/config",
        state: "100 seats",
        env: base_env(&table),
        table,
        warmup: vec![req.clone(); 4],
        measured: vec![req; n + SPARE],
    }
}

pub async fn seat_allocation(prefix: &str) -> Scenario {
    let table = format!("{prefix}-alloc");
    app_on(&base_env(&table)).await;
    // The cap allows 100 allocations per program: 4 warm the functions, 92
    // are measured, 4 are wrk's spares; every one succeeds.
    let all: Vec<HttpRequest> = (0..100u32)
        .map(|i| {
            let body = json!({ "wallet": wallet(10_000 + i) }).to_string();
            signed(&admin_key(), "x-admin-wallet", "POST", "/api/partners/seats", Some(body), now() - i as i64)
        })
        .collect();
    let (warmup, measured) = split(all, 4);
    Scenario {
        name: "seat allocation",
        function: "partners-seats-allocate",
        route: "POST /api/partners/seats",
        state: "empty program, up to the 100-seat cap",
        env: base_env(&table),
        table,
        warmup,
        measured,
    }
}

pub async fn rankings_live(prefix: &str, n: usize) -> Scenario {
    let table = format!("{prefix}-full");
    let path = format!("/api/partners/rankings?monthKey={}&source=LIVE", month());
    let (warmup, measured) = split(admin_pool(n + 4 + SPARE, "GET", &path, None), 4);
    Scenario {
        name: "rankings LIVE",
        function: "partners-rankings",
        route: "GET /api/partners/rankings",
        state: "100 seats",
        env: base_env(&table),
        table,
        warmup,
        measured,
    }
}

pub async fn cycle_dry_run(prefix: &str, n: usize) -> Scenario {
    let table = format!("{prefix}-full");
    let body = json!({ "monthKey": month().to_string(), "dryRun": true }).to_string();
    let (warmup, measured) = split(admin_pool(n + 4 + SPARE, "POST", "/api/partners/cycle/eliminate", Some(body)), 4);
    Scenario {
        name: "cycle dry run",
        function: "partners-cycle-eliminate",
        route: "POST /api/partners/cycle/eliminate",
        state: "100 seats",
        env: base_env(&table),
        table,
        warmup,
        measured,
    }
}

pub async fn refund_queue(prefix: &str, n: usize) -> Scenario {
    let table = format!("{prefix}-refunds");
    let app = app_on(&base_env(&table)).await;
    seed_full_program(&app).await;
    cycle::execute(&app, month(), "bench", "bench", None).await.expect("seed: execute the cycle");
    let (warmup, measured) = split(admin_pool(n + 4 + SPARE, "GET", "/api/partners/refunds?status=PENDING", None), 4);
    Scenario {
        name: "refund queue read",
        function: "partners-refunds-list",
        route: "GET /api/partners/refunds?status=PENDING",
        state: "10 pending refunds after a cycle",
        env: base_env(&table),
        table,
        warmup,
        measured,
    }
}

/// Each request verifies its own intent against a local JSON-RPC node that
/// answers `getTransaction` with a matching finalized transfer.
pub async fn intent_verify(prefix: &str, n: usize) -> Scenario {
    let table = format!("{prefix}-payments");
    let (rpc_url, node) = solana_rpc::start().await;
    let mut env = base_env(&table);
    env.extend([
        ("SOLANA_RPC_URL".to_string(), rpc_url.clone()),
        ("TOKEN_MINT".to_string(), MINT.to_string()),
        ("TREASURY_WALLET".to_string(), TREASURY.to_string()),
        ("CREDIT_PRICE_BASE_UNITS".to_string(), "10000".to_string()),
    ]);
    let app = app_on(&env).await;
    let buyer = SigningKey::from_bytes(&[77; 32]);
    let buyer_wallet = Wallet::parse(&wallet_of(&buyer)).unwrap();
    let ts = now();
    let mut all = Vec::new();
    for i in 0..n + 4 + SPARE {
        let intent = payments::create_intent(
            &app,
            &buyer_wallet,
            CreateIntentRequest { kind: IntentKind::Credits, credits: Some(25) },
        )
        .await
        .expect("seed intent");
        let signature = bs58::encode([(i % 251) as u8, (i / 251) as u8, 9, 9].repeat(16)).into_string();
        let tx = solana_rpc::transfer(
            buyer_wallet.as_str(),
            TREASURY,
            MINT,
            &intent.reference,
            intent.amount_base_units,
            false,
        );
        node.lock().unwrap().transactions.insert(signature.clone(), tx);
        let body = json!({ "intentId": intent.intent_id, "signature": signature }).to_string();
        all.push(signed(&buyer, "x-wallet", "POST", "/api/payments/intents/verify", Some(body), ts - i as i64));
    }
    let (warmup, measured) = split(all, 4);
    Scenario {
        name: "purchase-intent verify",
        function: "payments-intents-verify",
        route: "POST /api/payments/intents/verify",
        state: "one pending intent per request, local JSON-RPC node",
        env,
        table,
        warmup,
        measured,
    }
}

pub async fn webhook_ingress(prefix: &str, n: usize) -> Scenario {
    let table = format!("{prefix}-webhooks");
    app_on(&base_env(&table)).await;
    let ts = now();
    let all: Vec<HttpRequest> = (0..n + 4 + SPARE)
        .map(|i| {
            let id = format!("evt_bench_{i:06}");
            let body = json!({
                "event_id": id,
                "event_type": "transaction.completed",
                "occurred_at": "2026-11-01T10:00:00Z",
                "notification_id": format!("ntf_{id}"),
                "data": { "id": format!("txn_{i:06}"), "status": "completed", "custom_data": { "partner_wallet": wallet(i as u32) },
                          "details": { "totals": { "grand_total": "10000", "currency_code": "USD" } } }
            })
            .to_string();
            let signature = format!("ts={ts};h1={}", shared::webhooks::domain::sign(PADDLE_SECRET, ts, body.as_bytes()));
            HttpRequest {
                method: "POST",
                path: "/api/webhooks/paddle".into(),
                headers: vec![("content-type".into(), "application/json".into()), ("paddle-signature".into(), signature)],
                body: Some(body),
            }
        })
        .collect();
    let (warmup, measured) = split(all, 4);
    Scenario {
        name: "webhook ingress",
        function: "webhooks-paddle",
        route: "POST /api/webhooks/paddle",
        state: "new event per request (verify, dedupe, audit, enqueue)",
        env: base_env(&table),
        table,
        warmup,
        measured,
    }
}

/// The Partner Network scenarios' token issuer: its JWKS is served by this
/// process for the whole run, and each request carries a token of its own
/// business (the per-business rate limit allows 100 a minute, so a pool
/// spreads its requests over many businesses, never more than 4 each).
pub fn network_env(table: &str, issuer: &crate::Issuer) -> Vec<(String, String)> {
    let mut env = base_env(table);
    env.extend(issuer.settings().into_iter().map(|(k, v)| (k.to_string(), v)));
    env
}

fn bearer_request(issuer: &crate::Issuer, business: &str, path: String) -> HttpRequest {
    HttpRequest {
        method: "GET",
        path,
        headers: vec![("authorization".into(), issuer.bearer(business, "staff", now()))],
        body: None,
    }
}

/// A deterministic spread of points over a metro area (~45 x 47 km).
fn metro_point(i: usize) -> (f64, f64) {
    let mut x = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut next = || {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    };
    (45.3 + next() * 0.4, -73.9 + next() * 0.6)
}

/// 10,000 businesses over one metro area; each search is a 5 km circle
/// around a different point, by a different business.
pub async fn directory_search(prefix: &str, n: usize, issuer: &crate::Issuer) -> Scenario {
    use shared::businesses::domain::{Business, GeoLocation};
    let table = format!("{prefix}-directory");
    let env = network_env(&table, issuer);
    let app = app_on(&env).await;
    let businesses: Vec<Business> = (0..10_000)
        .map(|i| {
            let (lat, lng) = metro_point(i);
            Business {
                business_id: format!("metro-{i:05}"),
                name: format!("Shop {i}"),
                category: ["cafe", "books", "gym", "restaurant"][i % 4].into(),
                categories: vec![["cafe", "books", "gym", "restaurant"][i % 4].into()],
                location: GeoLocation { lat, lng },
                address: String::new(),
                available_for_partnership: true,
                rating_sum: (i % 6) as u64,
                review_count: u64::from(i % 6 != 0),
                loyal_customer_count: 0,
                partnership_count: 0,
                owner_user_id: "bench".into(),
                stripe_account_id: None,
                created_at: "2026-03-10T12:00:00Z".into(),
                updated_at: "2026-03-10T12:00:00Z".into(),
            }
        })
        .collect();
    shared::businesses::store::bulk_load(&app, &businesses).await.expect("seed the directory");
    let all = (0..n + 4 + SPARE)
        .map(|i| {
            let (lat, lng) = metro_point(20_000 + i);
            bearer_request(
                issuer,
                &format!("searcher-{i:05}"),
                format!("/api/v1/partners/directory?lat={lat:.5}&lng={lng:.5}&radiusKm=5&limit=20"),
            )
        })
        .collect();
    let (warmup, measured) = split(all, 4);
    Scenario {
        name: "directory search",
        function: "partners-directory",
        route: "GET /api/v1/partners/directory?radiusKm=5",
        state: "10,000 businesses in one metro area",
        env,
        table,
        warmup,
        measured,
    }
}

/// A invites B with the cafe-bakery template and B accepts: an ACTIVE
/// partnership, its id.
async fn seed_partnership(app: &App, a: &str, b: &str) -> String {
    use shared::partnerships::{domain::InviteRequest, service as partnerships};
    let invite: InviteRequest =
        serde_json::from_value(json!({ "partnerBusinessId": b, "templateId": "cafe-bakery-coalition" })).unwrap();
    let p = partnerships::invite(app, &BusinessId::known(a), "bench", invite).await.expect("seed an invitation");
    partnerships::answer(
        app,
        &BusinessId::known(b),
        "bench",
        &PartnershipId::known(p.id.as_str()),
        partnerships::Answer::Accept { terms_version: p.terms_version },
    )
    .await
    .expect("seed an acceptance");
    p.id
}

/// 100 active partnerships between 200 businesses; each request reads one
/// by one of its parties.
pub async fn partnership_read(prefix: &str, n: usize, issuer: &crate::Issuer) -> Scenario {
    use shared::businesses::{domain::BusinessRequest, service as businesses};
    let table = format!("{prefix}-partnerships");
    let env = network_env(&table, issuer);
    let app = app_on(&env).await;
    let mut pairs = Vec::new();
    for i in 0..100 {
        let (a, b) = (format!("party-{:03}", 2 * i), format!("party-{:03}", 2 * i + 1));
        for (biz, point) in [(&a, 2 * i), (&b, 2 * i + 1)] {
            let (lat, lng) = metro_point(point);
            let profile: BusinessRequest = serde_json::from_value(json!({ "businessId": biz, "name": biz, "category": "cafe", "location": { "lat": lat, "lng": lng }, "address": "", "availableForPartnership": true })).unwrap();
            businesses::register(&app, &format!("owner-{biz}"), None, profile).await.expect("seed a business");
        }
        pairs.push((seed_partnership(&app, &a, &b).await, a, b));
    }
    let all = (0..n + 4 + SPARE)
        .map(|i| {
            let (id, a, b) = &pairs[i % pairs.len()];
            bearer_request(issuer, if (i / pairs.len()) % 2 == 0 { a } else { b }, format!("/api/v1/partnerships/{id}"))
        })
        .collect();
    let (warmup, measured) = split(all, 4);
    Scenario {
        name: "partnership read",
        function: "partnerships-get",
        route: "GET /api/v1/partnerships/{id}",
        state: "100 active partnerships",
        env,
        table,
        warmup,
        measured,
    }
}

/// 50 ACTIVE partnerships whose A has a points program and 4 customers
/// with points; each request records a REDEEM or an EARN at B with its own
/// idempotency key.
pub async fn transaction_recording(prefix: &str, n: usize, issuer: &crate::Issuer) -> Scenario {
    use shared::businesses::{domain::BusinessRequest, service as businesses};
    use shared::loyalty::{domain::EarnRequest, domain::ProgramRequest, service as loyalty};
    let table = format!("{prefix}-transactions");
    let env = network_env(&table, issuer);
    let app = app_on(&env).await;
    let mut ids = Vec::new();
    for i in 0..50 {
        let (a, b) = (format!("rec-a{i:02}"), format!("rec-b{i:02}"));
        for biz in [&a, &b] {
            let profile: BusinessRequest = serde_json::from_value(json!({ "businessId": biz, "name": biz, "category": "cafe", "location": { "lat": 45.5, "lng": -73.57 }, "address": "", "availableForPartnership": true })).unwrap();
            businesses::register(&app, &format!("owner-{biz}"), None, profile).await.expect("seed a business");
        }
        loyalty::set_program(
            &app,
            &BusinessId::known(a.as_str()),
            "bench",
            ProgramRequest {
                points_per_dollar: 10,
                redemption_cents: 1_000,
                redemption_points: 100,
                expiry_months: None,
            },
        )
        .await
        .expect("seed a program");
        for c in 0..4 {
            let earn: EarnRequest =
                serde_json::from_value(json!({ "customerId": format!("rc{i:02}-{c}"), "amount": "1000.00" })).unwrap();
            loyalty::earn(&app, &BusinessId::known(a.as_str()), "bench", &format!("seed-{i}-{c}"), earn)
                .await
                .expect("seed points");
        }
        ids.push((seed_partnership(&app, &a, &b).await, b));
    }
    let all = (0..n + 4 + SPARE)
        .map(|k| {
            let (id, b) = &ids[k % ids.len()];
            let customer = format!("rc{:02}-{}", k % ids.len(), (k / ids.len()) % 4);
            let body = if k % 2 == 0 {
                json!({ "type": "REDEEM", "customerId": customer, "points": 10 })
            } else {
                json!({ "type": "EARN", "customerId": customer, "amount": "12.50" })
            };
            let mut req = bearer_request(issuer, b, format!("/api/v1/partnerships/{id}/transactions"));
            req.method = "POST";
            req.headers.push(("content-type".into(), "application/json".into()));
            req.headers.push(("idempotency-key".into(), format!("bench-{k}")));
            req.body = Some(body.to_string());
            req
        })
        .collect();
    let (warmup, measured) = split(all, 4);
    Scenario {
        name: "transaction recording",
        function: "partnerships-transactions-record",
        route: "POST /api/v1/partnerships/{id}/transactions",
        state: "50 active partnerships, 200 customers with points",
        env,
        table,
        warmup,
        measured,
    }
}
