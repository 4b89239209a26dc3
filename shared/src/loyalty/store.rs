//! DynamoDB access for points programs (current and every version),
//! published rewards, customers' balances and home-earn idempotency keys.

use aws_sdk_dynamodb::types::builders::UpdateBuilder;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use serde::{Deserialize, Serialize};

use super::domain::{Balance, PointsProgram, Reward};
use super::liability::Movement;
use crate::platform::audit::{self, AuditEntry};
use crate::platform::dynamo::{self, n, s, tx_check, tx_put, tx_update, Partition, Tx};
use crate::platform::entity::{Key, Layout, NOT_EXISTS};
use crate::platform::error::AppError;
use crate::App;

fn program_key(business_id: &str) -> Key {
    Key::new(format!("BUSINESS#{business_id}"), "POINTS_PROGRAM")
}

fn program_version_key(business_id: &str, version: u32) -> Key {
    Key::new(format!("BUSINESS#{business_id}"), format!("POINTS_PROGRAM#{version:06}"))
}

/// The audit subject of a business's points program.
pub fn program_subject(business_id: &str) -> String {
    format!("BUSINESS#{business_id}#POINTS_PROGRAM")
}

fn reward_key(business_id: &str, reward_id: &str) -> Key {
    Key::new(format!("BUSINESS#{business_id}"), format!("REWARD#{reward_id}"))
}

pub fn balance_key(customer_id: &str, program_business_id: &str) -> Key {
    Key::new(format!("CUSTOMER#{customer_id}"), format!("BALANCE#{program_business_id}"))
}

fn earn_key(business_id: &str, key: &str) -> Key {
    Key::new(format!("BUSINESS#{business_id}"), format!("EARN#{key}"))
}

/// Writes `program` as the new current version (the first only if there is
/// none, a later one only over `previous`) and keeps the version.
/// `Ok(false)`: another change came first.
pub async fn save_program(app: &App, program: &PointsProgram, audit: &AuditEntry) -> Result<bool, AppError> {
    let t = app.table();
    let mut current = Put::builder().table_name(t).set_item(Some(
        // Listed among every program (GSI2), which the liability jobs walk.
        Layout::new("POINTS_PROGRAM", program_key(&program.business_id))
            .gsi2(super::liability_store::PROGRAMS_PARTITION, &program.business_id)
            .item(program)?,
    ));
    current = if program.version == 1 {
        current.condition_expression(NOT_EXISTS)
    } else {
        current
            .condition_expression("version = :previous")
            .expression_attribute_values(":previous", n(program.version - 1))
    };
    let kept = Layout::new("POINTS_PROGRAM_VERSION", program_version_key(&program.business_id, program.version))
        .put_new(t, program)?;
    let tx = Tx::new()
        .with("program", tx_put(current)?)
        .with("program.version", tx_put(kept)?)
        .with(audit::TX_ITEM, audit.transact_put(t)?);
    match dynamo::transact(&app.db, tx).await? {
        Ok(()) => Ok(true),
        Err(r) if r.failed("program") || r.failed("program.version") => Ok(false),
        Err(r) => Err(r.unexpected("points program")),
    }
}

pub async fn program(app: &App, business_id: &str) -> Result<Option<PointsProgram>, AppError> {
    dynamo::get_as(&app.db, app.table(), &program_key(business_id)).await
}

/// Several businesses' programs at once (one BatchGetItem per 100).
pub async fn programs(app: &App, business_ids: &[String]) -> Result<Vec<PointsProgram>, AppError> {
    let keys: Vec<Key> = business_ids.iter().map(|b| program_key(b)).collect();
    let items = dynamo::batch_get(&app.db, app.table(), &keys).await?;
    Ok(items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?)
}

/// For a transaction that converted by `program`: it is still the version
/// in force.
pub fn program_unchanged(app: &App, program: &PointsProgram) -> Result<TransactWriteItem, AppError> {
    tx_check(
        program_key(&program.business_id)
            .check(app.table())
            .condition_expression("version = :v")
            .expression_attribute_values(":v", n(program.version)),
    )
}

pub async fn add_reward(app: &App, reward: &Reward, audit: &AuditEntry) -> Result<(), AppError> {
    let put = Layout::new("REWARD", reward_key(&reward.business_id, &reward.reward_id)).put_new(app.table(), reward)?;
    let tx = Tx::new().with("reward", tx_put(put)?).with(audit::TX_ITEM, audit.transact_put(app.table())?);
    dynamo::transact(&app.db, tx).await?.map_err(|r| r.unexpected("reward"))
}

/// A business's published rewards.
pub async fn rewards(app: &App, business_id: &str) -> Result<Vec<Reward>, AppError> {
    let items = dynamo::query_all(
        &app.db,
        app.table(),
        &Partition::table(format!("BUSINESS#{business_id}")).begins_with("REWARD#"),
    )
    .await?;
    Ok(items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?)
}

/// Whether a credit adds to a customer's balance in a program or opens it.
/// The balance is the first-earn mark: the transaction that opens it also
/// counts the business one more loyal customer, so each customer is
/// counted once however many earns race.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Opening {
    /// The balance exists (the usual case, so tried first).
    #[default]
    Existing,
    /// The customer's first earn in the program.
    First,
}

impl Opening {
    /// The other guess, after a credit was refused on it.
    pub fn flipped(self) -> Self {
        match self {
            Opening::Existing => Opening::First,
            Opening::First => Opening::Existing,
        }
    }
}

/// Adds `points` to a customer's balance in a program, for a transaction:
/// refused unless the balance exists (`Existing`) or does not (`First`).
/// A `First` credit's transaction also carries `opened`.
pub fn credit(
    app: &App,
    customer_id: &str,
    program_business_id: &str,
    points: u64,
    opening: Opening,
    at: &str,
) -> Result<TransactWriteItem, AppError> {
    let condition = match opening {
        Opening::Existing => "attribute_exists(PK)",
        Opening::First => "attribute_not_exists(PK)",
    };
    tx_update(active(
        balance_key(customer_id, program_business_id)
            .update(app.table())
            .update_expression(format!(
                "SET entity = :entity, customerId = :customer, programBusinessId = :program, {ACTIVE} ADD points :p, earned :p"
            ))
            .condition_expression(condition)
            .expression_attribute_values(":entity", s("POINTS_BALANCE"))
            .expression_attribute_values(":customer", s(customer_id))
            .expression_attribute_values(":program", s(program_business_id))
            .expression_attribute_values(":p", n(points)),
        customer_id,
        program_business_id,
        at,
    ))
}

/// Every movement but expiry is activity: it sets `lastActivityAt` and
/// files the balance among its program's holders (GSI1, by last activity),
/// which the expiry and reconciliation jobs read.
const ACTIVE: &str = "lastActivityAt = :at, #g1pk = :holders, #g1sk = :active";

fn active(update: UpdateBuilder, customer_id: &str, program_business_id: &str, at: &str) -> UpdateBuilder {
    let (g1pk, g1sk) = crate::platform::entity::gsi1_attributes();
    update
        .expression_attribute_names("#g1pk", g1pk)
        .expression_attribute_names("#g1sk", g1sk)
        .expression_attribute_values(":at", s(at))
        .expression_attribute_values(":holders", s(holders_partition(program_business_id)))
        .expression_attribute_values(":active", s(format!("{at}#{customer_id}")))
}

/// The GSI1 partition of a program's balances.
pub fn holders_partition(program_business_id: &str) -> String {
    format!("POINTS_HOLDERS#{program_business_id}")
}

/// The program's business counts one more loyal customer: for the
/// transaction whose `credit` is the customer's `First`.
pub fn opened(app: &App, program_business_id: &str) -> Result<TransactWriteItem, AppError> {
    crate::businesses::store::count_loyal_customer(app, program_business_id)
}

/// Takes `points` from a customer's balance, only if it holds that many:
/// a balance never goes below zero, however many redemptions race.
pub fn debit(
    app: &App,
    customer_id: &str,
    program_business_id: &str,
    points: u64,
    at: &str,
) -> Result<TransactWriteItem, AppError> {
    tx_update(active(
        balance_key(customer_id, program_business_id)
            .update(app.table())
            .update_expression(format!("SET {ACTIVE} ADD points :minus, redeemed :p"))
            .condition_expression("points >= :p")
            .expression_attribute_values(":p", n(points))
            .expression_attribute_values(":minus", n(format!("-{points}"))),
        customer_id,
        program_business_id,
        at,
    ))
}

/// Undoes a redemption's debit (a reversal): the points come back.
pub fn refund(
    app: &App,
    customer_id: &str,
    program_business_id: &str,
    points: u64,
    at: &str,
) -> Result<TransactWriteItem, AppError> {
    tx_update(active(
        balance_key(customer_id, program_business_id)
            .update(app.table())
            .update_expression(format!("SET {ACTIVE} ADD points :p, redeemed :minus"))
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":p", n(points))
            .expression_attribute_values(":minus", n(format!("-{points}"))),
        customer_id,
        program_business_id,
        at,
    ))
}

/// Undoes an earn (a reversal), only if the points are still there.
pub fn unearn(
    app: &App,
    customer_id: &str,
    program_business_id: &str,
    points: u64,
    at: &str,
) -> Result<TransactWriteItem, AppError> {
    tx_update(active(
        balance_key(customer_id, program_business_id)
            .update(app.table())
            .update_expression(format!("SET {ACTIVE} ADD points :minus, earned :minus"))
            .condition_expression("points >= :p")
            .expression_attribute_values(":p", n(points))
            .expression_attribute_values(":minus", n(format!("-{points}"))),
        customer_id,
        program_business_id,
        at,
    ))
}

pub async fn balance(app: &App, customer_id: &str, program_business_id: &str) -> Result<Option<Balance>, AppError> {
    dynamo::get_as(&app.db, app.table(), &balance_key(customer_id, program_business_id)).await
}

/// Every balance of a customer.
pub async fn balances(app: &App, customer_id: &str) -> Result<Vec<Balance>, AppError> {
    let items = dynamo::query_all(
        &app.db,
        app.table(),
        &Partition::table(format!("CUSTOMER#{customer_id}")).begins_with("BALANCE#"),
    )
    .await?;
    Ok(items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?)
}

/// What a home earn answered, kept under its idempotency key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EarnRecord {
    pub business_id: String,
    pub idempotency_key: String,
    pub customer_id: String,
    pub amount_cents: u64,
    pub points_earned: u64,
    pub program_version: u32,
    pub recorded_at: String,
}

pub const TX_EARN_KEY: &str = "earn.key";
pub const TX_PROGRAM: &str = "earn.program";
/// Refused: the balance's `Opening` was guessed wrong; try the other.
pub const TX_EARN_BALANCE: &str = "earn.balance";

/// Credits a home earn once per idempotency key, by the program version it
/// converted by. Refused `TX_EARN_KEY`: the key was used (read it back);
/// `TX_PROGRAM`: the program changed meanwhile; `TX_EARN_BALANCE`: the
/// balance was (not) there.
pub async fn earn(
    app: &App,
    record: &EarnRecord,
    program: &PointsProgram,
    opening: Opening,
    audit: &AuditEntry,
) -> Result<Result<(), dynamo::Refused>, AppError> {
    let t = app.table();
    let mut tx = Tx::new()
        .with(
            TX_EARN_KEY,
            tx_put(
                Layout::new("POINTS_EARN", earn_key(&record.business_id, &record.idempotency_key))
                    .put_new(t, record)?,
            )?,
        )
        .with(TX_PROGRAM, program_unchanged(app, program)?)
        .with(
            TX_EARN_BALANCE,
            credit(app, &record.customer_id, &record.business_id, record.points_earned, opening, &record.recorded_at)?,
        )
        .with(
            "earn.liability",
            super::liability_store::movement(
                app,
                &record.business_id,
                &record.customer_id,
                &record.recorded_at,
                Movement::Earned(record.points_earned),
            )?,
        )
        .with(audit::TX_ITEM, audit.transact_put(t)?);
    if opening == Opening::First {
        tx.add("earn.loyal_customer", opened(app, &record.business_id)?);
    }
    dynamo::transact(&app.db, tx).await
}

pub async fn earn_record(app: &App, business_id: &str, key: &str) -> Result<Option<EarnRecord>, AppError> {
    dynamo::get_as(&app.db, app.table(), &earn_key(business_id, key)).await
}
