//! DynamoDB access for points liability: the counters each balance
//! movement adds to (in the movement's own transaction), a program's
//! holders (GSI1, by last activity) and the reconciliation's latest check.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::TransactWriteItem;
use serde::{Deserialize, Serialize};

use super::liability::{MonthCounters, Movement, SHARDS};
use super::store::holders_partition;
use crate::platform::dynamo::{self, n, s, tx_update, Item, Partition};
use crate::platform::entity::{Key, Layout};
use crate::platform::error::AppError;
use crate::platform::table::{GSI1, GSI2};
use crate::App;

/// A month's counters are spread over `SHARDS` items by customer.
fn counter_key(program_business_id: &str, month: &str, customer_id: &str) -> Key {
    Key::new(
        format!("BUSINESS#{program_business_id}"),
        dynamo::shard_key(&format!("LIABILITY#{month}"), customer_id, SHARDS),
    )
}

fn check_key(program_business_id: &str) -> Key {
    Key::new(format!("BUSINESS#{program_business_id}"), "LIABILITY_CHECK")
}

/// The GSI2 partition listing every points program (the jobs walk it).
pub const PROGRAMS_PARTITION: &str = "POINTS_PROGRAMS";

/// Adds `movement` to the program's counters of the month of `at`, for the
/// transaction that moves the balance.
pub fn movement(
    app: &App,
    program_business_id: &str,
    customer_id: &str,
    at: &str,
    movement: Movement,
) -> Result<TransactWriteItem, AppError> {
    let month = at.get(..7).ok_or_else(|| AppError::internal(format!("{at} is not a timestamp")))?;
    let (counter, points) = movement.counter();
    tx_update(
        counter_key(program_business_id, month, customer_id)
            .update(app.table())
            .update_expression("SET entity = :entity, #month = :month ADD #counter :p")
            .expression_attribute_names("#month", "month")
            .expression_attribute_names("#counter", counter)
            .expression_attribute_values(":entity", s("POINTS_LIABILITY"))
            .expression_attribute_values(":month", s(month))
            .expression_attribute_values(":p", n(points)),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CounterItem {
    month: String,
    #[serde(flatten)]
    counters: MonthCounters,
}

/// The program's counters by month (its shards summed), strongly
/// consistent.
pub async fn months(app: &App, program_business_id: &str) -> Result<BTreeMap<String, MonthCounters>, AppError> {
    let items = dynamo::query_all(
        &app.db,
        app.table(),
        &Partition::table(format!("BUSINESS#{program_business_id}")).begins_with("LIABILITY#"),
    )
    .await?;
    let mut out: BTreeMap<String, MonthCounters> = BTreeMap::new();
    for item in items {
        let c: CounterItem = serde_dynamo::from_item(item)?;
        out.entry(c.month).or_default().add(&c.counters);
    }
    Ok(out)
}

/// One page of a program's holders last active before `before` (all of
/// them without it), oldest activity first.
pub async fn holders_page(
    app: &App,
    program_business_id: &str,
    before: Option<String>,
    start: Option<Item>,
) -> Result<(Vec<super::domain::Balance>, Option<Item>), AppError> {
    let part = Partition::index(GSI1, holders_partition(program_business_id)).sort_key_range(None, before);
    let (items, next) = dynamo::query_items(&app.db, app.table(), &part, Some(200), start).await?;
    Ok((items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?, next))
}

/// The sum of every holder's points (the reconciliation's other side).
pub async fn holders_points(app: &App, program_business_id: &str) -> Result<(u128, usize), AppError> {
    let (mut total, mut count, mut start) = (0u128, 0usize, None);
    loop {
        let (page, next) = holders_page(app, program_business_id, None, start).await?;
        count += page.len();
        total += page.iter().map(|b| u128::from(b.points)).sum::<u128>();
        match next {
            Some(key) => start = Some(key),
            None => return Ok((total, count)),
        }
    }
}

/// Every business with a points program, a page at a time.
pub async fn programs_page(app: &App, start: Option<Item>) -> Result<(Vec<String>, Option<Item>), AppError> {
    let part = Partition::index(GSI2, PROGRAMS_PARTITION);
    let (items, next) = dynamo::query_items(&app.db, app.table(), &part, Some(100), start).await?;
    let ids = items.iter().filter_map(|i| i.get("businessId").and_then(|v| v.as_s().ok()).cloned()).collect();
    Ok((ids, next))
}

/// What the reconciliation found for one program, kept as its latest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiabilityCheck {
    pub program_business_id: String,
    pub checked_at: String,
    /// Outstanding points by the counters.
    pub counted_points: i64,
    /// The sum of the holders' balances.
    pub balance_points: i64,
    pub holders: usize,
    /// `balance_points - counted_points` (0 when they agree).
    pub drift: i64,
    /// `false`: the program was written to during every read; no verdict.
    pub settled: bool,
}

pub async fn save_check(app: &App, check: &LiabilityCheck) -> Result<(), AppError> {
    let item = Layout::new("POINTS_LIABILITY_CHECK", check_key(&check.program_business_id)).item(check)?;
    app.db.put_item().table_name(app.table()).set_item(Some(item)).send().await?;
    Ok(())
}

pub async fn check(app: &App, program_business_id: &str) -> Result<Option<LiabilityCheck>, AppError> {
    dynamo::get_as(&app.db, app.table(), &check_key(program_business_id)).await
}
