//! Month keys, ranking order and elimination candidates: pure rules.

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Date, Month, OffsetDateTime, Time, UtcOffset};

use crate::platform::error::AppError;
use crate::seats::domain::SeatStatus;

/// How many active seats a cycle eliminates.
pub const ELIMINATED_PER_CYCLE: usize = 10;

/// A calendar month in UTC, written `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MonthKey {
    pub year: i32,
    pub month: u8,
}

impl MonthKey {
    pub fn parse(text: &str) -> Result<Self, AppError> {
        let bad = || {
            AppError::bad_request("INVALID_MONTH_KEY", format!("monthKey must be YYYY-MM, like 2026-02, not {text:?}"))
        };
        let b = text.as_bytes();
        if b.len() != 7 || b[4] != b'-' || !b.iter().enumerate().all(|(i, c)| i == 4 || c.is_ascii_digit()) {
            return Err(bad());
        }
        let year: i32 = text[..4].parse().map_err(|_| bad())?;
        let month: u8 = text[5..].parse().map_err(|_| bad())?;
        if !(1..=12).contains(&month) || year < 2000 {
            return Err(bad());
        }
        Ok(MonthKey { year, month })
    }

    pub fn of(instant: OffsetDateTime) -> Self {
        let utc = instant.to_offset(UtcOffset::UTC);
        MonthKey { year: utc.year(), month: utc.month() as u8 }
    }

    pub fn previous(self) -> Self {
        if self.month == 1 {
            MonthKey { year: self.year - 1, month: 12 }
        } else {
            MonthKey { year: self.year, month: self.month - 1 }
        }
    }

    /// The first instant of the month (UTC).
    pub fn start(self) -> OffsetDateTime {
        let month = Month::try_from(self.month).expect("validated month");
        Date::from_calendar_date(self.year, month, 1).expect("valid date").with_time(Time::MIDNIGHT).assume_utc()
    }

    /// The given month (checked like `parse_not_future`), or the current one.
    pub fn given_or_current(text: Option<&str>, now: OffsetDateTime) -> Result<Self, AppError> {
        match text {
            Some(t) => Self::parse_not_future(t, now),
            None => Ok(Self::of(now)),
        }
    }

    /// Refuses a month that has not started yet at `now`: it has no
    /// scores to rank. The current month is allowed (the runbook executes
    /// on its last day).
    pub fn parse_not_future(text: &str, now: OffsetDateTime) -> Result<Self, AppError> {
        let key = Self::parse(text)?;
        if key > Self::of(now) {
            return Err(AppError::bad_request("MONTH_IN_FUTURE", format!("monthKey {key} has not started yet")));
        }
        Ok(key)
    }
}

/// Which months may be executed at `now`: the current one (closing it on
/// its last day) and the one that just ended. An earlier month would be
/// ranked on scores nobody is adding to any more (10 seats eliminated on
/// nothing), so it needs an operator's explicit, audited override.
pub fn check_executable(month: MonthKey, now: OffsetDateTime, overridden: bool) -> Result<(), AppError> {
    let current = MonthKey::of(now);
    if month > current {
        return Err(AppError::bad_request("MONTH_IN_FUTURE", format!("monthKey {month} has not started yet")));
    }
    if month >= current.previous() || overridden {
        return Ok(());
    }
    Err(AppError::new(crate::platform::error::ErrorKind::NotAllowed,
        "CYCLE_MONTH_NOT_ALLOWED",
        format!(
            "only {} (the month that just ended) or {current} can be executed; an earlier month needs \"pastMonthOverride\": true with a reason",
            current.previous()
        ),
    ))
}

impl fmt::Display for MonthKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// One seat's standing in a month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Standing {
    pub seat_id: String,
    pub wallet: String,
    pub score: i64,
    pub joined_at: String,
    pub status: SeatStatus,
    /// What the seat cost; its refund pays this back if it is eliminated.
    #[serde(default)]
    pub price_paid_cents: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RankedRow {
    /// 1 is the best; the last ranks are eliminated.
    pub rank: u32,
    #[serde(flatten)]
    pub standing: Standing,
}

/// Best first: higher score, then earlier join (of equal scores the most
/// recently joined ranks worst), then seat id so the order is total.
/// `joinedAt` is RFC 3339 UTC, so text order is time order.
pub fn better_first(a: &Standing, b: &Standing) -> Ordering {
    b.score.cmp(&a.score).then_with(|| a.joined_at.cmp(&b.joined_at)).then_with(|| a.seat_id.cmp(&b.seat_id))
}

pub fn rank(mut standings: Vec<Standing>) -> Vec<RankedRow> {
    standings.sort_by(better_first);
    standings.into_iter().enumerate().map(|(i, standing)| RankedRow { rank: i as u32 + 1, standing }).collect()
}

/// The bottom `ELIMINATED_PER_CYCLE` of a ranking (all of them when fewer),
/// worst first.
pub fn elimination_candidates(ranking: &[RankedRow]) -> Vec<RankedRow> {
    ranking.iter().rev().take(ELIMINATED_PER_CYCLE).cloned().collect()
}

/// The largest points adjustment at once, either way.
pub const MAX_POINTS: u64 = 1_000_000_000;

/// An admin's points adjustment: non-zero and within ±`MAX_POINTS`
/// (checked on the magnitude, so `i64::MIN` cannot slip through).
pub fn points_adjustment(points: i64) -> Result<i64, AppError> {
    if points == 0 || points.unsigned_abs() > MAX_POINTS {
        return Err(AppError::bad_request("INVALID_POINTS", "points must be non-zero and within ±1000000000"));
    }
    Ok(points)
}

// ---- runs ----

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RunStatus {
    InProgress,
    Completed,
}

impl RunStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            RunStatus::InProgress => "IN_PROGRESS",
            RunStatus::Completed => "COMPLETED",
        }
    }
}

/// A month's cycle run: a resumable state machine.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    pub month_key: String,
    pub status: RunStatus,
    pub started_at: String,
    pub started_by: String,
    pub reason: String,
    /// Frozen at claim time: a resumed run eliminates exactly these.
    pub candidates: Vec<RankedRow>,
    pub active_seats_at_start: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<String>,
    /// Unix seconds until which the holder of `lease_token` owns the run.
    pub lease_until: i64,
    pub lease_token: String,
    /// Seats whose elimination transaction committed (stored as a string
    /// set, which serde cannot express: the store reads and writes it).
    #[serde(skip)]
    pub eliminated_seat_ids: BTreeSet<String>,
}

/// The full ranking frozen when a run was claimed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub month_key: String,
    pub taken_at: String,
    pub ranking: Vec<RankedRow>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    fn st(id: &str, score: i64, joined: &str) -> Standing {
        Standing {
            seat_id: id.into(),
            wallet: format!("w{id}"),
            score,
            joined_at: joined.into(),
            status: SeatStatus::Active,
            price_paid_cents: 0,
        }
    }

    #[test]
    fn month_keys_parse_strictly() {
        assert_eq!(MonthKey::parse("2026-02").unwrap(), MonthKey { year: 2026, month: 2 });
        for bad in
            ["2026-2", "2026-13", "2026-00", "26-02", "2026/02", "2026-02-01", "", "abcd-ef", "1999-12", "+026-02"]
        {
            assert_eq!(MonthKey::parse(bad).unwrap_err().code, "INVALID_MONTH_KEY", "{bad}");
        }
    }

    #[test]
    fn future_months_are_refused_but_the_current_one_is_not() {
        let now = datetime!(2026-02-28 23:00 UTC);
        assert!(MonthKey::parse_not_future("2026-02", now).is_ok());
        assert!(MonthKey::parse_not_future("2025-12", now).is_ok());
        assert_eq!(MonthKey::parse_not_future("2026-03", now).unwrap_err().code, "MONTH_IN_FUTURE");
    }

    #[test]
    fn months_step_back_across_years_and_start_at_midnight_utc() {
        assert_eq!(MonthKey::parse("2026-01").unwrap().previous().to_string(), "2025-12");
        assert_eq!(MonthKey::of(datetime!(2026-03-01 00:05 UTC)).previous().to_string(), "2026-02");
        assert_eq!(MonthKey::of(datetime!(2026-03-01 00:30 +01:00)).to_string(), "2026-02");
        assert_eq!(MonthKey::parse("2026-02").unwrap().start(), datetime!(2026-02-01 00:00 UTC));
    }

    #[test]
    fn ties_break_on_join_time_then_seat_id() {
        let ranking = rank(vec![
            st("a", 5, "2026-01-01T00:00:00Z"),
            st("b", 5, "2026-01-03T00:00:00Z"), // same score, joined later: worse
            st("c", 1, "2026-01-01T00:00:00Z"),
            st("d", 5, "2026-01-03T00:00:00Z"), // same score and time as b: id decides
            st("e", 9, "2026-01-09T00:00:00Z"),
        ]);
        let order: Vec<&str> = ranking.iter().map(|r| r.standing.seat_id.as_str()).collect();
        assert_eq!(order, ["e", "a", "b", "d", "c"]);
        assert_eq!(ranking.iter().map(|r| r.rank).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
        let worst: Vec<_> = elimination_candidates(&ranking).into_iter().map(|r| r.standing.seat_id).collect();
        assert_eq!(worst, ["c", "d", "b", "a", "e"]);
    }

    fn standings() -> impl Strategy<Value = Vec<Standing>> {
        // Few distinct scores and join days, so ties are common.
        prop::collection::vec((-3i64..3, 1u8..4), 0..40).prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (score, day))| st(&format!("{i:03}"), score, &format!("2026-01-0{day}T00:00:00Z")))
                .collect()
        })
    }

    proptest! {
        #[test]
        fn ranking_is_a_total_order_independent_of_input_order(list in standings(), seed in any::<u64>()) {
            let mut shuffled = list.clone();
            // A deterministic shuffle from the seed.
            let n = shuffled.len();
            for i in 0..n {
                let j = ((seed.wrapping_mul(6364136223846793005).wrapping_add(i as u64)) % n as u64) as usize;
                shuffled.swap(i, j);
            }
            prop_assert_eq!(rank(list.clone()), rank(shuffled));
        }

        #[test]
        fn candidates_are_the_bottom_ten_and_no_survivor_is_worse(list in standings()) {
            let ranking = rank(list.clone());
            let candidates = elimination_candidates(&ranking);
            prop_assert_eq!(candidates.len(), list.len().min(ELIMINATED_PER_CYCLE));
            for c in &candidates {
                for s in ranking.iter().filter(|r| !candidates.iter().any(|c| c.standing.seat_id == r.standing.seat_id)) {
                    // Every survivor ranks strictly better than every candidate.
                    prop_assert_eq!(better_first(&s.standing, &c.standing), Ordering::Less);
                    prop_assert!(s.standing.score >= c.standing.score);
                    if s.standing.score == c.standing.score {
                        prop_assert!(s.standing.joined_at <= c.standing.joined_at);
                    }
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn points_adjustments_are_bounded_over_the_whole_i64_range(points in proptest::prelude::any::<i64>()) {
            let expected = points != 0 && (points as i128).abs() <= MAX_POINTS as i128;
            proptest::prop_assert_eq!(points_adjustment(points).is_ok(), expected);
        }
    }

    #[test]
    fn extreme_points_are_refused() {
        for bad in [i64::MIN, i64::MAX, 0, 1_000_000_001] {
            assert_eq!(points_adjustment(bad).unwrap_err().code, "INVALID_POINTS", "{bad}");
        }
    }

    #[test]
    fn only_the_month_that_just_ended_or_the_current_one_runs_without_an_override() {
        let now = time::macros::datetime!(2026-03-10 12:00 UTC);
        let m = |t: &str| MonthKey::parse(t).unwrap();
        assert!(check_executable(m("2026-03"), now, false).is_ok());
        assert!(check_executable(m("2026-02"), now, false).is_ok());
        assert_eq!(check_executable(m("2026-01"), now, false).unwrap_err().code, "CYCLE_MONTH_NOT_ALLOWED");
        assert_eq!(
            check_executable(m("2025-02"), now, false).unwrap_err().kind,
            crate::platform::error::ErrorKind::NotAllowed
        );
        assert!(check_executable(m("2025-02"), now, true).is_ok());
        assert_eq!(check_executable(m("2026-04"), now, true).unwrap_err().code, "MONTH_IN_FUTURE");
        // Across a year: in January, last December has just ended.
        let january = time::macros::datetime!(2027-01-01 00:05 UTC);
        assert!(check_executable(m("2026-12"), january, false).is_ok());
        assert!(check_executable(m("2026-11"), january, false).is_err());
    }
}
