//! Settlement periods: calendar months, quarters or years in UTC, each
//! `[start, end)`. Free of I/O.

use time::{Date, Month, OffsetDateTime, Time};

use super::domain::SettlementFrequency;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Period {
    pub start: Date,
    /// The first day of the next period (exclusive).
    pub end: Date,
}

fn first_of(year: i32, month: u8) -> Date {
    let (year, month) = if month > 12 { (year + 1, month - 12) } else { (year, month) };
    Date::from_calendar_date(year, Month::try_from(month).expect("1..=12"), 1).expect("the first of a month exists")
}

impl Period {
    /// The period of `frequency` that holds the instant `at`.
    pub fn of(frequency: SettlementFrequency, at: OffsetDateTime) -> Period {
        let at = at.to_offset(time::UtcOffset::UTC);
        let (year, month) = (at.year(), u8::from(at.month()));
        let (first, months) = match frequency {
            SettlementFrequency::Monthly => (month, 1),
            SettlementFrequency::Quarterly => (month - (month - 1) % 3, 3),
            SettlementFrequency::Annual => (1, 12),
        };
        Period { start: first_of(year, first), end: first_of(year, first + months) }
    }

    /// The period right after this one (same length).
    pub fn next(&self, frequency: SettlementFrequency) -> Period {
        Period::of(frequency, self.end.with_time(Time::MIDNIGHT).assume_utc())
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

    /// Parses a period's `YYYY-MM-DD` start back, if it is one of `frequency`.
    pub fn parse(frequency: SettlementFrequency, text: &str) -> Option<Period> {
        let date = Date::parse(text, time::macros::format_description!("[year]-[month]-[day]")).ok()?;
        let period = Period::of(frequency, date.with_time(Time::MIDNIGHT).assume_utc());
        (period.start == date).then_some(period)
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
        assert_eq!(Period::of(Monthly, last).key(), "2026-03-01");
        assert_eq!(Period::of(Monthly, first).key(), "2026-04-01");
        assert_eq!(Period::of(Quarterly, last).key(), "2026-01-01");
        assert_eq!(Period::of(Quarterly, first).key(), "2026-04-01");
        assert_eq!(Period::of(Annual, datetime!(2026-12-31 23:59:59.999 UTC)).key(), "2026-01-01");
        assert_eq!(Period::of(Annual, datetime!(2027-01-01 00:00 UTC)).key(), "2027-01-01");
        assert_eq!(Period::of(Monthly, datetime!(2026-12-15 12:00 UTC)).end.to_string(), "2027-01-01");
        assert_eq!(Period::of(Quarterly, datetime!(2026-11-15 12:00 UTC)).end.to_string(), "2027-01-01");
        // Another offset is read in UTC.
        assert_eq!(Period::of(Monthly, datetime!(2026-04-01 01:00 +02:00)).key(), "2026-03-01");
        let march = Period::of(Monthly, last);
        assert!(!march.ended_at(last) && march.ended_at(first));
        assert_eq!(march.next(Monthly).key(), "2026-04-01");
        assert_eq!(Period::parse(Quarterly, "2026-04-01"), Some(Period::of(Quarterly, first)));
        assert_eq!(Period::parse(Quarterly, "2026-05-01"), None);
    }
}
