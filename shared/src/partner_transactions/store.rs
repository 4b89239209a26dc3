//! DynamoDB access for partner transactions, all in their partnership's
//! partition: the transactions, their idempotency keys, the per-period
//! counters (qualifying count for HYBRID, what each side owes, closed by
//! the settlement run), per-customer redemption caps, analytics counters
//! (per month and for the partnership's life) and first-time customer
//! marks. A recording is one transaction over all of them.

use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use serde::{Deserialize, Serialize};

use super::domain::{owed_deltas, PartnerTransaction, TxType};
use crate::loyalty::domain::PointsProgram;
use crate::loyalty::liability::Movement;
use crate::loyalty::liability_store as liability;
use crate::loyalty::store as loyalty;
use crate::partnerships::domain::Partnership;
use crate::partnerships::exposure::Bound;
use crate::platform::audit::AuditEntry;
use crate::platform::dynamo::{self, n, query_page, s, tx_check, tx_put, tx_update, Page, Partition, Tx};
use crate::platform::entity::{Key, Layout, NOT_EXISTS};
use crate::platform::error::AppError;
use crate::platform::outbox::OutboxEvent;
use crate::platform::table::{GSI1, GSI2};
use crate::App;

fn partition(partnership_id: &str) -> String {
    format!("PARTNERSHIP#{partnership_id}")
}

fn tx_key(partnership_id: &str, id: &str) -> Key {
    Key::new(partition(partnership_id), format!("TX#{id}"))
}

fn customer_index(partnership_id: &str, customer_id: &str) -> String {
    format!("PTX_CUSTOMER#{partnership_id}#{customer_id}")
}

fn period_index(partnership_id: &str, period_start: &str) -> String {
    format!("PTX_PERIOD#{partnership_id}#{period_start}")
}

/// GSI1: a customer's transactions in a partnership; GSI2: a period's.
fn tx_layout(t: &PartnerTransaction) -> Layout {
    Layout::new("PARTNER_TRANSACTION", tx_key(&t.partnership_id, &t.id))
        .gsi1(customer_index(&t.partnership_id, &t.customer_id), t.id.clone())
        .gsi2(period_index(&t.partnership_id, &t.period_start), t.id.clone())
}

fn idempotency_key(partnership_id: &str, recorder: &str, key: &str) -> Key {
    Key::new(partition(partnership_id), format!("IDEM#{recorder}#{key}"))
}

fn period_key(partnership_id: &str, period_start: &str) -> Key {
    Key::new(partition(partnership_id), format!("PERIOD#{period_start}"))
}

fn cap_key(partnership_id: &str, period_start: &str, customer_id: &str) -> Key {
    Key::new(partition(partnership_id), format!("CAP#{period_start}#{customer_id}"))
}

fn stats_key(partnership_id: &str, scope: &str) -> Key {
    Key::new(partition(partnership_id), format!("STATS#{scope}"))
}

/// First-time marks: `scope` is `LIFE` or a month.
fn seen_key(partnership_id: &str, scope: &str, customer_id: &str) -> Key {
    Key::new(partition(partnership_id), format!("SEEN#{scope}#{customer_id}"))
}

/// Shards of the due-period index: a hot month-end is spread over them.
pub const DUE_SHARDS: u32 = 8;

/// GSI1: periods with transactions and no settlement yet, by their end.
fn due_entry(partnership_id: &str, period_start: &str, period_end: &str) -> (String, String) {
    (
        dynamo::shard_key("DUE_PERIODS", partnership_id, DUE_SHARDS),
        format!("{period_end}#{partnership_id}#{period_start}"),
    )
}

/// A period that has ended and waits for its settlement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DuePeriod {
    pub partnership_id: String,
    pub period_start: String,
    pub period_end: String,
}

/// Periods that ended on or before `today` (`YYYY-MM-DD`) and have no
/// settlement yet: one Query per shard.
pub async fn due_periods(app: &App, today: &str) -> Result<Vec<DuePeriod>, AppError> {
    let mut out = Vec::new();
    for shard in 0..DUE_SHARDS {
        let part =
            Partition::index(GSI1, format!("DUE_PERIODS#{shard}")).sort_key_range(None, Some(format!("{today}#~")));
        let items = dynamo::query_all(&app.db, app.table(), &part).await?;
        out.extend(items.into_iter().map(serde_dynamo::from_item::<_, DuePeriod>).collect::<Result<Vec<_>, _>>()?);
    }
    Ok(out)
}

/// Closes a period to new recordings (they go to a later one as late
/// items); idempotent, and creates the period's item if it had none.
pub async fn close_period(app: &App, partnership_id: &str, period_start: &str, now: &str) -> Result<(), AppError> {
    app.db
        .update_item()
        .table_name(app.table())
        .set_key(Some(period_key(partnership_id, period_start).attrs()))
        .update_expression("SET entity = :entity, closedAt = if_not_exists(closedAt, :now)")
        .expression_attribute_values(":entity", s("PARTNERSHIP_PERIOD"))
        .expression_attribute_values(":now", s(now))
        .send()
        .await?;
    Ok(())
}

/// For the settlement's transaction: the period leaves the due index.
pub fn settled(app: &App, partnership_id: &str, period_start: &str) -> Result<TransactWriteItem, AppError> {
    let (g1pk, g1sk) = crate::platform::entity::gsi1_attributes();
    tx_update(
        period_key(partnership_id, period_start)
            .update(app.table())
            .update_expression("SET settledAt = :yes REMOVE #g1pk, #g1sk")
            .condition_expression("attribute_exists(closedAt)")
            .expression_attribute_names("#g1pk", g1pk)
            .expression_attribute_names("#g1sk", g1sk)
            .expression_attribute_values(":yes", aws_sdk_dynamodb::types::AttributeValue::Bool(true)),
    )
}

/// Every transaction of a period, a page at a time, oldest first: the
/// settlement's lines.
pub async fn period_page(
    app: &App,
    partnership_id: &str,
    period_start: &str,
    limit: i32,
    cursor: Option<&str>,
) -> Result<Page<PartnerTransaction>, AppError> {
    query_page(
        &app.db,
        app.table(),
        &Partition::index(GSI2, period_index(partnership_id, period_start)),
        Some(limit),
        cursor,
    )
    .await
}

/// The partnership's latest `n` periods with transactions, newest first.
pub async fn latest_periods(app: &App, partnership_id: &str, n: u32) -> Result<Vec<PeriodCounters>, AppError> {
    let limit = i32::try_from(n).unwrap_or(i32::MAX);
    let page = query_page(
        &app.db,
        app.table(),
        &Partition::table(partition(partnership_id)).begins_with("PERIOD#").newest_first(),
        Some(limit),
        None,
    )
    .await?;
    Ok(page.items)
}

/// What an idempotency key recorded.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdempotencyRecord {
    pub transaction_id: String,
    pub fingerprint: String,
}

/// A period's counters.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PeriodCounters {
    #[serde(default)]
    pub period_start: String,
    #[serde(default)]
    pub period_end: String,
    #[serde(default)]
    pub qualifying: u64,
    #[serde(default)]
    pub transactions: u64,
    #[serde(default)]
    pub a_owes_cents: i64,
    #[serde(default)]
    pub b_owes_cents: i64,
    #[serde(default)]
    pub closed_at: Option<String>,
}

/// Analytics counters (one month, or the partnership's life).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    #[serde(default)]
    pub partnership_id: String,
    #[serde(default)]
    pub scope: String,
    #[serde(default)]
    pub transactions: i64,
    #[serde(default)]
    pub earn_count: i64,
    #[serde(default)]
    pub redeem_count: i64,
    #[serde(default)]
    pub referral_count: i64,
    #[serde(default)]
    pub reversal_count: i64,
    #[serde(default)]
    pub points_earned: i64,
    #[serde(default)]
    pub points_redeemed: i64,
    #[serde(default)]
    pub a_owes_cents: i64,
    #[serde(default)]
    pub b_owes_cents: i64,
    #[serde(default)]
    pub shared_customers: i64,
    /// LIFE only: what is open between the parties, A owes B when positive.
    #[serde(default)]
    pub open_net_a_to_b: i64,
}

/// What a recording needs besides the transaction itself.
pub struct Recording<'a> {
    pub tx: &'a PartnerTransaction,
    pub fingerprint: &'a str,
    pub partnership: &'a Partnership,
    /// The program the points were converted by (checked unchanged).
    pub program: Option<&'a PointsProgram>,
    /// The HYBRID ordinal was taken from this many qualifying ones.
    pub qualifying_seen: Option<u64>,
    pub max_redemptions: Option<u64>,
    /// The end of the period it counts in (`YYYY-MM-DD`, exclusive).
    pub period_end: String,
    /// The customer's first transaction in the partnership / the month.
    pub first_in_life: bool,
    /// An EARN's guess: the customer's balance in the program exists, or
    /// this is the first earn (refused `TX_BALANCE` when wrong).
    pub opening: loyalty::Opening,
    pub first_in_month: bool,
    /// A REVERSAL's original.
    pub original: Option<&'a PartnerTransaction>,
    /// Whether the payer's exposure limit applies (a sale does; an
    /// adjustment both parties agreed to in a dispute does not).
    pub enforce_exposure: bool,
    pub audit: &'a AuditEntry,
    pub event: &'a OutboxEvent,
}

/// Names of a recording's items, read back by `record`.
const TX_IDEMPOTENCY: &str = "ptx.idempotency";
const TX_PARTNERSHIP: &str = "ptx.partnership_unchanged";
const TX_PROGRAM: &str = "ptx.program_unchanged";
const TX_BALANCE: &str = "ptx.balance";
const TX_CAP: &str = "ptx.redemption_cap";
const TX_PERIOD: &str = "ptx.period";
const TX_SEEN_LIFE: &str = "ptx.seen_life";
const TX_SEEN_MONTH: &str = "ptx.seen_month";
const TX_ORIGINAL: &str = "ptx.original";
const TX_STATS_LIFE: &str = "ptx.stats_life";

fn stats_update(app: &App, r: &Recording<'_>, scope: &str, first: bool) -> Result<TransactWriteItem, AppError> {
    tx_update(stats_update_builder(app, r, scope, first, ""))
}

/// A scope's counters moved by the recording; `more`: further `ADD`s.
fn stats_update_builder(
    app: &App,
    r: &Recording<'_>,
    scope: &str,
    first: bool,
    more: &str,
) -> aws_sdk_dynamodb::types::builders::UpdateBuilder {
    let t = r.tx;
    let (a, b) = owed_deltas(t);
    let sign: i64 = if t.transaction_type == TxType::Reversal { -1 } else { 1 };
    let counter = match t.transaction_type {
        TxType::Earn => "earnCount",
        TxType::Redeem => "redeemCount",
        TxType::Referral => "referralCount",
        TxType::Reversal => "reversalCount",
        TxType::Adjustment => "adjustmentCount",
    };
    let points = |p: Option<u64>| sign * i64::try_from(p.unwrap_or(0)).unwrap_or(i64::MAX);
    stats_key(&t.partnership_id, scope)
            .update(app.table())
            .update_expression(format!(
                "SET entity = :entity, partnershipId = :pid, #scope = :scope ADD transactions :one, {counter} :one, pointsEarned :pe, pointsRedeemed :pr, aOwesCents :a, bOwesCents :b, sharedCustomers :new{more}"
            ))
            .expression_attribute_names("#scope", "scope")
            .expression_attribute_values(":entity", s("PARTNERSHIP_STATS"))
            .expression_attribute_values(":scope", s(scope))
            .expression_attribute_values(":pid", s(&t.partnership_id))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":pe", n(points(t.points_earned)))
            .expression_attribute_values(":pr", n(points(t.points_redeemed)))
            .expression_attribute_values(":a", n(a))
            .expression_attribute_values(":b", n(b))
            .expression_attribute_values(":new", n(u8::from(first)))
}

/// The life counters, which also keep what is open between the parties
/// (`openNetAToB`: A owes B when positive, taken back out as settlements
/// are processed); conditioned on the payer's exposure limit.
fn life_update(app: &App, r: &Recording<'_>) -> Result<TransactWriteItem, AppError> {
    let mut item = stats_update_builder(app, r, "LIFE", r.first_in_life, ", openNetAToB :net");
    let (a, b) = owed_deltas(r.tx);
    let net = a.saturating_sub(b);
    item = item.expression_attribute_values(":net", n(net));
    let bound = r.enforce_exposure.then(|| r.partnership.exposure_limits.bound(net)).flatten();
    item = match bound {
        None => item,
        // Absent, the open amount is 0.
        Some(Bound::AtMost(x)) => item
            .condition_expression(if x >= 0 {
                "attribute_not_exists(openNetAToB) OR openNetAToB <= :bound"
            } else {
                "openNetAToB <= :bound"
            })
            .expression_attribute_values(":bound", n(x)),
        Some(Bound::AtLeast(x)) => item
            .condition_expression(if x <= 0 {
                "attribute_not_exists(openNetAToB) OR openNetAToB >= :bound"
            } else {
                "openNetAToB >= :bound"
            })
            .expression_attribute_values(":bound", n(x)),
    };
    tx_update(item)
}

/// A processed settlement takes its net out of what is open.
pub fn exposure_release(app: &App, partnership_id: &str, net_a_to_b: i64) -> Result<TransactWriteItem, AppError> {
    tx_update(
        stats_key(partnership_id, "LIFE")
            .update(app.table())
            .update_expression("ADD openNetAToB :minus")
            .expression_attribute_values(":minus", n(net_a_to_b.saturating_neg())),
    )
}

fn seen_put(app: &App, t: &PartnerTransaction, scope: &str) -> Result<TransactWriteItem, AppError> {
    let put = Put::builder()
        .table_name(app.table())
        .set_item(Some(
            Layout::new("PARTNERSHIP_CUSTOMER_SEEN", seen_key(&t.partnership_id, scope, &t.customer_id)).key_attrs(),
        ))
        .item("firstTransactionId", s(&t.id))
        .condition_expression(NOT_EXISTS);
    tx_put(put)
}

/// What became of a recording's transaction. The store reads the failed
/// items; the recording decides what each means for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// Written, with all its effects.
    Done,
    /// Its idempotency key was used first (by a retry of this request, or
    /// by another): read the first recording.
    KeyTaken,
    /// The REVERSAL's original is reversed already.
    AlreadyReversed,
    /// The customer's balance refused the move: too few points (REDEEM),
    /// the earned points spent (REVERSAL of an EARN), or an EARN's guess
    /// about the balance's existence was wrong (`Recording::opening`).
    BalanceRefused,
    /// The customer reached the partnership's redemption cap.
    CapReached,
    /// The payer would owe more than its exposure limit allows.
    ExposureReached,
    /// Facts the plan rested on moved, or another transaction held the
    /// same items: forget what is named and plan again.
    Stale(Stale),
}

/// Which remembered or read facts a refused recording found moved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stale {
    pub partnership: bool,
    pub program: bool,
    pub period: bool,
    pub seen_life: bool,
    pub seen_month: bool,
}

/// Whether a joined recording (a settlement resolution's adjustment) was
/// refused for what a fresh plan may clear: its key, the partnership or
/// the period moved meanwhile.
pub fn adjustment_contended(r: &dynamo::Refused) -> bool {
    [TX_IDEMPOTENCY, TX_PARTNERSHIP, TX_PERIOD].iter().any(|n| r.failed(n))
}

/// Writes one recording and all its effects at once, or nothing. One
/// attempt: the recording's own loop retries (one retry policy).
pub async fn record(app: &App, r: Recording<'_>) -> Result<Recorded, AppError> {
    let refused = match dynamo::transact_once(&app.db, &recording_items(app, &r)?).await? {
        Ok(()) => return Ok(Recorded::Done),
        Err(refused) => refused,
    };
    let outcome = if refused.failed(TX_IDEMPOTENCY) {
        Recorded::KeyTaken
    } else if refused.failed(TX_ORIGINAL) {
        Recorded::AlreadyReversed
    } else if refused.failed(TX_BALANCE) {
        Recorded::BalanceRefused
    } else if refused.failed(TX_CAP) {
        Recorded::CapReached
    } else if refused.failed(TX_STATS_LIFE) {
        Recorded::ExposureReached
    } else {
        let stale = Stale {
            partnership: refused.failed(TX_PARTNERSHIP),
            program: refused.failed(TX_PROGRAM),
            period: refused.failed(TX_PERIOD),
            seen_life: refused.failed(TX_SEEN_LIFE),
            seen_month: refused.failed(TX_SEEN_MONTH),
        };
        if stale == Stale::default() && !refused.conflicted() {
            return Err(refused.unexpected("partner transaction"));
        }
        Recorded::Stale(stale)
    };
    Ok(outcome)
}

/// The name of a recording's audit row (distinct from the `audit` of a
/// transaction it joins, such as a settlement's resolution).
pub const TX_AUDIT: &str = "ptx.audit";

/// A recording's items, for a transaction of its own (`record`) or one it
/// joins (a settlement resolution's adjustment).
pub fn recording_items(app: &App, r: &Recording<'_>) -> Result<Tx, AppError> {
    let (table, t) = (app.table(), r.tx);
    let idem = Layout::new(
        "PARTNER_TX_IDEMPOTENCY",
        idempotency_key(&t.partnership_id, &t.recorded_by_business_id, &t.idempotency_key),
    )
    .put_new(table, &IdempotencyRecord { transaction_id: t.id.clone(), fingerprint: r.fingerprint.to_string() })?;
    let unchanged = r.partnership.revision;
    let partnership = tx_check(
        Key::new(partition(&t.partnership_id), "PARTNERSHIP")
            .check(table)
            .condition_expression("revision = :r")
            .expression_attribute_values(":r", n(unchanged)),
    )?;
    let mut tx = Tx::new()
        .with("ptx.transaction", tx_put(tx_layout(t).put_new(table, t)?)?)
        .with(TX_IDEMPOTENCY, tx_put(idem)?)
        .with(TX_PARTNERSHIP, partnership)
        .with(TX_AUDIT, r.audit.transact_put(table)?)
        .with("ptx.outbox", r.event.transact_put(app)?);
    if let Some(program) = r.program {
        tx.add(TX_PROGRAM, loyalty::program_unchanged(app, program)?);
    }
    // Points: where the customer's balance moves.
    let program_business = t.program_business_id.as_deref().unwrap_or_default();
    let original_type = r.original.map(|o| o.transaction_type);
    let at = t.recorded_at.as_str();
    let (customer, program) = (t.customer_id.as_str(), program_business);
    let balance = match (t.transaction_type, original_type) {
        (TxType::Earn, _) => t
            .points_earned
            .filter(|p| *p > 0)
            .map(|p| (loyalty::credit(app, customer, program, p, r.opening, at), Movement::Earned(p))),
        (TxType::Redeem, _) => {
            t.points_redeemed.map(|p| (loyalty::debit(app, customer, program, p, at), Movement::Redeemed(p)))
        }
        (TxType::Reversal, Some(TxType::Earn)) => t
            .points_earned
            .filter(|p| *p > 0)
            .map(|p| (loyalty::unearn(app, customer, program, p, at), Movement::EarnReversed(p))),
        (TxType::Reversal, Some(TxType::Redeem)) => {
            t.points_redeemed.map(|p| (loyalty::refund(app, customer, program, p, at), Movement::RedeemReversed(p)))
        }
        _ => None,
    };
    if let Some((balance, movement)) = balance {
        tx.add(TX_BALANCE, balance?);
        // The program's liability moves with the balance, in one commit.
        tx.add("ptx.liability", liability::movement(app, program, customer, at, movement)?);
        if t.transaction_type == TxType::Earn && r.opening == loyalty::Opening::First {
            tx.add("ptx.loyal_customer", loyalty::opened(app, program)?);
        }
    }
    if let (TxType::Redeem, Some(max)) = (t.transaction_type, r.max_redemptions) {
        let cap = cap_key(&t.partnership_id, &t.period_start, &t.customer_id)
            .update(table)
            .update_expression("SET entity = :entity ADD redemptions :one")
            .condition_expression("attribute_not_exists(redemptions) OR redemptions < :max")
            .expression_attribute_values(":entity", s("PARTNER_REDEMPTION_CAP"))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":max", n(max));
        tx.add(TX_CAP, tx_update(cap)?);
    }
    // The period: open (not closed by its settlement run), and for HYBRID
    // still at the qualifying count the ordinal was taken from.
    let (a, b) = owed_deltas(t);
    let qualifies = t.transaction_type.qualifies();
    let qualifying = super::domain::qualifying_delta(t, r.original);
    // Its first recording also enters the period in the due index, which
    // the settlement run reads once the period has ended.
    let (due_pk, due_sk) = due_entry(&t.partnership_id, &t.period_start, &r.period_end);
    let (g1pk, g1sk) = crate::platform::entity::gsi1_attributes();
    let mut period = period_key(&t.partnership_id, &t.period_start)
        .update(table)
        .update_expression(
            "SET entity = :entity, partnershipId = :pid, periodStart = :start, periodEnd = :end, #g1pk = if_not_exists(#g1pk, :due_pk), #g1sk = if_not_exists(#g1sk, :due_sk) \
             ADD transactions :one, qualifying :q, aOwesCents :a, bOwesCents :b",
        )
        .expression_attribute_names("#g1pk", g1pk)
        .expression_attribute_names("#g1sk", g1sk)
        .expression_attribute_values(":pid", s(&t.partnership_id))
        .expression_attribute_values(":start", s(&t.period_start))
        .expression_attribute_values(":end", s(&r.period_end))
        .expression_attribute_values(":due_pk", s(due_pk))
        .expression_attribute_values(":due_sk", s(due_sk))
        .expression_attribute_values(":entity", s("PARTNERSHIP_PERIOD"))
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":q", n(qualifying))
        .expression_attribute_values(":a", n(a))
        .expression_attribute_values(":b", n(b));
    period = match r.qualifying_seen.filter(|_| qualifies) {
        Some(0) => period
            .condition_expression(
                "attribute_not_exists(closedAt) AND (attribute_not_exists(qualifying) OR qualifying = :seen)",
            )
            .expression_attribute_values(":seen", n(0)),
        Some(seen) => period
            .condition_expression("attribute_not_exists(closedAt) AND qualifying = :seen")
            .expression_attribute_values(":seen", n(seen)),
        None => period.condition_expression("attribute_not_exists(closedAt)"),
    };
    tx.add(TX_PERIOD, tx_update(period)?);
    tx.add(TX_STATS_LIFE, life_update(app, r)?);
    tx.add("ptx.stats_month", stats_update(app, r, t.month(), r.first_in_month)?);
    if r.first_in_life {
        tx.add(TX_SEEN_LIFE, seen_put(app, t, "LIFE")?);
    }
    if r.first_in_month {
        tx.add(TX_SEEN_MONTH, seen_put(app, t, t.month())?);
    }
    if let Some(original) = r.original {
        let mark = tx_key(&original.partnership_id, &original.id)
            .update(table)
            .update_expression("SET reversedBy = :id")
            .condition_expression("attribute_exists(PK) AND attribute_not_exists(reversedBy)")
            .expression_attribute_values(":id", s(&t.id));
        tx.add(TX_ORIGINAL, tx_update(mark)?);
    }
    Ok(tx)
}

pub async fn get(app: &App, partnership_id: &str, id: &str) -> Result<Option<PartnerTransaction>, AppError> {
    dynamo::get_as(&app.db, app.table(), &tx_key(partnership_id, id)).await
}

pub async fn idempotency(
    app: &App,
    partnership_id: &str,
    recorder: &str,
    key: &str,
) -> Result<Option<IdempotencyRecord>, AppError> {
    dynamo::get_as(&app.db, app.table(), &idempotency_key(partnership_id, recorder, key)).await
}

pub async fn period(app: &App, partnership_id: &str, period_start: &str) -> Result<Option<PeriodCounters>, AppError> {
    dynamo::get_as(&app.db, app.table(), &period_key(partnership_id, period_start)).await
}

/// A page of a partnership's transactions, newest first: all, one
/// customer's, or one period's.
pub async fn list(
    app: &App,
    partnership_id: &str,
    customer: Option<&str>,
    period_start: Option<&str>,
    limit: i32,
    cursor: Option<&str>,
) -> Result<Page<PartnerTransaction>, AppError> {
    let part = match (customer, period_start) {
        (Some(c), _) => Partition::index(GSI1, customer_index(partnership_id, c)).newest_first(),
        (None, Some(p)) => Partition::index(GSI2, period_index(partnership_id, p)).newest_first(),
        (None, None) => Partition::table(partition(partnership_id)).begins_with("TX#").newest_first(),
    };
    query_page(&app.db, app.table(), &part, Some(limit), cursor).await
}

/// Several transactions of a partnership at once (one BatchGetItem per
/// 100); the ones that do not exist are left out.
pub async fn get_many(app: &App, partnership_id: &str, ids: &[String]) -> Result<Vec<PartnerTransaction>, AppError> {
    let keys: Vec<Key> = ids.iter().map(|id| tx_key(partnership_id, id)).collect();
    let items = dynamo::batch_get(&app.db, app.table(), &keys).await?;
    Ok(items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?)
}

/// A partnership's analytics counters: the life total and every month.
/// What is open between the parties: A owes B when positive (cents).
pub async fn open_net_a_to_b(app: &App, partnership_id: &str) -> Result<i64, AppError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Open {
        #[serde(default)]
        open_net_a_to_b: i64,
    }
    let open = dynamo::get_as::<Open>(&app.db, app.table(), &stats_key(partnership_id, "LIFE")).await?;
    Ok(open.map_or(0, |o| o.open_net_a_to_b))
}

pub async fn stats(app: &App, partnership_id: &str) -> Result<Vec<Stats>, AppError> {
    let items =
        dynamo::query_all(&app.db, app.table(), &Partition::table(partition(partnership_id)).begins_with("STATS#"))
            .await?;
    Ok(items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?)
}

/// The life and one month's counters of many partnerships at once.
pub async fn stats_of(app: &App, partnership_ids: &[String], month: &str) -> Result<Vec<Stats>, AppError> {
    let keys: Vec<Key> = partnership_ids.iter().flat_map(|p| [stats_key(p, "LIFE"), stats_key(p, month)]).collect();
    let items = dynamo::batch_get(&app.db, app.table(), &keys).await?;
    Ok(items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?)
}

/// Loads many transactions of one period at once (BatchWriteItem, 25 a
/// request) with their period's counters, as recordings would have left
/// them: for load tests and benchmarks; recording goes through `record`.
pub async fn bulk_load(
    app: &App,
    partnership_id: &str,
    period_start: &str,
    period_end: &str,
    txs: &[PartnerTransaction],
) -> Result<(), AppError> {
    let items = txs.iter().map(|t| tx_layout(t).item(t)).collect::<Result<Vec<_>, _>>()?;
    dynamo::batch_put_all(&app.db, app.table(), items).await?;
    let (mut a, mut b, mut qualifying) = (0i64, 0i64, 0u64);
    for t in txs {
        let (da, db) = super::domain::owed_deltas(t);
        (a, b) = (a + da, b + db);
        qualifying += u64::from(t.transaction_type.qualifies());
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Period<'a> {
        partnership_id: &'a str,
        period_start: &'a str,
        period_end: &'a str,
        transactions: u64,
        qualifying: u64,
        a_owes_cents: i64,
        b_owes_cents: i64,
    }
    let (due_pk, due_sk) = due_entry(partnership_id, period_start, period_end);
    let item = Layout::new("PARTNERSHIP_PERIOD", period_key(partnership_id, period_start)).gsi1(due_pk, due_sk).item(
        &Period {
            partnership_id,
            period_start,
            period_end,
            transactions: txs.len() as u64,
            qualifying,
            a_owes_cents: a,
            b_owes_cents: b,
        },
    )?;
    app.db.put_item().table_name(app.table()).set_item(Some(item)).send().await?;
    Ok(())
}
