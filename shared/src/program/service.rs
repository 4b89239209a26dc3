//! Use cases: read the config with its live stats; change the refill price.

use serde::Serialize;
use serde_json::json;

use super::domain::{ConfigUpdate, ProgramConfig, RefillFreeze, SeatStats, MAX_SEATS};
use super::store;
use crate::platform::audit::AuditEntry;
use crate::platform::clock::rfc3339;
use crate::platform::error::AppError;
use crate::platform::money::{json_usd, UsdCents};
use crate::platform::outbox::{self, OutboxEvent};
use crate::App;

/// The config as operators read it (`stats.refill.openSeats`,
/// `stats.refill.refillPriceUsd` are what the runbook checks).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigView {
    pub max_seats: u32,
    pub refill_price_usd: Box<serde_json::value::RawValue>,
    pub refill_price_cents: u64,
    pub version: u64,
    pub updated_at: Option<String>,
    pub updated_by: Option<String>,
    pub stats: StatsView,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatsView {
    pub active_seats: u32,
    pub open_seats: u32,
    pub pending_refunds: u32,
    pub refill: RefillView,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RefillView {
    pub open_seats: u32,
    pub refill_price_usd: Box<serde_json::value::RawValue>,
    pub refill_price_cents: u64,
    /// While true, no seat can be taken (`REFILL_FROZEN`).
    pub frozen: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frozen_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frozen_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frozen_reason: Option<String>,
}

pub fn stats_view(stats: SeatStats, config: &ProgramConfig) -> StatsView {
    let freeze = config.freeze.as_ref();
    StatsView {
        active_seats: stats.active_seats,
        open_seats: stats.open_seats(),
        pending_refunds: stats.pending_refunds,
        refill: RefillView {
            open_seats: stats.open_seats(),
            refill_price_usd: json_usd(config.refill_price),
            refill_price_cents: config.refill_price.0,
            frozen: freeze.is_some(),
            frozen_at: freeze.map(|f| f.at.clone()),
            frozen_by: freeze.map(|f| f.by.clone()),
            frozen_reason: freeze.map(|f| f.reason.clone()),
        },
    }
}

/// The refusal of every path that would take a seat while refill is frozen.
pub fn refill_frozen(freeze: &RefillFreeze) -> AppError {
    AppError::conflict(
        "REFILL_FROZEN",
        format!(
            "refill is frozen since {} by {}: {}; no seat can be taken until it is unfrozen",
            freeze.at, freeze.by, freeze.reason
        ),
    )
}

/// The effective config: the stored one, or the default price until an
/// operator sets one.
pub fn effective(app: &App, stored: Option<ProgramConfig>) -> ProgramConfig {
    stored.unwrap_or(ProgramConfig {
        refill_price: UsdCents(app.settings.default_refill_price_cents),
        version: 0,
        updated_at: None,
        updated_by: None,
        freeze: None,
    })
}

fn view(config: ProgramConfig, stats: SeatStats) -> ConfigView {
    ConfigView {
        max_seats: MAX_SEATS,
        refill_price_usd: json_usd(config.refill_price),
        refill_price_cents: config.refill_price.0,
        version: config.version,
        stats: stats_view(stats, &config),
        updated_at: config.updated_at,
        updated_by: config.updated_by,
    }
}

/// The seat counters and the refill price as operators read them.
pub async fn stats(app: &App) -> Result<StatsView, AppError> {
    let state = store::load(app).await?;
    Ok(stats_view(state.stats, &effective(app, state.config)))
}

pub async fn get_config(app: &App) -> Result<ConfigView, AppError> {
    let state = store::load(app).await?;
    Ok(view(effective(app, state.config), state.stats))
}

/// Sets the refill price and/or freezes or unfreezes refill. Optimistic
/// locking on the config version keeps the audit rows' "before" true even
/// when two admins race. A freeze (or unfreeze) is published on the bus; a
/// request that finds the state already as asked writes nothing but still
/// publishes, so a retry after a failed publish is never lost.
pub async fn update_config(
    app: &App,
    actor: &str,
    update: ConfigUpdate,
    request_id: Option<String>,
) -> Result<ConfigView, AppError> {
    for _ in 0..5 {
        let state = store::load(app).await?;
        let before = effective(app, state.config);
        if update.is_noop(&before) {
            // Nothing changes; the event goes out again, so a caller retrying
            // after a failure never leaves it unsent.
            outbox::emit(app, &freeze_event(app, &before)).await?;
            return Ok(view(before, state.stats));
        }
        let now = rfc3339(app.clock.now());
        let after = update.apply(&before, actor, &now);
        let audit = |action: &str, details| {
            AuditEntry::new(actor, action, store::SUBJECT, &now, details).with_request_id(request_id.clone())
        };
        let price_audit = audit(
            "program.config_updated",
            json!({
                "before": { "refillPriceCents": before.refill_price.0, "version": before.version, "refillFrozen": before.freeze.is_some() },
                "after": { "refillPriceCents": after.refill_price.0, "version": after.version, "refillFrozen": after.freeze.is_some() },
                "reason": update.reason,
            }),
        );
        let freeze_changed = before.freeze.is_some() != after.freeze.is_some();
        let freeze_audit = freeze_changed.then(|| {
            let action = if after.freeze.is_some() { "program.refill_frozen" } else { "program.refill_unfrozen" };
            audit(action, json!({ "reason": update.reason, "frozenSince": before.freeze.as_ref().or(after.freeze.as_ref()).map(|f| &f.at) }))
        });
        // The event is written with the change and published right after;
        // the outbox drain sends it if that fails.
        let event = update.refill_frozen.is_some().then(|| freeze_event(app, &after));
        if store::save_config(app, &after, before.version, &price_audit, freeze_audit.as_ref(), event.as_ref()).await? {
            outbox::publish_now(app, event.as_slice()).await;
            return Ok(view(after, state.stats));
        }
    }
    Err(AppError::conflict("CONFIG_CHANGED_CONCURRENTLY", "the config kept changing; read it again and retry"))
}

/// `RefillFrozen` / `RefillUnfrozen`, with the config version as the id its
/// consumers dedupe on (a retried request sends it again).
fn freeze_event(app: &App, config: &ProgramConfig) -> OutboxEvent {
    let (detail_type, detail) = match &config.freeze {
        Some(f) => (
            "RefillFrozen",
            json!({ "configVersion": config.version, "frozenAt": f.at, "frozenBy": f.by, "reason": f.reason }),
        ),
        None => (
            "RefillUnfrozen",
            json!({ "configVersion": config.version, "unfrozenAt": config.updated_at, "unfrozenBy": config.updated_by }),
        ),
    };
    OutboxEvent::from_source(app, "partner-program.program", detail_type, detail)
}
