//! Settlement periods: calendar months, quarters or years in UTC, each
//! `[start, end)`. Free of I/O.

use time::{Date, Month, OffsetDateTime, Time};

use serde::{Deserialize, Serialize};

use super::domain::SettlementFrequency;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Period {
    pub start: Date,
    /// The first day of the next period (exclusive).
    pub end: Date,
}

/// The first of a month, `None` past the calendar's end (year 9999): a
/// date from input never panics here.
fn first_of(year: i32, month: u8) -> Option<Date> {
    let (year, month) = if month > 12 { (year.checked_add(1)?, month - 12) } else { (year, month) };
    Date::from_calendar_date(year, Month::try_from(month).ok()?, 1).ok()
}

impl Period {
    /// The period of `frequency` that holds the instant `at` (`None` if it
    /// would end past the calendar's last year).
    pub fn of(frequency: SettlementFrequency, at: OffsetDateTime) -> Option<Period> {
        let at = at.to_offset(time::UtcOffset::UTC);
        let (year, month) = (at.year(), u8::from(at.month()));
        let (first, months) = match frequency {
            SettlementFrequency::Monthly => (month, 1),
            SettlementFrequency::Quarterly => (month - (month - 1) % 3, 3),
            SettlementFrequency::Annual => (1, 12),
        };
        Some(Period { start: first_of(year, first)?, end: first_of(year, first + months)? })
    }

    /// `YYYY-MM-DD` of its start: the period's name in keys and the API.
    pub fn key(&self) -> String {
        self.start.to_string()
    }

    pub fn start_instant(&self) -> OffsetDateTime {
        self.start.with_time(Time::MIDNIGHT).assume_utc()
    }

    pub fn end_instant(&self) -> OffsetDateTime {
        self.end.with_time(Time::MIDNIGHT).assume_utc()
    }

    /// Whether it has ended at `now`.
    pub fn ended_at(&self, now: OffsetDateTime) -> bool {
        now >= self.end_instant()
    }
}

/// `YYYY-MM-DD`, as period keys and schedule entries are written.
pub fn parse_date(text: &str) -> Option<Date> {
    Date::parse(text, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

/// From which day on a settlement frequency is in force (a period
/// boundary, midnight UTC), as a partnership stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FrequencyFrom {
    /// `YYYY-MM-DD`.
    pub from: String,
    pub frequency: SettlementFrequency,
}

/// The day the first entry of a schedule runs from: before any
/// partnership existed.
pub const SINCE_THE_START: &str = "1970-01-01";

/// A partnership's settlement frequencies over time. A period keeps the
/// frequency it was opened with: a change agreed while a period is open
/// takes effect at that period's end, and the first period under the new
/// frequency runs from there to the new frequency's next boundary (a
/// MONTHLY February followed by QUARTERLY gives March alone, then Q2), so
/// periods never overlap and every key stays one period's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// Sorted by day; the first runs from `SINCE_THE_START`.
    entries: Vec<(Date, SettlementFrequency)>,
}

impl Schedule {
    /// One frequency throughout.
    pub fn single(frequency: SettlementFrequency) -> Schedule {
        Schedule { entries: vec![(Date::from_calendar_date(1970, Month::January, 1).unwrap_or(Date::MIN), frequency)] }
    }

    /// From stored entries (`current` when none were stored: the
    /// frequency never changed).
    pub fn from_stored(stored: &[FrequencyFrom], current: SettlementFrequency) -> Schedule {
        let mut entries: Vec<(Date, SettlementFrequency)> =
            stored.iter().filter_map(|e| Some((parse_date(&e.from)?, e.frequency))).collect();
        if entries.is_empty() {
            return Schedule::single(current);
        }
        entries.sort_by_key(|(d, _)| *d);
        Schedule { entries }
    }

    pub fn stored(&self) -> Vec<FrequencyFrom> {
        self.entries.iter().map(|(d, f)| FrequencyFrom { from: d.to_string(), frequency: *f }).collect()
    }

    /// The frequency in force on `day`.
    fn entry_at(&self, day: Date) -> Option<(usize, Date, SettlementFrequency)> {
        self.entries.iter().enumerate().rev().find(|(_, (from, _))| *from <= day).map(|(i, (from, f))| (i, *from, *f))
    }

    /// The period that holds the instant `at`.
    pub fn period_at(&self, at: OffsetDateTime) -> Option<Period> {
        let at = at.to_offset(time::UtcOffset::UTC);
        let (i, from, frequency) = self.entry_at(at.date())?;
        let natural = Period::of(frequency, at)?;
        let start = natural.start.max(from);
        let end = match self.entries.get(i + 1) {
            Some((next, _)) => natural.end.min(*next),
            None => natural.end,
        };
        Some(Period { start, end })
    }

    /// Parses a period's `YYYY-MM-DD` start back, if it starts one.
    pub fn parse(&self, text: &str) -> Option<Period> {
        let date = parse_date(text)?;
        let period = self.period_at(date.with_time(Time::MIDNIGHT).assume_utc())?;
        (period.start == date).then_some(period)
    }

    /// The period right after `period`.
    pub fn next(&self, period: &Period) -> Option<Period> {
        self.period_at(period.end_instant())
    }

    /// The period right before `period`.
    pub fn previous(&self, period: &Period) -> Option<Period> {
        self.period_at(period.start_instant() - time::Duration::seconds(1))
    }

    /// The schedule once `frequency` is agreed at `now`: in force from the
    /// end of the period open at `now` (an unstarted change agreed earlier
    /// is replaced). Unchanged if that is the frequency in force then.
    pub fn changed_to(&self, frequency: SettlementFrequency, now: OffsetDateTime) -> Option<Schedule> {
        let boundary = self.period_at(now)?.end;
        let mut entries: Vec<(Date, SettlementFrequency)> =
            self.entries.iter().copied().filter(|(d, _)| *d < boundary).collect();
        if entries.last().map(|(_, f)| *f) != Some(frequency) {
            entries.push((boundary, frequency));
        }
        Some(Schedule { entries })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;
    use SettlementFrequency::*;

    #[test]
    fn periods_turn_over_at_exact_instants() {
        let last = datetime!(2026-03-31 23:59:59.999 UTC);
        let first = datetime!(2026-04-01 00:00:00 UTC);
        let of = |f, at| Period::of(f, at).unwrap();
        let next = |p: Period, f| Schedule::single(f).next(&p).unwrap();
        assert_eq!(of(Monthly, last).key(), "2026-03-01");
        assert_eq!(of(Monthly, first).key(), "2026-04-01");
        assert_eq!(of(Quarterly, last).key(), "2026-01-01");
        assert_eq!(of(Quarterly, first).key(), "2026-04-01");
        assert_eq!(of(Annual, datetime!(2026-12-31 23:59:59.999 UTC)).key(), "2026-01-01");
        assert_eq!(of(Annual, datetime!(2027-01-01 00:00 UTC)).key(), "2027-01-01");
        assert_eq!(of(Monthly, datetime!(2026-12-15 12:00 UTC)).end.to_string(), "2027-01-01");
        assert_eq!(of(Quarterly, datetime!(2026-11-15 12:00 UTC)).end.to_string(), "2027-01-01");
        // Another offset is read in UTC.
        assert_eq!(of(Monthly, datetime!(2026-04-01 01:00 +02:00)).key(), "2026-03-01");
        let march = of(Monthly, last);
        assert!(!march.ended_at(last) && march.ended_at(first));
        assert_eq!(next(march, Monthly).key(), "2026-04-01");
        assert_eq!(Schedule::single(Quarterly).parse("2026-04-01"), Some(of(Quarterly, first)));
        assert_eq!(Schedule::single(Quarterly).parse("2026-05-01"), None);
    }

    #[test]
    fn the_calendars_end_is_none_never_a_panic() {
        assert_eq!(Period::of(Monthly, datetime!(9999-12-15 00:00 UTC)), None);
        assert_eq!(Period::of(Annual, datetime!(9999-06-15 00:00 UTC)), None);
        assert_eq!(Schedule::single(Monthly).parse("9999-12-01"), None);
        assert_eq!(Schedule::single(Monthly).parse("9999-11-01").map(|p| p.end.to_string()), Some("9999-12-01".into()));
        assert_eq!(Schedule::single(Monthly).parse("2026-02-30"), None);
    }

    #[test]
    fn a_frequency_change_starts_at_the_open_periods_end_and_keeps_every_period_whole() {
        let monthly = Schedule::single(Monthly);
        let quarterly = monthly.changed_to(Quarterly, datetime!(2026-02-15 12:00 UTC)).unwrap();
        // February stays a month; March runs alone to the quarter's end; then quarters.
        assert_eq!(quarterly.parse("2026-02-01").map(|p| p.end.to_string()), Some("2026-03-01".into()));
        assert_eq!(quarterly.parse("2026-03-01").map(|p| p.end.to_string()), Some("2026-04-01".into()));
        assert_eq!(quarterly.parse("2026-04-01").map(|p| p.end.to_string()), Some("2026-07-01".into()));
        assert_eq!(
            quarterly.parse("2026-01-01").map(|p| p.end.to_string()),
            Some("2026-02-01".into()),
            "January is still its month"
        );
        assert_eq!(quarterly.parse("2026-05-01"), None);
        let feb = quarterly.parse("2026-02-01").unwrap();
        assert_eq!(quarterly.next(&feb).map(|p| p.key()), Some("2026-03-01".into()));
        assert_eq!(
            quarterly.previous(&quarterly.parse("2026-04-01").unwrap()).map(|p| p.key()),
            Some("2026-03-01".into())
        );
        // Back to MONTHLY within Q2: the quarter finishes first.
        let back = quarterly.changed_to(Monthly, datetime!(2026-05-10 00:00 UTC)).unwrap();
        assert_eq!(back.parse("2026-04-01").map(|p| p.end.to_string()), Some("2026-07-01".into()));
        assert_eq!(back.parse("2026-07-01").map(|p| p.end.to_string()), Some("2026-08-01".into()));
        // Changing back before the change started cancels it.
        let undone = quarterly.changed_to(Monthly, datetime!(2026-02-20 00:00 UTC)).unwrap();
        assert_eq!(undone, monthly);
        // Stored and read back, it is the same schedule.
        assert_eq!(Schedule::from_stored(&quarterly.stored(), Quarterly), quarterly);
        assert_eq!(Schedule::from_stored(&[], Monthly), monthly);
    }

    /// Every instant of ten years falls in exactly one period, whatever
    /// changes were agreed along the way, and consecutive periods touch.
    #[test]
    fn periods_tile_time_under_any_changes() {
        let mut schedule = Schedule::single(Monthly);
        let freqs = [Quarterly, Annual, Monthly, Quarterly, Monthly, Annual];
        let mut at = datetime!(2026-01-10 00:00 UTC);
        for (i, f) in freqs.iter().enumerate() {
            schedule = schedule.changed_to(*f, at).unwrap();
            at += time::Duration::days(97 + 31 * i as i64);
        }
        let mut period = schedule.period_at(datetime!(2026-01-01 00:00 UTC)).unwrap();
        while period.start.year() < 2036 {
            let following = schedule.next(&period).unwrap();
            assert_eq!(following.start, period.end);
            assert!(following.start < following.end);
            assert_eq!(schedule.parse(&following.key()), Some(following));
            assert_eq!(schedule.period_at(following.end_instant() - time::Duration::seconds(1)), Some(following));
            period = following;
        }
    }
}
