//! Fixed-window rate limits, one conditional write per request: the
//! window's counter goes up only while it is under the limit, so the limit
//! holds exactly under any concurrency, with no read first.

use super::dynamo::{self, n};
use super::entity::{Key, Layout};
use super::error::AppError;
use super::table::TTL;
use crate::App;

/// `subject`'s counter for the window starting at `window_start` (unix s).
fn key(subject: &str, window_start: i64) -> Key {
    Key::new(format!("RATE#{subject}"), window_start.to_string())
}

/// Counts one request of `subject` in the current `window_secs` window at
/// unix time `now`. Over `limit`: 429 `RATE_LIMITED` with the seconds
/// until the next window in `retry_after_secs`.
pub async fn take(app: &App, subject: &str, limit: u32, window_secs: i64, now: i64) -> Result<(), AppError> {
    let window_secs = window_secs.max(1);
    let start = now - now.rem_euclid(window_secs);
    let layout = Layout::new("RATE_WINDOW", key(subject, start));
    let result = app
        .db
        .update_item()
        .table_name(app.table())
        .set_key(Some(layout.key.attrs()))
        .update_expression("ADD requests :one SET #ttl = :expires, entity = :entity")
        .condition_expression("attribute_not_exists(requests) OR requests < :limit")
        .expression_attribute_names("#ttl", TTL)
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":limit", n(limit))
        // Kept a window past its end, then TTL removes it.
        .expression_attribute_values(":expires", n(start + 2 * window_secs))
        .expression_attribute_values(":entity", dynamo::s(layout.entity))
        .send()
        .await;
    if dynamo::applied(result)? {
        return Ok(());
    }
    super::metrics::count(super::metrics::names::RATE_LIMITED, 1);
    let retry_after = (start + window_secs - now).max(1);
    let mut refused = AppError::new(
        crate::platform::error::ErrorKind::Throttled,
        "RATE_LIMITED",
        format!("more than {limit} requests in {window_secs} s; retry in {retry_after} s"),
    );
    refused.retry_after_secs = Some(retry_after.unsigned_abs());
    Err(refused)
}
