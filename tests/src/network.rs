//! A Partner Network fixture for integration tests: a local token issuer,
//! an app that trusts it, and calls routed like `make dev` routes them.

use serde_json::{json, Value};

use crate::{serve_routed, unsigned, Issuer, Reply, TestEnv};

pub struct Net {
    pub env: TestEnv,
    pub issuer: Issuer,
}

impl Net {
    pub async fn start() -> Net {
        Net::start_with(&[]).await
    }

    /// With extra settings.
    pub async fn start_with(extra: &[(&str, &str)]) -> Net {
        let issuer = Issuer::start().await;
        let mut settings: Vec<(&str, String)> = issuer.settings();
        settings.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        let pairs: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let env = crate::env_with(&pairs).await;
        Net { env, issuer }
    }

    pub fn bearer(&self, biz: &str, role: &str) -> String {
        self.issuer.bearer(biz, role, self.env.now())
    }

    /// A request as `biz`'s `role` (or, with role `customer`, as customer
    /// `biz`), with extra headers.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        biz: &str,
        role: &str,
        body: Option<&Value>,
        extra: &[(&str, &str)],
    ) -> lambda_http::Request {
        let auth =
            if role == "customer" { self.issuer.customer_bearer(biz, self.env.now()) } else { self.bearer(biz, role) };
        let mut headers = vec![("authorization", auth), ("content-type", "application/json".to_string())];
        headers.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        unsigned(method, path, &headers, body.map(Value::to_string).as_deref())
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        biz: &str,
        role: &str,
        body: Option<&Value>,
        extra: &[(&str, &str)],
    ) -> Reply {
        serve_routed(self.env.app.clone(), self.request(method, path, biz, role, body, extra)).await
    }

    /// As `biz`'s owner.
    pub async fn owner(&self, method: &str, path: &str, biz: &str, body: Value) -> Reply {
        self.call(method, path, biz, "owner", Some(&body), &[]).await
    }

    pub async fn get(&self, path: &str, biz: &str) -> Reply {
        self.call("GET", path, biz, "staff", None, &[]).await
    }

    /// `biz` registered by its owner's user (`user-<biz>-owner`, the
    /// `sub` of `bearer(biz, "owner")`), who signs in without a business.
    pub async fn register(&self, biz: &str) {
        let body = json!({ "businessId": biz, "name": biz, "category": "cafe", "location": { "lat": 45.5, "lng": -73.57 }, "address": "", "availableForPartnership": true });
        let r = crate::register_as(&self.env.app, &self.issuer, biz, &body).await;
        assert_eq!(r.status, 201, "{}", r.json);
    }

    /// $1 earns `points_per_dollar`; 100 points are worth $10.
    pub async fn program(&self, biz: &str, points_per_dollar: u64) {
        let r = self
            .owner(
                "PUT",
                "/api/v1/businesses/me/points-program",
                biz,
                json!({ "pointsPerDollar": points_per_dollar, "redemptionCents": 1000, "redemptionPoints": 100 }),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.json);
    }

    /// An ACTIVE partnership `a` invites and `b` accepts, with `terms`.
    pub async fn partnership(&self, a: &str, b: &str, kind: &str, terms: Value) -> String {
        let invited = self
            .owner(
                "POST",
                "/api/v1/partnerships",
                a,
                json!({ "partnerBusinessId": b, "type": kind, "revenueSharingTerms": terms }),
            )
            .await;
        assert_eq!(invited.status, 201, "{}", invited.json);
        let id = invited.json["id"].as_str().unwrap().to_string();
        let version = invited.json["termsVersion"].clone();
        let accepted = self
            .call(
                "PATCH",
                &format!("/api/v1/partnerships/{id}/accept"),
                b,
                "owner",
                Some(&json!({ "termsVersion": version })),
                &[],
            )
            .await;
        assert_eq!(accepted.status, 200, "{}", accepted.json);
        id
    }

    /// The spec's pair: biz-a (10 points a dollar, 100 points worth $10)
    /// and biz-b partnered with `terms`, and cust-1 holding the points of
    /// a `dollars` purchase at A. Returns the partnership id.
    pub async fn spec_pair(&self, terms: Value, dollars: &str) -> String {
        for biz in ["biz-a", "biz-b"] {
            self.register(biz).await;
        }
        self.program("biz-a", 10).await;
        let id = self.partnership("biz-a", "biz-b", "POINTS_COALITION", terms).await;
        let earned = self.earn_at_home("biz-a", "cust-1", dollars, "home-1").await;
        assert_eq!(earned.status, 201, "{}", earned.json);
        id
    }

    /// A purchase of `amount` dollars at `biz`, in its own program.
    pub async fn earn_at_home(&self, biz: &str, customer: &str, amount: &str, key: &str) -> Reply {
        self.call(
            "POST",
            "/api/v1/businesses/me/points",
            biz,
            "staff",
            Some(&json!({ "customerId": customer, "amount": amount })),
            &[("idempotency-key", key)],
        )
        .await
    }

    /// A transaction recorded by `biz`'s staff on a partnership.
    pub async fn record(&self, partnership: &str, biz: &str, key: &str, body: Value) -> Reply {
        self.call(
            "POST",
            &format!("/api/v1/partnerships/{partnership}/transactions"),
            biz,
            "staff",
            Some(&body),
            &[("idempotency-key", key)],
        )
        .await
    }

    /// A partnership's stored transactions, read straight from the table
    /// (for recounts that do not trust the API's own counters).
    pub async fn stored_transactions(&self, partnership: &str) -> Vec<Value> {
        crate::items_with_pk_prefix(&self.env.app, &format!("PARTNERSHIP#{partnership}"))
            .await
            .into_iter()
            .filter(|i| i["SK"].as_s().is_ok_and(|sk| sk.starts_with("TX#")))
            .map(|i| serde_dynamo::from_item(i).expect("a stored transaction"))
            .collect()
    }

    /// The daily settlement job as it runs at the clock's now: settles the
    /// ended periods, then pays (manually) what is past its review.
    pub async fn settlement_run(&self) -> shared::settlements::service::RunReport {
        use shared::settlements::{payout::ManualSettlementPayouts, service};
        let mut report = service::RunReport::default();
        service::run_due(&self.env.app, &mut report).await.unwrap();
        service::process_reviewed(&self.env.app, &ManualSettlementPayouts, &mut report).await.unwrap();
        report
    }

    pub async fn balance(&self, customer: &str, program: &str) -> u64 {
        let view = self.call("GET", "/api/v1/customers/me", customer, "customer", None, &[]).await;
        assert_eq!(view.status, 200, "{}", view.json);
        view.json["balances"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["programBusinessId"] == program)
            .map_or(0, |b| b["points"].as_u64().unwrap())
    }
}

pub fn percentage(a: &str, b: &str) -> Value {
    json!({ "type": "PERCENTAGE", "businessAShare": a, "businessBShare": b, "settlementFrequency": "MONTHLY" })
}
