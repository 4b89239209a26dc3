//! Time is injected so month ends, deadlines and signature windows can be
//! tested at exact instants.

use std::sync::{Arc, Mutex};
use time::OffsetDateTime;

pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that stands still until told to move; for tests.
#[derive(Debug, Clone)]
pub struct FixedClock(Arc<Mutex<OffsetDateTime>>);

impl FixedClock {
    pub fn at(instant: OffsetDateTime) -> Self {
        Self(Arc::new(Mutex::new(instant)))
    }
    pub fn set(&self, instant: OffsetDateTime) {
        *self.0.lock().expect("clock lock") = instant;
    }
    pub fn advance(&self, by: time::Duration) {
        *self.0.lock().expect("clock lock") += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().expect("clock lock")
    }
}

/// RFC 3339 in UTC with second precision, the format of every timestamp we
/// store or return; it sorts lexicographically in time order.
pub fn rfc3339(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC).replace_nanosecond(0).expect("0 ns is valid");
    t.format(&time::format_description::well_known::Rfc3339)
        .expect("UTC timestamps always format")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn rfc3339_is_utc_and_whole_seconds() {
        assert_eq!(rfc3339(datetime!(2026-02-28 23:59:59.75 +02:00)), "2026-02-28T21:59:59Z");
    }

    #[test]
    fn fixed_clock_moves_only_when_told() {
        let c = FixedClock::at(datetime!(2026-01-01 00:00 UTC));
        c.advance(time::Duration::days(7));
        assert_eq!(c.now(), datetime!(2026-01-08 00:00 UTC));
    }
}
