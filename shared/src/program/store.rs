//! DynamoDB access for the program's config and counters. Both live in the
//! `PROGRAM#global` partition, so one Query reads them together.

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};

use super::domain::{ProgramConfig, SeatStats};
use super::money::UsdCents;
use crate::platform::audit::AuditEntry;
use crate::platform::dynamo::{self, get_u64, n, s, Item};
use crate::platform::error::AppError;
use crate::platform::keys::{CONFIG_SK, PROGRAM_PK, STATS_SK};
use crate::App;

pub struct ProgramState {
    pub config: Option<ProgramConfig>,
    pub stats: SeatStats,
}

/// One strongly consistent Query for config and counters.
pub async fn load(app: &App) -> Result<ProgramState, AppError> {
    let out = app
        .db
        .query()
        .table_name(app.table())
        .key_condition_expression("PK = :pk")
        .expression_attribute_values(":pk", s(PROGRAM_PK))
        .consistent_read(true)
        .send()
        .await?;
    let mut state = ProgramState { config: None, stats: SeatStats::default() };
    for item in out.items() {
        match item.get("SK").and_then(|v| v.as_s().ok()).map(String::as_str) {
            Some(CONFIG_SK) => state.config = Some(config_from_item(item)?),
            Some(STATS_SK) => state.stats = stats_from_item(item)?,
            _ => {}
        }
    }
    Ok(state)
}

fn config_from_item(item: &Item) -> Result<ProgramConfig, AppError> {
    let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
    Ok(ProgramConfig {
        refill_price: UsdCents(
            get_u64(item, "refillPriceCents")?.ok_or_else(|| AppError::internal("config item has no refillPriceCents"))?,
        ),
        version: get_u64(item, "version")?.unwrap_or(0),
        updated_at: text("updatedAt"),
        updated_by: text("updatedBy"),
    })
}

fn stats_from_item(item: &Item) -> Result<SeatStats, AppError> {
    let count = |name| -> Result<u32, AppError> {
        Ok(get_u64(item, name)?.unwrap_or(0).try_into().map_err(|_| AppError::internal(format!("{name} overflows")))?)
    };
    Ok(SeatStats { active_seats: count("activeSeats")?, pending_refunds: count("pendingRefunds")? })
}

/// The condition that the config is still at `version` (0: never written).
/// Seat allocation adds it to its transaction so a seat is never sold at a
/// price that was replaced while the request was in flight.
pub fn config_unchanged_condition(app: &App, version: u64) -> Result<TransactWriteItem, AppError> {
    let mut check = aws_sdk_dynamodb::types::ConditionCheck::builder()
        .table_name(app.table())
        .key("PK", s(PROGRAM_PK))
        .key("SK", s(CONFIG_SK));
    check = if version == 0 {
        check.condition_expression("attribute_not_exists(PK)")
    } else {
        check.condition_expression("version = :v").expression_attribute_values(":v", n(version))
    };
    Ok(TransactWriteItem::builder().condition_check(check.build().map_err(AppError::internal)?).build())
}

/// Writes the new config if it is still at `expected_version`, with its
/// audit row, atomically. `Ok(false)`: someone else changed it first.
pub async fn save_config(
    app: &App,
    config: &ProgramConfig,
    expected_version: u64,
    audit: &AuditEntry,
) -> Result<bool, AppError> {
    let mut put = Put::builder()
        .table_name(app.table())
        .item("PK", s(PROGRAM_PK))
        .item("SK", s(CONFIG_SK))
        .item("entity", s("PROGRAM_CONFIG"))
        .item("maxSeats", n(super::domain::MAX_SEATS))
        .item("refillPriceCents", n(config.refill_price.0))
        .item("version", n(config.version));
    if let Some(at) = &config.updated_at {
        put = put.item("updatedAt", s(at));
    }
    if let Some(by) = &config.updated_by {
        put = put.item("updatedBy", s(by));
    }
    put = if expected_version == 0 {
        put.condition_expression("attribute_not_exists(PK)")
    } else {
        put.condition_expression("version = :v").expression_attribute_values(":v", AttributeValue::N(expected_version.to_string()))
    };
    let items = vec![
        TransactWriteItem::builder().put(put.build().map_err(AppError::internal)?).build(),
        audit.transact_put(app.table())?,
    ];
    match dynamo::transact(&app.db, items).await? {
        Ok(()) => Ok(true),
        Err(c) if c.condition_failed(0) => Ok(false),
        Err(c) => Err(AppError::internal(format!("config update cancelled: {c:?}"))),
    }
}

/// Moves the program counters by the given deltas, in a transaction. A
/// decrement is conditional on the counter covering it, so a counter can
/// never go below zero.
pub fn counters_change(app: &App, active_seats: i64, pending_refunds: i64) -> Result<TransactWriteItem, AppError> {
    let mut sets = Vec::new();
    let mut conditions = Vec::new();
    let mut update = aws_sdk_dynamodb::types::Update::builder()
        .table_name(app.table())
        .key("PK", s(PROGRAM_PK))
        .key("SK", s(STATS_SK))
        .expression_attribute_values(":zero", n(0));
    for (name, delta) in [("activeSeats", active_seats), ("pendingRefunds", pending_refunds)] {
        if delta == 0 {
            continue;
        }
        sets.push(format!("{name} = if_not_exists({name}, :zero) + :{name}"));
        update = update.expression_attribute_values(format!(":{name}"), n(delta));
        if delta < 0 {
            conditions.push(format!("{name} >= :{name}Need"));
            update = update.expression_attribute_values(format!(":{name}Need"), n(-delta));
        }
    }
    update = update.update_expression(format!("SET {}", sets.join(", ")));
    if !conditions.is_empty() {
        update = update.condition_expression(conditions.join(" AND "));
    }
    Ok(TransactWriteItem::builder().update(update.build().map_err(AppError::internal)?).build())
}
