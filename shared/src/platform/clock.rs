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

/// The local stack's clock (`CLOCK_FILE`, STAGE=local only): the system's,
/// moved by the whole seconds the file holds (none, an empty or a missing
/// file: no offset). Read at every call, so every function of a running
/// stack moves at once when the file changes; a file that does not parse
/// is logged and ignored rather than stopping the stack.
#[derive(Debug, Clone)]
pub struct OffsetClock {
    file: std::path::PathBuf,
}

impl OffsetClock {
    pub fn new(file: impl Into<std::path::PathBuf>) -> Self {
        Self { file: file.into() }
    }

    /// The offset the file holds now.
    pub fn offset(&self) -> time::Duration {
        let Ok(text) = std::fs::read_to_string(&self.file) else { return time::Duration::ZERO };
        parse_offset(&text).unwrap_or_else(|| {
            tracing::warn!(file = %self.file.display(), "CLOCK_FILE does not hold whole seconds; no offset");
            time::Duration::ZERO
        })
    }
}

/// An offset as the file writes it: signed whole seconds, blank for none,
/// at most about 100 years either way.
pub fn parse_offset(text: &str) -> Option<time::Duration> {
    let text = text.trim();
    if text.is_empty() {
        return Some(time::Duration::ZERO);
    }
    let secs: i64 = text.parse().ok()?;
    (secs.unsigned_abs() <= 100 * 366 * 86_400).then(|| time::Duration::seconds(secs))
}

impl Clock for OffsetClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + self.offset()
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
    t.format(&time::format_description::well_known::Rfc3339).expect("UTC timestamps always format")
}

/// A time window `[from, to)` over the instants we store, given by a
/// client as RFC 3339 text (any offset; converted to UTC). Each bound is
/// rounded up to a whole second, the precision we store at, so a bound
/// keeps its meaning: `from` takes instants at or after it, `to` only
/// instants before it. The bounds come out as stored text, ready to be a
/// sort-key range (`<instant>#<id>` keys sort in time order).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Window {
    pub from: Option<String>,
    pub to: Option<String>,
}

impl Window {
    pub fn parse(from: Option<&str>, to: Option<&str>) -> Result<Self, crate::platform::error::AppError> {
        use crate::platform::error::AppError;
        let bound = |name: &str, text: Option<&str>| -> Result<Option<OffsetDateTime>, AppError> {
            let Some(text) = text else { return Ok(None) };
            // An unencoded `+` in a query string arrives as a space.
            let text = text.trim().replace(' ', "+");
            let instant =
                OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339).map_err(|_| {
                    AppError::bad_request(
                        "INVALID_TIMESTAMP",
                        format!("{name} must be an RFC 3339 instant such as 2026-03-10T12:00:00Z"),
                    )
                })?;
            let whole = instant.replace_nanosecond(0).expect("0 ns is valid");
            Ok(Some(if whole < instant { whole + time::Duration::SECOND } else { whole }))
        };
        let (from, to) = (bound("from", from)?, bound("to", to)?);
        if let (Some(f), Some(t)) = (from, to) {
            if f >= t {
                return Err(AppError::bad_request(
                    "INVALID_WINDOW",
                    "from must be before to (from is inclusive, to exclusive)",
                ));
            }
        }
        Ok(Window { from: from.map(rfc3339), to: to.map(rfc3339) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn an_offset_file_moves_the_clock_and_anything_else_leaves_it() {
        assert_eq!(parse_offset(" 2764800\n"), Some(time::Duration::days(32)));
        assert_eq!(parse_offset("-60"), Some(time::Duration::seconds(-60)));
        assert_eq!(parse_offset(""), Some(time::Duration::ZERO));
        for bad in ["1.5", "32d", "99999999999999999999", "4000000000"] {
            assert_eq!(parse_offset(bad), None, "{bad}");
        }
        let dir = std::env::temp_dir().join(format!("clock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("clock");
        let clock = OffsetClock::new(&file);
        assert_eq!(clock.offset(), time::Duration::ZERO, "no file: no offset");
        std::fs::write(&file, "86400").unwrap();
        let ahead = clock.now() - OffsetDateTime::now_utc();
        assert!(ahead > time::Duration::hours(23) && ahead <= time::Duration::days(1), "{ahead}");
        std::fs::write(&file, "garbage").unwrap();
        assert_eq!(clock.offset(), time::Duration::ZERO);
        std::fs::remove_dir_all(&dir).unwrap();
    }

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

    #[test]
    fn a_window_is_whole_utc_seconds_from_inclusive_to_exclusive() {
        let w = Window::parse(Some("2026-03-10T13:00:00+01:00"), Some("2026-03-10T12:30:00.2Z")).unwrap();
        assert_eq!(w, Window { from: Some("2026-03-10T12:00:00Z".into()), to: Some("2026-03-10T12:30:01Z".into()) });
        // A stored instant at `from` is inside, one at `to` outside.
        let key = |at: &str| format!("{at}#01J");
        let (from, to) = (w.from.clone().unwrap(), w.to.clone().unwrap());
        assert!(key("2026-03-10T12:00:00Z") >= from && key("2026-03-10T12:30:00Z") < to);
        assert!(key("2026-03-10T12:30:01Z") > to && key("2026-03-10T11:59:59Z") < from);
        assert_eq!(
            Window::parse(Some("2026-03-10T12:00:00 01:00"), None).unwrap().from.unwrap(),
            "2026-03-10T11:00:00Z"
        );
        assert_eq!(Window::parse(None, None).unwrap(), Window::default());
    }

    #[test]
    fn bad_or_reversed_windows_are_refused() {
        for bad in ["yesterday", "2026-03-10", "2026-03-10T12:00:00", "2026-13-10T12:00:00Z", ""] {
            assert_eq!(Window::parse(Some(bad), None).unwrap_err().code, "INVALID_TIMESTAMP", "{bad}");
            assert_eq!(Window::parse(None, Some(bad)).unwrap_err().code, "INVALID_TIMESTAMP", "{bad}");
        }
        let same = "2026-03-10T12:00:00Z";
        assert_eq!(Window::parse(Some(same), Some(same)).unwrap_err().code, "INVALID_WINDOW");
        assert_eq!(Window::parse(Some("2026-03-11T00:00:00Z"), Some(same)).unwrap_err().code, "INVALID_WINDOW");
        // Both round up to the same second: an empty window, refused.
        assert_eq!(
            Window::parse(Some("2026-03-10T12:00:00.1Z"), Some("2026-03-10T12:00:00.9Z")).unwrap_err().code,
            "INVALID_WINDOW"
        );
    }
}
