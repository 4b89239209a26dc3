//! Points liability, free of I/O: what a program's outstanding points are
//! worth to the business that issued them, and how that moved each month.
//!
//! Every balance movement is counted in the same transaction as the balance
//! itself (`store::movement`), on one of a few shards per month so that a
//! busy program's counters are not one hot item. The outstanding points
//! are the sum of every month's net movement, so they equal the sum of the
//! customers' balances at every commit; the reconciliation job checks it.
//!
//! Expiry (optional per program): a balance without activity for the
//! program's `expiry_months` expires whole; the value it had is breakage.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::domain::PointsProgram;

/// Shards per program and month: spreads a busy program's counter writes.
pub const SHARDS: u32 = 8;

/// One movement of a customer's points in a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Movement {
    Earned(u64),
    Redeemed(u64),
    /// An earn reversed: the points leave the balance again.
    EarnReversed(u64),
    /// A redemption reversed: the points come back.
    RedeemReversed(u64),
    Expired(u64),
}

impl Movement {
    /// The counter it adds to, and by how much.
    pub fn counter(self) -> (&'static str, u64) {
        match self {
            Movement::Earned(p) => ("earned", p),
            Movement::Redeemed(p) => ("redeemed", p),
            Movement::EarnReversed(p) => ("earnReversed", p),
            Movement::RedeemReversed(p) => ("redeemReversed", p),
            Movement::Expired(p) => ("expired", p),
        }
    }
}

/// One program's counters for one month (summed over its shards).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MonthCounters {
    #[serde(default)]
    pub earned: u64,
    #[serde(default)]
    pub redeemed: u64,
    #[serde(default)]
    pub earn_reversed: u64,
    #[serde(default)]
    pub redeem_reversed: u64,
    #[serde(default)]
    pub expired: u64,
}

impl MonthCounters {
    pub fn add(&mut self, other: &MonthCounters) {
        self.earned = self.earned.saturating_add(other.earned);
        self.redeemed = self.redeemed.saturating_add(other.redeemed);
        self.earn_reversed = self.earn_reversed.saturating_add(other.earn_reversed);
        self.redeem_reversed = self.redeem_reversed.saturating_add(other.redeem_reversed);
        self.expired = self.expired.saturating_add(other.expired);
    }

    /// What the month added to the outstanding points (negative: took).
    pub fn net(&self) -> i128 {
        i128::from(self.earned) + i128::from(self.redeem_reversed)
            - i128::from(self.redeemed)
            - i128::from(self.earn_reversed)
            - i128::from(self.expired)
    }
}

/// A month in the liability report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MonthView {
    /// `YYYY-MM`.
    pub month: String,
    #[serde(flatten)]
    pub counters: MonthCounters,
    pub net_points: i64,
    /// The expired points' worth at the current redemption value.
    pub breakage_cents: u64,
}

/// Outstanding points and their worth, from the months' counters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Liability {
    pub outstanding_points: i64,
    /// At the current redemption value, rounded down.
    pub outstanding_value_cents: u64,
    pub expired_points: u64,
    pub breakage_cents: u64,
    /// Oldest first.
    pub months: Vec<MonthView>,
}

fn clamp_i64(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

/// The liability of `program` from its counters by month.
pub fn liability(program: &PointsProgram, months: &BTreeMap<String, MonthCounters>) -> Liability {
    let mut outstanding: i128 = 0;
    let mut expired: u64 = 0;
    let views = months
        .iter()
        .map(|(month, c)| {
            outstanding += c.net();
            expired = expired.saturating_add(c.expired);
            MonthView {
                month: month.clone(),
                counters: *c,
                net_points: clamp_i64(c.net()),
                breakage_cents: program.value_of(c.expired),
            }
        })
        .collect();
    let outstanding_points = clamp_i64(outstanding);
    Liability {
        outstanding_points,
        outstanding_value_cents: program.value_of(u64::try_from(outstanding_points).unwrap_or(0)),
        expired_points: expired,
        breakage_cents: program.value_of(expired),
        months: views,
    }
}

/// `t` moved by `months` calendar months, on the same day of the month
/// clamped to the month's last day. `None`: beyond representable dates.
fn add_months(t: OffsetDateTime, months: i64) -> Option<OffsetDateTime> {
    let total = i64::from(t.year()).checked_mul(12)? + i64::from(u8::from(t.month()) - 1) + months;
    let year = i32::try_from(total.div_euclid(12)).ok()?;
    let month = time::Month::try_from(u8::try_from(total.rem_euclid(12) + 1).ok()?).ok()?;
    let day = t.day().min(month.length(year));
    Some(t.replace_date(time::Date::from_calendar_date(year, month, day).ok()?))
}

/// The first instant a balance last active at `last_activity` may expire
/// under a program expiring after `months` months without activity.
pub fn expires_at(last_activity: OffsetDateTime, months: u32) -> Option<OffsetDateTime> {
    add_months(last_activity, i64::from(months))
}

/// What an expiry run at `now` reads: every balance that `has_expired` was
/// last active before it. A few days later than `now` less the months,
/// because `expires_at` clamps the 31st to a shorter month's end; the run
/// still checks each balance it reads with `has_expired`.
pub fn cutoff(now: OffsetDateTime, months: u32) -> Option<OffsetDateTime> {
    Some(add_months(now, -i64::from(months))? + Duration::days(4))
}

/// Whether a balance last active at `last_activity` has expired at `now`.
pub fn has_expired(last_activity: OffsetDateTime, months: u32, now: OffsetDateTime) -> bool {
    expires_at(last_activity, months).is_some_and(|at| at <= now)
}

/// Months of inactivity a program may set before its points expire.
pub const EXPIRY_MONTHS: std::ops::RangeInclusive<u32> = 1..=120;

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn program() -> PointsProgram {
        PointsProgram {
            business_id: "a".into(),
            points_per_dollar: 10,
            redemption_cents: 100,
            redemption_points: 100,
            version: 1,
            updated_at: String::new(),
            updated_by: String::new(),
            expiry_months: None,
        }
    }

    #[test]
    fn outstanding_is_the_sum_of_every_months_net_and_breakage_is_the_expired_worth() {
        let months = BTreeMap::from([
            ("2026-01".to_string(), MonthCounters { earned: 1_000, redeemed: 300, ..Default::default() }),
            (
                "2026-02".to_string(),
                MonthCounters {
                    earned: 50,
                    earn_reversed: 20,
                    redeem_reversed: 100,
                    expired: 200,
                    ..Default::default()
                },
            ),
        ]);
        let l = liability(&program(), &months);
        assert_eq!(l.outstanding_points, 1_000 - 300 + 50 - 20 + 100 - 200);
        assert_eq!(l.outstanding_value_cents, 630, "a point is worth a cent");
        assert_eq!((l.expired_points, l.breakage_cents), (200, 200));
        assert_eq!(l.months[1].net_points, -70);
    }

    #[test]
    fn a_balance_expires_on_the_same_day_months_later_clamped_to_the_months_end() {
        let at = datetime!(2026-08-31 10:00 UTC);
        assert_eq!(expires_at(at, 6), Some(datetime!(2027-02-28 10:00 UTC)));
        assert_eq!(expires_at(datetime!(2026-01-15 00:00 UTC), 12), Some(datetime!(2027-01-15 00:00 UTC)));
        assert!(!has_expired(at, 6, datetime!(2027-02-28 09:59 UTC)));
        assert!(has_expired(at, 6, datetime!(2027-02-28 10:00 UTC)));
        assert_eq!(expires_at(datetime!(9999-12-01 00:00 UTC), 120), None, "beyond representable dates");
    }

    #[test]
    fn every_balance_before_the_cutoff_has_expired_and_none_after_it() {
        let now = datetime!(2027-03-31 12:00 UTC);
        for months in [1, 6, 13] {
            let cut = cutoff(now, months).unwrap();
            let mut t = cut - Duration::days(40);
            let mut expired = 0;
            while t < cut + Duration::days(40) {
                if has_expired(t, months, now) {
                    assert!(t < cut, "{t} expired but a run reading up to {cut} would miss it ({months} months)");
                    expired += 1;
                }
                t += Duration::hours(7);
            }
            assert!(expired > 100, "the window holds expired balances");
        }
    }
}
