//! DynamoDB access for the program's config and counters. Both live in the
//! `PROGRAM#global` partition, so one Query reads them together.

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};

use super::domain::{ProgramConfig, RefillFreeze, SeatStats, MAX_SEATS};
use crate::platform::audit::{self, AuditEntry};
use crate::platform::dynamo::{self, get_u64, n, query_all, s, tx_check, tx_put, tx_update, Item, Partition, Tx};
use crate::platform::entity::{sort_key_of, Key, Layout};
use crate::platform::error::AppError;
use crate::platform::money::UsdCents;
use crate::platform::outbox::OutboxEvent;
use crate::App;

/// The one global partner program. A constant partition keeps config and
/// counters readable with a single Query; the payments gate lives here too.
pub const PROGRAM_PK: &str = "PROGRAM#global";
const CONFIG_SK: &str = "CONFIG";
const STATS_SK: &str = "STATS";

fn config_key() -> Key {
    Key::new(PROGRAM_PK, CONFIG_SK)
}

fn stats_key() -> Key {
    Key::new(PROGRAM_PK, STATS_SK)
}

/// The audit subject of program-wide changes.
pub const SUBJECT: &str = PROGRAM_PK;

pub struct ProgramState {
    pub config: Option<ProgramConfig>,
    pub stats: SeatStats,
}

/// One strongly consistent Query for config and counters.
pub async fn load(app: &App) -> Result<ProgramState, AppError> {
    let items = query_all(&app.db, app.table(), &Partition::table(PROGRAM_PK)).await?;
    let mut state = ProgramState { config: None, stats: SeatStats::default() };
    for item in &items {
        match sort_key_of(item) {
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
            get_u64(item, "refillPriceCents")?
                .ok_or_else(|| AppError::internal("config item has no refillPriceCents"))?,
        ),
        version: get_u64(item, "version")?.unwrap_or(0),
        updated_at: text("updatedAt"),
        updated_by: text("updatedBy"),
        freeze: match item.get(REFILL_FROZEN).and_then(|v| v.as_bool().ok()) {
            Some(true) => Some(RefillFreeze {
                at: text("frozenAt").unwrap_or_default(),
                by: text("frozenBy").unwrap_or_default(),
                reason: text("frozenReason").unwrap_or_default(),
            }),
            _ => None,
        },
    })
}

/// The config attribute every allocation's condition reads.
const REFILL_FROZEN: &str = "refillFrozen";

fn stats_from_item(item: &Item) -> Result<SeatStats, AppError> {
    let count = |name| -> Result<u32, AppError> {
        get_u64(item, name)?.unwrap_or(0).try_into().map_err(|_| AppError::internal(format!("{name} overflows")))
    };
    Ok(SeatStats { active_seats: count("activeSeats")?, pending_refunds: count("pendingRefunds")? })
}

/// The condition every seat allocation carries: refill is not frozen, and,
/// with `Some(version)`, the config is still at that version (0: never
/// written), so a seat is never sold at a price replaced while the request
/// was in flight. One check on the config item holds both, because a
/// transaction may touch an item once. Its refusal means "frozen or
/// changed": the caller reloads the config to tell which.
pub fn allocation_condition(app: &App, version: Option<u64>) -> Result<TransactWriteItem, AppError> {
    let check = config_key().check(app.table());
    // A config never written is never frozen; DynamoDB refuses names and
    // values the expression does not use, so each case declares its own.
    if version == Some(0) {
        return tx_check(check.condition_expression("attribute_not_exists(PK)"));
    }
    let not_frozen = "(attribute_not_exists(#frozen) OR #frozen = :false)";
    let check = check
        .expression_attribute_names("#frozen", REFILL_FROZEN)
        .expression_attribute_values(":false", AttributeValue::Bool(false));
    tx_check(match version {
        Some(v) => {
            check.condition_expression(format!("version = :v AND {not_frozen}")).expression_attribute_values(":v", n(v))
        }
        None => check.condition_expression(not_frozen),
    })
}

/// Takes one of the 100 seats: the `activeSeats` counter goes up only while
/// it is below the cap. This condition *is* the seat cap.
pub fn take_seat_item(app: &App) -> Result<TransactWriteItem, AppError> {
    tx_update(
        stats_key()
            .update(app.table())
            .update_expression("SET activeSeats = if_not_exists(activeSeats, :zero) + :one, entity = :entity")
            .condition_expression("attribute_not_exists(activeSeats) OR activeSeats < :max")
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":max", n(MAX_SEATS))
            .expression_attribute_values(":entity", s("PROGRAM_STATS")),
    )
}

/// Writes the new config if it is still at `expected_version`, with its
/// audit row, atomically. `Ok(false)`: someone else changed it first.
pub async fn save_config(
    app: &App,
    config: &ProgramConfig,
    expected_version: u64,
    audit: &AuditEntry,
    freeze_audit: Option<&AuditEntry>,
    event: Option<&OutboxEvent>,
) -> Result<bool, AppError> {
    let mut put = Put::builder()
        .table_name(app.table())
        .set_item(Some(Layout::new("PROGRAM_CONFIG", config_key()).key_attrs()))
        .item("maxSeats", n(MAX_SEATS))
        .item("refillPriceCents", n(config.refill_price.0))
        .item("version", n(config.version))
        .item(REFILL_FROZEN, AttributeValue::Bool(config.freeze.is_some()));
    if let Some(f) = &config.freeze {
        put = put.item("frozenAt", s(&f.at)).item("frozenBy", s(&f.by)).item("frozenReason", s(&f.reason));
    }
    if let Some(at) = &config.updated_at {
        put = put.item("updatedAt", s(at));
    }
    if let Some(by) = &config.updated_by {
        put = put.item("updatedBy", s(by));
    }
    put = if expected_version == 0 {
        put.condition_expression("attribute_not_exists(PK)")
    } else {
        put.condition_expression("version = :v").expression_attribute_values(":v", n(expected_version))
    };
    let mut tx = Tx::new().with("program.config", tx_put(put)?).with(audit::TX_ITEM, audit.transact_put(app.table())?);
    if let Some(freeze_audit) = freeze_audit {
        tx.add("audit.freeze", freeze_audit.transact_put(app.table())?);
    }
    if let Some(event) = event {
        tx.add("outbox", event.transact_put(app)?);
    }
    match dynamo::transact(&app.db, tx).await? {
        Ok(()) => Ok(true),
        Err(r) if r.failed("program.config") => Ok(false),
        Err(r) => Err(r.unexpected("config update")),
    }
}

/// Moves the program counters by the given deltas, in a transaction. A
/// decrement is conditional on the counter covering it, so a counter can
/// never go below zero.
pub fn counters_change(app: &App, active_seats: i64, pending_refunds: i64) -> Result<TransactWriteItem, AppError> {
    let mut sets = Vec::new();
    let mut conditions = Vec::new();
    let mut update = stats_key().update(app.table()).expression_attribute_values(":zero", n(0));
    for (name, delta) in [("activeSeats", active_seats), ("pendingRefunds", pending_refunds)] {
        if delta == 0 {
            continue;
        }
        sets.push(format!("{name} = if_not_exists({name}, :zero) + :{name}"));
        update = update.expression_attribute_values(format!(":{name}"), n(delta));
        if delta < 0 {
            conditions.push(format!("{name} >= :{name}Need"));
            update = update.expression_attribute_values(format!(":{name}Need"), n(delta.unsigned_abs()));
        }
    }
    update = update.update_expression(format!("SET {}", sets.join(", ")));
    if !conditions.is_empty() {
        update = update.condition_expression(conditions.join(" AND "));
    }
    tx_update(update)
}
