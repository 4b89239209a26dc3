//! DynamoDB access for settlements: one item per partnership and period,
//! created once (`attribute_not_exists`) in the same transaction that takes
//! the period out of the due index; every later change (dispute,
//! resolution, processing) is a whole-item put under the revision read.
//! PENDING settlements sit in a sharded GSI1 index by the end of their
//! review, which the daily processing run reads.

use aws_sdk_dynamodb::types::{Put, TransactWriteItem};

use super::domain::{Settlement, SettlementStatus};
use crate::partner_transactions::store as transactions;
use crate::platform::audit::{self, AuditEntry};
use crate::platform::dynamo::{self, n, tx_put, Partition, Tx};
use crate::platform::entity::{Key, Layout};
use crate::platform::error::AppError;
use crate::platform::outbox::OutboxEvent;
use crate::platform::table::GSI1;
use crate::App;

fn key(partnership_id: &str, period_start: &str) -> Key {
    Key::new(format!("PARTNERSHIP#{partnership_id}"), format!("SETTLEMENT#{period_start}"))
}

/// The audit subject of a settlement.
pub fn subject(partnership_id: &str, period_start: &str) -> String {
    let k = key(partnership_id, period_start);
    format!("{}#{}", k.pk, k.sk)
}

/// Shards of the pending index.
const PENDING_SHARDS: u32 = 8;

/// A settlement's place: in the pending index while PENDING or PAYING
/// (a payout that did not finish is found again by the next run).
/// HELD ones sit in one partition of the same index, oldest first, which
/// the admins' list reads.
fn layout(s: &Settlement) -> Layout {
    let layout = Layout::new("SETTLEMENT", key(&s.partnership_id, &s.period_start));
    match s.status {
        SettlementStatus::Pending | SettlementStatus::Paying => layout.gsi1(
            dynamo::shard_key("SETTLEMENTS_PENDING", &s.partnership_id, PENDING_SHARDS),
            format!("{}#{}#{}", s.review_ends_at, s.partnership_id, s.period_start),
        ),
        SettlementStatus::Held => {
            layout.gsi1(HELD_PARTITION, format!("{}#{}#{}", s.calculated_at, s.partnership_id, s.period_start))
        }
        SettlementStatus::Disputed | SettlementStatus::Processed => layout,
    }
}

const HELD_PARTITION: &str = "SETTLEMENTS_HELD";

/// One page of the settlements held for review, oldest first.
pub async fn held(app: &App, limit: i32, cursor: Option<&str>) -> Result<dynamo::Page<Settlement>, AppError> {
    dynamo::query_page(&app.db, app.table(), &Partition::index(GSI1, HELD_PARTITION), Some(limit), cursor).await
}

/// Creates the settlement once, takes its period out of the due index,
/// audits it and queues `partner.settlement.calculated`. `Ok(false)`: it
/// exists already (another run made it).
pub async fn create(app: &App, s: &Settlement, audit: &AuditEntry, event: &OutboxEvent) -> Result<bool, AppError> {
    let t = app.table();
    let tx = Tx::new()
        .with("settlement", tx_put(layout(s).put_new(t, s)?)?)
        .with("settlement.period", transactions::settled(app, &s.partnership_id, &s.period_start)?)
        .with(audit::TX_ITEM, audit.transact_put(t)?)
        .with("settlement.outbox", event.transact_put(app)?);
    match dynamo::transact(&app.db, tx).await? {
        Ok(()) => Ok(true),
        Err(r) if r.failed("settlement") => Ok(false),
        Err(r) => Err(r.unexpected("settlement")),
    }
}

/// Writes `after` over `before` if nobody changed it since; with its audit,
/// events and other items. `Ok(false)`: it changed meanwhile.
pub async fn save(
    app: &App,
    before: &Settlement,
    after: &Settlement,
    audit: &AuditEntry,
    events: &[OutboxEvent],
    extra: Vec<(&'static str, TransactWriteItem)>,
) -> Result<bool, AppError> {
    let mut joined = Tx::new();
    for (name, item) in extra {
        joined.add(name, item);
    }
    match save_joined(app, before, after, audit, events, joined).await? {
        Ok(()) => Ok(true),
        Err(r) if r.failed(TX_SETTLEMENT) => Ok(false),
        Err(r) => Err(r.unexpected("settlement change")),
    }
}

/// The settlement item's name in a transaction.
pub const TX_SETTLEMENT: &str = "settlement";

/// Saves `after` (conditioned on `before`'s revision) together with
/// `joined`, another context's items; the caller reads a refusal by name.
pub async fn save_joined(
    app: &App,
    before: &Settlement,
    after: &Settlement,
    audit: &AuditEntry,
    events: &[OutboxEvent],
    joined: Tx,
) -> Result<Result<(), dynamo::Refused>, AppError> {
    let t = app.table();
    let mut after = after.clone();
    after.revision = before.revision + 1;
    let put = Put::builder()
        .table_name(t)
        .set_item(Some(layout(&after).item(&after)?))
        .condition_expression("revision = :seen")
        .expression_attribute_values(":seen", n(before.revision));
    let mut tx = Tx::new().with(TX_SETTLEMENT, tx_put(put)?).with(audit::TX_ITEM, audit.transact_put(t)?);
    for (i, event) in events.iter().enumerate() {
        tx.add(["settlement.outbox.0", "settlement.outbox.1"][i.min(1)], event.transact_put(app)?);
    }
    dynamo::transact(&app.db, tx.join(joined)).await
}

pub async fn get(app: &App, partnership_id: &str, period_start: &str) -> Result<Option<Settlement>, AppError> {
    dynamo::get_as(&app.db, app.table(), &key(partnership_id, period_start)).await
}

/// The settlements of `(partnership, period start)` pairs that exist, in
/// no order (BatchGetItem).
pub async fn many(app: &App, periods: &[(String, String)]) -> Result<Vec<Settlement>, AppError> {
    let keys: Vec<Key> = periods.iter().map(|(p, start)| key(p, start)).collect();
    let items = dynamo::batch_get(&app.db, app.table(), &keys).await?;
    Ok(items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?)
}

/// A partnership's settlements, newest period first.
pub async fn of_partnership(app: &App, partnership_id: &str) -> Result<Vec<Settlement>, AppError> {
    let items = dynamo::query_all(
        &app.db,
        app.table(),
        &Partition::table(format!("PARTNERSHIP#{partnership_id}")).begins_with("SETTLEMENT#").newest_first(),
    )
    .await?;
    Ok(items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?)
}

/// PENDING settlements whose review ended at or before `now` (RFC 3339).
pub async fn reviewed(app: &App, now: &str) -> Result<Vec<Settlement>, AppError> {
    let mut out = Vec::new();
    for shard in 0..PENDING_SHARDS {
        let part = Partition::index(GSI1, format!("SETTLEMENTS_PENDING#{shard}"))
            .sort_key_range(None, Some(format!("{now}#~")));
        let items = dynamo::query_all(&app.db, app.table(), &part).await?;
        out.extend(items.into_iter().map(serde_dynamo::from_item::<_, Settlement>).collect::<Result<Vec<_>, _>>()?);
    }
    Ok(out)
}
