//! The anomaly scan (the spec's Risk 2), free of I/O: a period's lines are
//! fed to it as the settlement reads them, and it answers which rules the
//! period broke. A flagged period's settlement is held for review.
//!
//! Memory grows with the customers who redeem within one hour and with the
//! period's days, never with its lines.

use std::collections::{BTreeMap, HashMap, VecDeque};

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::businesses::geo::haversine_km;
use crate::partner_transactions::domain::{PartnerTransaction, TxType};
use crate::partnerships::anomaly_rules::Thresholds;

/// Transaction ids kept per flag, as examples for the reviewer.
const EXAMPLES: usize = 20;

/// Why a period was flagged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Flag {
    /// `RAPID_REDEMPTIONS`, `DAILY_SPIKE`, `HIGH_REVERSALS` or `FAR_FROM_RECORDER`.
    pub rule: String,
    /// In words, with the numbers.
    pub detail: String,
    /// How many times (customers, days, lines) it was seen.
    pub occurrences: u64,
    /// Some of the lines behind it.
    #[serde(default)]
    pub transaction_ids: Vec<String>,
}

/// The recorders' registered locations, (lat, lng), by business id.
pub type Places = HashMap<String, (f64, f64)>;

/// The running scan of one period.
pub struct Scan {
    limits: Thresholds,
    places: Places,
    /// Per (customer, redeeming business): the redemptions within the last
    /// hour of the latest one.
    recent: HashMap<(String, String), VecDeque<OffsetDateTime>>,
    rapid: BTreeMap<(String, String), Vec<String>>,
    per_day: BTreeMap<time::Date, u64>,
    transactions: u64,
    reversals: u64,
    reversal_ids: Vec<String>,
    far: Vec<String>,
    far_count: u64,
    volume_cents: u64,
}

/// What the scan found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Findings {
    pub flags: Vec<Flag>,
    /// The sum of the lines' amounts (cents).
    pub volume_cents: u64,
    /// At or above the review volume: held whether flagged or not.
    pub high_value: bool,
}

impl Scan {
    pub fn new(limits: Thresholds, places: Places) -> Scan {
        Scan {
            limits,
            places,
            recent: HashMap::new(),
            rapid: BTreeMap::new(),
            per_day: BTreeMap::new(),
            transactions: 0,
            reversals: 0,
            reversal_ids: Vec::new(),
            far: Vec::new(),
            far_count: 0,
            volume_cents: 0,
        }
    }

    /// Adds one line (lines arrive in the order they were recorded).
    pub fn add(&mut self, t: &PartnerTransaction) {
        self.transactions += 1;
        if t.transaction_type != TxType::Adjustment {
            self.volume_cents = self.volume_cents.saturating_add(t.amount);
        }
        let at = OffsetDateTime::parse(&t.timestamp, &Rfc3339).ok();
        if let Some(at) = at {
            *self.per_day.entry(at.date()).or_default() += 1;
        }
        match t.transaction_type {
            TxType::Reversal => {
                self.reversals += 1;
                if self.reversal_ids.len() < EXAMPLES {
                    self.reversal_ids.push(t.id.clone());
                }
            }
            TxType::Redeem => {
                if let Some(at) = at {
                    self.redemption(t, at);
                }
            }
            _ => {}
        }
        if let (Some((lat, lng)), Some(&(home_lat, home_lng))) =
            (t.location_e6, self.places.get(&t.recorded_by_business_id))
        {
            let km = haversine_km(home_lat, home_lng, f64::from(lat) / 1e6, f64::from(lng) / 1e6);
            if km >= f64::from(self.limits.max_distance_km) {
                self.far_count += 1;
                if self.far.len() < EXAMPLES {
                    self.far.push(t.id.clone());
                }
            }
        }
    }

    fn redemption(&mut self, t: &PartnerTransaction, at: OffsetDateTime) {
        let at_business = t.redeeming_business_id.clone().unwrap_or_else(|| t.recorded_by_business_id.clone());
        let key = (t.customer_id.clone(), at_business);
        let window = self.recent.entry(key.clone()).or_default();
        window.push_back(at);
        // Lines come in recording order; a back-dated one only widens the window.
        while window.front().is_some_and(|first| at - *first >= time::Duration::HOUR) {
            window.pop_front();
        }
        if window.len() > self.limits.max_redemptions_per_hour as usize {
            let ids = self.rapid.entry(key).or_default();
            if ids.len() < EXAMPLES {
                ids.push(t.id.clone());
            }
        }
    }

    pub fn finish(self) -> Findings {
        let l = self.limits;
        let mut flags = Vec::new();
        if !self.rapid.is_empty() {
            let (customer, at) = self.rapid.keys().next().cloned().unwrap_or_default();
            flags.push(Flag {
                rule: "RAPID_REDEMPTIONS".into(),
                detail: format!(
                    "{} customer(s) redeemed more than {} times within an hour at one business (first: {customer} at {at})",
                    self.rapid.len(),
                    l.max_redemptions_per_hour
                ),
                occurrences: self.rapid.len() as u64,
                transaction_ids: self.rapid.values().flatten().take(EXAMPLES).cloned().collect(),
            });
        }
        let spikes = spikes(&self.per_day, l.daily_spike_factor, l.daily_spike_min_recordings);
        if let Some((day, count, average)) = spikes.first() {
            flags.push(Flag {
                rule: "DAILY_SPIKE".into(),
                detail: format!(
                    "{} day(s) with more than {} times the average recordings of the days before (first: {day}, {count} against {average:.1})",
                    spikes.len(),
                    l.daily_spike_factor
                ),
                occurrences: spikes.len() as u64,
                transaction_ids: vec![],
            });
        }
        if self.transactions >= u64::from(l.reversal_min_transactions)
            && self.reversals * 100 > self.transactions * u64::from(l.max_reversal_percent)
        {
            flags.push(Flag {
                rule: "HIGH_REVERSALS".into(),
                detail: format!(
                    "{} of {} transactions are reversals, over {}%",
                    self.reversals, self.transactions, l.max_reversal_percent
                ),
                occurrences: self.reversals,
                transaction_ids: self.reversal_ids,
            });
        }
        if self.far_count > 0 {
            flags.push(Flag {
                rule: "FAR_FROM_RECORDER".into(),
                detail: format!(
                    "{} recording(s) made {} km or more from the recorder's registered location",
                    self.far_count, l.max_distance_km
                ),
                occurrences: self.far_count,
                transaction_ids: self.far,
            });
        }
        Findings { flags, volume_cents: self.volume_cents, high_value: self.volume_cents >= l.review_volume_cents }
    }
}

/// Days (with their count and the average they are compared with) whose
/// recordings exceed `factor` times the average of the days before them
/// in the period, from its first day with a recording, the quiet days
/// counting as zero. A day needs `min` recordings to count, and at least
/// three days before it.
fn spikes(per_day: &BTreeMap<time::Date, u64>, factor: u32, min: u32) -> Vec<(time::Date, u64, f64)> {
    let Some((&first, _)) = per_day.iter().next() else { return vec![] };
    let mut out = Vec::new();
    for (&day, &count) in per_day {
        let before = (day - first).whole_days();
        if before < 3 || count < u64::from(min) {
            continue;
        }
        let earlier: u64 = per_day.range(first..day).map(|(_, c)| c).sum();
        let average = earlier as f64 / before as f64;
        if count as f64 > f64::from(factor) * average.max(1.0) {
            out.push((day, count, average));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partner_transactions::domain::PartnerTransaction;
    use time::macros::datetime;

    fn line(i: u64, kind: TxType, customer: &str, at: OffsetDateTime) -> PartnerTransaction {
        serde_json::from_value(serde_json::json!({
            "id": format!("t{i:06}"), "partnershipId": "p", "transactionType": kind, "customerId": customer,
            "recordedByBusinessId": "b", "originBusinessId": "a", "redeemingBusinessId": "b", "amount": 1_000,
            "revenueSharingAmount": 25, "netAToB": 0, "termsVersion": 1,
            "timestamp": crate::platform::clock::rfc3339(at), "recordedAt": crate::platform::clock::rfc3339(at),
            "periodStart": "2026-03-01", "idempotencyKey": format!("k{i}"), "recordedBy": "u",
        }))
        .unwrap()
    }

    /// A small deterministic generator.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self, below: u64) -> u64 {
            self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) % below
        }
    }

    /// A normal month: 10,000 transactions of $10 over 31 days, opening
    /// hours only, 1,000 customers, a third redemptions, 2% reversals.
    pub fn normal_month(seed: u64) -> Vec<PartnerTransaction> {
        let mut rng = Lcg(seed);
        let start = datetime!(2026-03-01 00:00 UTC);
        let mut lines: Vec<PartnerTransaction> = (0..10_000u64)
            .map(|i| {
                let day = rng.next(31) as i64;
                let at = start + time::Duration::days(day) + time::Duration::minutes(8 * 60 + rng.next(13 * 60) as i64);
                let kind = match rng.next(100) {
                    0..=1 => TxType::Reversal,
                    2..=34 => TxType::Redeem,
                    _ => TxType::Earn,
                };
                line(i, kind, &format!("c{}", rng.next(1_000)), at)
            })
            .collect();
        lines.sort_by(|a, b| a.timestamp.cmp(&b.timestamp));
        lines
    }

    fn scan(lines: &[PartnerTransaction], limits: Thresholds, places: Places) -> Findings {
        let mut s = Scan::new(limits, places);
        lines.iter().for_each(|t| s.add(t));
        s.finish()
    }

    #[test]
    fn a_normal_month_of_ten_thousand_transactions_raises_no_flag() {
        for seed in 1..=5 {
            let found = scan(&normal_month(seed), Thresholds::DEFAULT, Places::new());
            assert_eq!(found.flags, vec![], "seed {seed}");
            assert!(!found.high_value, "$100,000 is below the default review volume: {}", found.volume_cents);
        }
    }

    #[test]
    fn each_rule_flags_its_pattern() {
        let at = datetime!(2026-03-20 12:00 UTC);
        let base = normal_month(9);
        // Six redemptions by one customer in 50 minutes.
        let mut rapid = base.clone();
        rapid.extend(
            (0..6).map(|i| line(90_000 + i, TxType::Redeem, "fraudster", at + time::Duration::minutes(10 * i as i64))),
        );
        let found = scan(&rapid, Thresholds::DEFAULT, Places::new());
        assert_eq!(found.flags.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(), ["RAPID_REDEMPTIONS"]);
        assert_eq!(found.flags[0].transaction_ids, ["t090005"]);
        // Five in an hour is allowed.
        rapid.pop();
        assert_eq!(scan(&rapid, Thresholds::DEFAULT, Places::new()).flags, vec![]);
        // A day of 3,000 against ~320 a day.
        let mut spike = base.clone();
        spike.extend((0..3_000).map(|i| line(100_000 + i, TxType::Earn, &format!("s{i}"), at)));
        let found = scan(&spike, Thresholds::DEFAULT, Places::new());
        assert_eq!(
            found.flags.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(),
            ["DAILY_SPIKE"],
            "{:?}",
            found.flags
        );
        // Reversals: 21 of 100 is over 20%; 20 of 100 is not.
        let period = |reversals: u64| -> Vec<_> {
            (0..100)
                .map(|i| {
                    let kind = if i < reversals { TxType::Reversal } else { TxType::Earn };
                    line(i, kind, "c", at + time::Duration::minutes(i as i64))
                })
                .collect()
        };
        let found = scan(&period(21), Thresholds::DEFAULT, Places::new());
        assert_eq!(found.flags.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(), ["HIGH_REVERSALS"]);
        assert_eq!(scan(&period(20), Thresholds::DEFAULT, Places::new()).flags, vec![]);
        // A recording 500 km from its recorder (Montreal to Toronto).
        let mut far = base;
        let mut there = line(200_000, TxType::Earn, "c", at);
        there.location_e6 = Some((43_651_000, -79_347_000));
        far.push(there);
        let places = Places::from([("b".to_string(), (45.5017, -73.5673))]);
        let found = scan(&far, Thresholds::DEFAULT, places.clone());
        assert_eq!(found.flags.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(), ["FAR_FROM_RECORDER"]);
        let wide = Thresholds { max_distance_km: 1_000, ..Thresholds::DEFAULT };
        assert_eq!(scan(&far, wide, places).flags, vec![]);
    }

    #[test]
    fn a_period_at_the_review_volume_is_high_value() {
        let lines = normal_month(3);
        let volume = scan(&lines, Thresholds::DEFAULT, Places::new()).volume_cents;
        let at = Thresholds { review_volume_cents: volume, ..Thresholds::DEFAULT };
        assert!(scan(&lines, at, Places::new()).high_value);
        let above = Thresholds { review_volume_cents: volume + 1, ..Thresholds::DEFAULT };
        assert!(!scan(&lines, above, Places::new()).high_value);
    }
}
