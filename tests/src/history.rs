//! Months of partner transactions made up in bulk, shaped like recorded
//! ones (ULID ids in time order, the share and its direction), for tests
//! and benchmarks that need more history than recording makes quickly.

use std::collections::BTreeMap;

use serde_json::json;
use shared::partner_transactions::domain::PartnerTransaction;
use shared::platform::clock::rfc3339;
use shared::App;
use time::{Date, Duration, OffsetDateTime, Time};

/// A small deterministic generator.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below.max(1)
    }
}

/// The partnership the lines belong to: A's points program, 5% to the
/// business where they are redeemed.
pub struct Pair<'a> {
    pub partnership_id: &'a str,
    pub a: &'a str,
    pub b: &'a str,
}

/// One line at `at`: a REDEEM of A's points at B (A owes B 5%; `kind` 0),
/// a REDEEM of B's points at A (B owes A; 1), an EARN at B (no share; 2),
/// or a REVERSAL at B of nothing this history holds (no share; 3).
pub fn line(
    pair: &Pair<'_>,
    period_start: Date,
    n: u64,
    kind: u64,
    customer: &str,
    at: OffsetDateTime,
) -> PartnerTransaction {
    let id = ulid::Ulid::from_parts(u64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(0), u128::from(n))
        .to_string();
    let amount = 100 + (n * 37) % 1_900;
    let share = amount * 5 / 100;
    let (kind, payer, payee, net, recorder) = match kind {
        0 => ("REDEEM", Some(pair.a), Some(pair.b), share as i64, pair.b),
        1 => ("REDEEM", Some(pair.b), Some(pair.a), -(share as i64), pair.a),
        2 => ("EARN", None, None, 0, pair.b),
        _ => ("REVERSAL", None, None, 0, pair.b),
    };
    let shared = if kind == "REDEEM" { share } else { 0 };
    serde_json::from_value(json!({
        "id": id, "partnershipId": pair.partnership_id, "transactionType": kind, "customerId": customer,
        "recordedByBusinessId": recorder, "originBusinessId": payer.unwrap_or(pair.b),
        "redeemingBusinessId": if kind == "REDEEM" { Some(recorder) } else { None },
        "amount": amount, "revenueSharingAmount": shared, "payerBusinessId": payer, "payeeBusinessId": payee,
        "netAToB": net, "termsVersion": 1, "timestamp": rfc3339(at), "recordedAt": rfc3339(at),
        "periodStart": period_start.to_string(), "idempotencyKey": format!("seed-{n}"), "recordedBy": "seed",
    }))
    .expect("a generated line is a transaction")
}

/// An ordinary month: `n` lines spread over the month's days between 8:00
/// and 21:00, `customers` customers, two thirds redemptions.
pub fn normal_month(pair: &Pair<'_>, start: Date, n: u64, customers: u64, seed: u64) -> Vec<PartnerTransaction> {
    let mut rng = Lcg(seed);
    let days = u64::from(start.month().length(start.year()));
    let midnight = OffsetDateTime::new_utc(start, Time::MIDNIGHT);
    let mut lines: Vec<PartnerTransaction> = (0..n)
        .map(|i| {
            let at = midnight
                + Duration::days(rng.next(days) as i64)
                + Duration::minutes(8 * 60 + rng.next(13 * 60) as i64)
                + Duration::seconds(rng.next(60) as i64);
            let kind = match rng.next(3) {
                0 | 1 => u64::from(rng.next(4) == 0), // mostly A's points redeemed at B
                _ => 2,
            };
            line(pair, start, seed * 1_000_000 + i, kind, &format!("hc{}", rng.next(customers)), at)
        })
        .collect();
    lines.sort_by(|x, y| x.id.cmp(&y.id));
    lines
}

/// Writes the lines and their periods' counters (monthly periods), as
/// recordings would have left them.
pub async fn seed(app: &App, lines: &[PartnerTransaction]) {
    let mut periods: BTreeMap<(String, String), Vec<PartnerTransaction>> = BTreeMap::new();
    for t in lines {
        periods.entry((t.partnership_id.clone(), t.period_start.clone())).or_default().push(t.clone());
    }
    for ((partnership, start), txs) in periods {
        let first = Date::parse(&start, &time::macros::format_description!("[year]-[month]-[day]")).expect("a date");
        let end = first + Duration::days(i64::from(first.month().length(first.year())));
        shared::partner_transactions::store::bulk_load(app, &partnership, &start, &end.to_string(), &txs)
            .await
            .expect("seeded");
    }
}
