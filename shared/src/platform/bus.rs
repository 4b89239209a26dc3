//! Publishing domain events (overdue refunds, dunning notices) to our
//! EventBridge bus. Whoever acts on them (paging, e-mail) subscribes with a
//! rule; EventBridge delivers at least once, so every event carries the id
//! its consumer dedupes on.

use serde_json::Value;

use super::error::AppError;
use crate::App;

fn versioned(detail: &Value) -> Value {
    let mut detail = detail.clone();
    if let Some(map) = detail.as_object_mut() {
        map.entry("version").or_insert(DETAIL_VERSION.into());
    }
    detail
}

/// PutEvents takes at most 10 entries a call.
const BATCH: usize = 10;

/// The version of every event's detail (docs/api/asyncapi.yaml).
pub const DETAIL_VERSION: u32 = 1;

/// Publishes one event per `details` entry, each stamped with
/// `DETAIL_VERSION`; fails unless all were accepted.
pub async fn publish(app: &App, source: &str, detail_type: &str, details: &[Value]) -> Result<(), AppError> {
    if details.is_empty() {
        return Ok(());
    }
    let bus = app
        .settings
        .event_bus_name
        .as_deref()
        .ok_or_else(|| AppError::unavailable("EVENT_BUS_NOT_CONFIGURED", "EVENT_BUS_NAME is not set"))?;
    for chunk in details.chunks(BATCH) {
        let entries = chunk
            .iter()
            .map(|detail| {
                aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
                    .event_bus_name(bus)
                    .source(source)
                    .detail_type(detail_type)
                    .detail(versioned(detail).to_string())
                    .build()
            })
            .collect();
        let out = app
            .events
            .put_events()
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|e| AppError::internal(aws_sdk_eventbridge::error::DisplayErrorContext(e)))?;
        if out.failed_entry_count() > 0 {
            return Err(AppError::internal(format!(
                "{} {detail_type} events were not published",
                out.failed_entry_count()
            )));
        }
    }
    Ok(())
}
