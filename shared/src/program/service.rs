//! Use cases: read the config with its live stats; change the refill price.

use serde::Serialize;
use serde_json::json;

use super::domain::{ConfigUpdate, ProgramConfig, SeatStats, MAX_SEATS};
use super::money::{json_usd, UsdCents};
use super::store;
use crate::platform::audit::AuditEntry;
use crate::platform::clock::rfc3339;
use crate::platform::error::AppError;
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
}

pub fn stats_view(stats: SeatStats, price: UsdCents) -> StatsView {
    StatsView {
        active_seats: stats.active_seats,
        open_seats: stats.open_seats(),
        pending_refunds: stats.pending_refunds,
        refill: RefillView {
            open_seats: stats.open_seats(),
            refill_price_usd: json_usd(price),
            refill_price_cents: price.0,
        },
    }
}

/// The effective config: the stored one, or the default price until an
/// operator sets one.
pub fn effective(app: &App, stored: Option<ProgramConfig>) -> ProgramConfig {
    stored.unwrap_or(ProgramConfig {
        refill_price: UsdCents(app.settings.default_refill_price_cents),
        version: 0,
        updated_at: None,
        updated_by: None,
    })
}

fn view(config: ProgramConfig, stats: SeatStats) -> ConfigView {
    ConfigView {
        max_seats: MAX_SEATS,
        refill_price_usd: json_usd(config.refill_price),
        refill_price_cents: config.refill_price.0,
        version: config.version,
        updated_at: config.updated_at,
        updated_by: config.updated_by,
        stats: stats_view(stats, config.refill_price),
    }
}

/// The seat counters and the refill price as operators read them.
pub async fn stats(app: &App) -> Result<StatsView, AppError> {
    let state = store::load(app).await?;
    Ok(stats_view(state.stats, effective(app, state.config).refill_price))
}

pub async fn get_config(app: &App) -> Result<ConfigView, AppError> {
    let state = store::load(app).await?;
    Ok(view(effective(app, state.config), state.stats))
}

/// Sets the refill price. Optimistic locking on the config version keeps
/// the audit row's "before" true even when two admins race.
pub async fn update_config(
    app: &App,
    actor: &str,
    update: ConfigUpdate,
    request_id: Option<String>,
) -> Result<ConfigView, AppError> {
    for _ in 0..5 {
        let state = store::load(app).await?;
        let before = effective(app, state.config);
        let now = rfc3339(app.clock.now());
        let after = ProgramConfig {
            refill_price: update.refill_price,
            version: before.version + 1,
            updated_at: Some(now.clone()),
            updated_by: Some(actor.to_string()),
        };
        let audit = AuditEntry::new(
            actor,
            "program.config_updated",
            store::SUBJECT,
            &now,
            json!({
                "before": { "refillPriceCents": before.refill_price.0, "version": before.version },
                "after": { "refillPriceCents": after.refill_price.0, "version": after.version },
                "reason": update.reason,
            }),
        )
        .with_request_id(request_id.clone());
        if store::save_config(app, &after, before.version, &audit).await? {
            return Ok(view(after, state.stats));
        }
    }
    Err(AppError::conflict("CONFIG_CHANGED_CONCURRENTLY", "the config kept changing; read it again and retry"))
}
