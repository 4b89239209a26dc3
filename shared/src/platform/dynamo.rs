//! DynamoDB helpers shared by every store: transactions with conflict
//! retries, cancellation reasons, attribute access and pagination cursors.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::builders::{ConditionCheckBuilder, PutBuilder, UpdateBuilder};
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use base64::Engine;

use super::entity::Key;
use super::error::AppError;

pub type Item = HashMap<String, AttributeValue>;

/// A `TransactWriteItems` whose items carry names, so that a cancellation
/// is read by name (`refused.failed("seat.wallet_guard")`) and never by a
/// position that silently shifts when someone inserts an item.
#[derive(Debug, Default, Clone)]
pub struct Tx {
    items: Vec<TransactWriteItem>,
    names: Vec<&'static str>,
}

impl Tx {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `item` under `name`. Names are unique within a transaction; a
    /// repeated name is a programming error caught by the tests.
    pub fn add(&mut self, name: &'static str, item: TransactWriteItem) -> &mut Self {
        debug_assert!(!self.names.contains(&name), "transaction item {name} added twice");
        self.items.push(item);
        self.names.push(name);
        self
    }

    pub fn with(mut self, name: &'static str, item: TransactWriteItem) -> Self {
        self.add(name, item);
        self
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Adds every item of `other` (names must stay unique), so one
    /// context's writes can join another's transaction.
    pub fn join(mut self, other: Tx) -> Self {
        for (name, item) in other.names.into_iter().zip(other.items) {
            self.add(name, item);
        }
        self
    }

    /// Maps the positional `CancellationReasons` back to the item names.
    fn refused(&self, codes: Vec<Option<String>>) -> Refused {
        Refused { reasons: self.names.iter().copied().zip(codes).filter_map(|(n, c)| c.map(|c| (n, c))).collect() }
    }
}

/// Why a transaction was cancelled: the named items that failed and their
/// reason codes (`ConditionalCheckFailed`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    reasons: Vec<(&'static str, String)>,
}

impl Refused {
    /// Whether the item named `name` failed its condition.
    pub fn failed(&self, name: &str) -> bool {
        self.reasons.iter().any(|(n, code)| *n == name && code == "ConditionalCheckFailed")
    }

    /// Whether another transaction on the same items caused it (trying
    /// again may pass).
    pub fn conflicted(&self) -> bool {
        self.reasons.iter().any(|(_, code)| CONFLICTS.contains(&code.as_str()))
    }

    /// Whether conflicts alone caused it: no condition failed.
    fn conflicted_only(&self) -> bool {
        self.reasons.iter().all(|(_, code)| CONFLICTS.contains(&code.as_str()))
    }

    /// The cancellation as an internal error, for refusals no caller expects.
    pub fn unexpected(&self, what: &str) -> AppError {
        AppError::internal(format!("{what} cancelled: {:?}", self.reasons))
    }
}

/// A transaction item from a `Put` builder.
pub fn tx_put(put: PutBuilder) -> Result<TransactWriteItem, AppError> {
    Ok(TransactWriteItem::builder().put(put.build()?).build())
}

/// A transaction item from an `Update` builder.
pub fn tx_update(update: UpdateBuilder) -> Result<TransactWriteItem, AppError> {
    Ok(TransactWriteItem::builder().update(update.build()?).build())
}

/// A transaction item from a `ConditionCheck` builder.
pub fn tx_check(check: ConditionCheckBuilder) -> Result<TransactWriteItem, AppError> {
    Ok(TransactWriteItem::builder().condition_check(check.build()?).build())
}

const MAX_ATTEMPTS: u32 = 40;

/// The reason codes of a cancellation caused by other transactions, not by
/// a condition: trying again may pass.
const CONFLICTS: [&str; 2] = ["TransactionConflict", "TransactionInProgress"];

/// Runs a transaction, retrying with jittered backoff while it is cancelled
/// only because of conflicts with concurrent transactions on the same items
/// (a hot counter under a burst of allocations does that). A failed
/// condition is returned to the caller, who reads it by item name.
pub async fn transact(db: &aws_sdk_dynamodb::Client, tx: Tx) -> Result<Result<(), Refused>, AppError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match transact_once(db, &tx).await? {
            Err(refused) if refused.conflicted_only() => {
                if attempt >= MAX_ATTEMPTS {
                    return Err(AppError::unavailable("BUSY_TRY_AGAIN", "too many concurrent updates; retry shortly"));
                }
                tokio::time::sleep(backoff(attempt)).await;
            }
            outcome => return Ok(outcome),
        }
    }
}

/// One attempt at a transaction, for a caller whose own loop retries (so
/// there is one retry policy, not two nested): every cancellation is
/// returned, conflicts with concurrent transactions included
/// (`Refused::conflicted`).
pub async fn transact_once(db: &aws_sdk_dynamodb::Client, tx: &Tx) -> Result<Result<(), Refused>, AppError> {
    let err = match db.transact_write_items().set_transact_items(Some(tx.items.clone())).send().await {
        Ok(_) => return Ok(Ok(())),
        Err(err) => err,
    };
    match err.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(e)) => {
            let reasons =
                e.cancellation_reasons().iter().map(|r| r.code().filter(|c| *c != "None").map(String::from)).collect();
            Ok(Err(tx.refused(reasons)))
        }
        Some(TransactWriteItemsError::TransactionInProgressException(_)) => {
            Ok(Err(Refused { reasons: vec![("*", "TransactionInProgress".into())] }))
        }
        _ => Err(err.into()),
    }
}

/// Full-jitter exponential backoff: random in [0, min(200ms, 4ms·2^n)].
pub fn backoff(attempt: u32) -> Duration {
    let cap_ms = (4u64 << attempt.min(6)).min(200);
    let random = std::collections::hash_map::RandomState::new().build_hasher().finish();
    Duration::from_millis(1 + random % cap_ms)
}

/// Writes many items at once (BatchWriteItem, 25 a request, unprocessed
/// ones sent again with backoff): for bulk loads of test and benchmark
/// data, never for a change that needs a condition.
pub async fn batch_put_all(db: &aws_sdk_dynamodb::Client, table: &str, items: Vec<Item>) -> Result<(), AppError> {
    use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        let mut requests = items
            .by_ref()
            .take(25)
            .map(|item| {
                Ok(WriteRequest::builder().put_request(PutRequest::builder().set_item(Some(item)).build()?).build())
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        for attempt in 1..=20u32 {
            let out = db.batch_write_item().request_items(table, requests).send().await?;
            requests = out.unprocessed_items.and_then(|mut u| u.remove(table)).unwrap_or_default();
            if requests.is_empty() {
                break;
            }
            tokio::time::sleep(backoff(attempt)).await;
        }
    }
    Ok(())
}

/// One item by key, strongly consistent, as `T`.
pub async fn get_as<T: serde::de::DeserializeOwned>(
    db: &aws_sdk_dynamodb::Client,
    table: &str,
    key: &Key,
) -> Result<Option<T>, AppError> {
    Ok(get_item(db, table, key).await?.map(serde_dynamo::from_item).transpose()?)
}

/// One raw item by key, strongly consistent.
pub async fn get_item(db: &aws_sdk_dynamodb::Client, table: &str, key: &Key) -> Result<Option<Item>, AppError> {
    Ok(db.get_item().table_name(table).set_key(Some(key.attrs())).consistent_read(true).send().await?.item)
}

/// The items of `keys` that exist (BatchGetItem, strongly consistent, 100
/// keys a request, unprocessed keys asked again).
pub async fn batch_get(db: &aws_sdk_dynamodb::Client, table: &str, keys: &[Key]) -> Result<Vec<Item>, AppError> {
    use aws_sdk_dynamodb::types::KeysAndAttributes;
    let mut found = Vec::new();
    for chunk in keys.chunks(100) {
        let mut pending = Some(
            KeysAndAttributes::builder()
                .set_keys(Some(chunk.iter().map(Key::attrs).collect()))
                .consistent_read(true)
                .build()?,
        );
        let mut attempt = 0;
        while let Some(request) = pending.take() {
            attempt += 1;
            let out = db.batch_get_item().request_items(table, request).send().await?;
            found.extend(out.responses.and_then(|mut r| r.remove(table)).unwrap_or_default());
            pending = out.unprocessed_keys.and_then(|mut u| u.remove(table)).filter(|k| !k.keys().is_empty());
            if pending.is_some() {
                if attempt >= MAX_ATTEMPTS {
                    return Err(AppError::unavailable(
                        "BUSY_TRY_AGAIN",
                        "the table kept throttling a batch read; retry shortly",
                    ));
                }
                tokio::time::sleep(backoff(attempt)).await;
            }
        }
    }
    Ok(found)
}

/// Whether a single-item write failed only its condition.
pub fn condition_failed<E, R>(err: &aws_sdk_dynamodb::error::SdkError<E, R>) -> bool
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    err.as_service_error().and_then(|e| e.code()) == Some("ConditionalCheckFailedException")
}

/// A conditional single-item write: `Ok(true)` if it was applied,
/// `Ok(false)` if its condition refused it.
pub fn applied<T, E, R>(result: Result<T, aws_sdk_dynamodb::error::SdkError<E, R>>) -> Result<bool, AppError>
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    match result {
        Ok(_) => Ok(true),
        Err(e) if condition_failed(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

pub fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

pub fn get_u64(item: &Item, name: &str) -> Result<Option<u64>, AppError> {
    match item.get(name) {
        None => Ok(None),
        Some(AttributeValue::N(v)) => {
            v.parse().map(Some).map_err(|_| AppError::internal(format!("attribute {name} is not a u64: {v}")))
        }
        Some(other) => Err(AppError::internal(format!("attribute {name} has an unexpected type: {other:?}"))),
    }
}

/// One partition to read: of the table (strongly consistent) or of a GSI.
#[derive(Debug, Clone)]
pub struct Partition<'a> {
    index: Option<&'static str>,
    key: String,
    sk_prefix: Option<&'a str>,
    /// Sort keys `>= from` (inclusive) and `< before` (exclusive).
    sk_from: Option<String>,
    sk_before: Option<String>,
    newest_first: bool,
}

impl<'a> Partition<'a> {
    pub fn table(key: impl Into<String>) -> Self {
        Self { index: None, key: key.into(), sk_prefix: None, sk_from: None, sk_before: None, newest_first: false }
    }
    pub fn index(name: &'static str, key: impl Into<String>) -> Self {
        Self { index: Some(name), ..Self::table(key) }
    }
    /// Only sort keys starting with `prefix` (table partitions only).
    pub fn begins_with(mut self, prefix: &'a str) -> Self {
        self.sk_prefix = Some(prefix);
        self
    }
    /// Only sort keys in `[from, before)`, either end open. Served by the
    /// key condition (a range read), never by a filter.
    pub fn sort_key_range(mut self, from: Option<String>, before: Option<String>) -> Self {
        self.sk_from = from;
        self.sk_before = before;
        self
    }
    pub fn newest_first(mut self) -> Self {
        self.newest_first = true;
        self
    }
    /// The partition and sort key attribute names, and the attributes a
    /// `LastEvaluatedKey` (so a cursor) carries.
    fn key_attrs(&self) -> (&'static str, &'static str, Vec<&'static str>) {
        let spec = &super::table::TABLE;
        match self.index.and_then(|name| spec.indexes.iter().find(|i| i.name == name)) {
            Some(i) => {
                (i.partition_key, i.sort_key, vec![spec.partition_key, spec.sort_key, i.partition_key, i.sort_key])
            }
            None => (spec.partition_key, spec.sort_key, vec![spec.partition_key, spec.sort_key]),
        }
    }
}

#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// One Query request: the items and the key to continue from.
pub async fn query_items(
    db: &aws_sdk_dynamodb::Client,
    table: &str,
    part: &Partition<'_>,
    limit: Option<i32>,
    start: Option<Item>,
) -> Result<(Vec<Item>, Option<Item>), AppError> {
    let (pk_attr, sk_attr, _) = part.key_attrs();
    let from_client = start.is_some();
    let mut query = db
        .query()
        .table_name(table)
        .set_index_name(part.index.map(String::from))
        .expression_attribute_names("#pk", pk_attr)
        .expression_attribute_values(":pk", s(&part.key))
        .scan_index_forward(!part.newest_first)
        .consistent_read(part.index.is_none())
        .set_limit(limit)
        .set_exclusive_start_key(start);
    // DynamoDB takes one condition on the sort key: a prefix, or a range.
    // `< before` has no BETWEEN form, but our sort keys are `<instant>#<id>`,
    // so none equals a bare bound and BETWEEN's inclusive end excludes it.
    query = match (part.sk_prefix, &part.sk_from, &part.sk_before) {
        (Some(prefix), _, _) => query
            .key_condition_expression("#pk = :pk AND begins_with(#sk, :sk)")
            .expression_attribute_names("#sk", sk_attr)
            .expression_attribute_values(":sk", s(prefix)),
        (None, Some(from), Some(before)) => query
            .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :before")
            .expression_attribute_names("#sk", sk_attr)
            .expression_attribute_values(":from", s(from))
            .expression_attribute_values(":before", s(before)),
        (None, Some(from), None) => query
            .key_condition_expression("#pk = :pk AND #sk >= :from")
            .expression_attribute_names("#sk", sk_attr)
            .expression_attribute_values(":from", s(from)),
        (None, None, Some(before)) => query
            .key_condition_expression("#pk = :pk AND #sk < :before")
            .expression_attribute_names("#sk", sk_attr)
            .expression_attribute_values(":before", s(before)),
        (None, None, None) => query.key_condition_expression("#pk = :pk"),
    };
    match query.send().await {
        Ok(out) => Ok((out.items.unwrap_or_default(), out.last_evaluated_key)),
        // A cursor from another query (or hand-made) names a start key this
        // query cannot use: the client's mistake, not ours.
        Err(e) if from_client && e.as_service_error().and_then(|e| e.code()) == Some("ValidationException") => {
            Err(AppError::bad_request("INVALID_CURSOR", "cursor is not one this query returned"))
        }
        Err(e) => Err(e.into()),
    }
}

/// A page of `T`, continuing from a client's cursor.
pub async fn query_page<T: serde::de::DeserializeOwned>(
    db: &aws_sdk_dynamodb::Client,
    table: &str,
    part: &Partition<'_>,
    limit: Option<i32>,
    cursor: Option<&str>,
) -> Result<Page<T>, AppError> {
    let start = cursor.map(|c| decode_cursor(c, &part.key_attrs().2)).transpose()?;
    let (items, last) = query_items(db, table, part, limit, start).await?;
    Ok(Page {
        items: items.into_iter().map(serde_dynamo::from_item).collect::<Result<Vec<T>, _>>()?,
        next_cursor: last.as_ref().map(encode_cursor).transpose()?,
    })
}

/// A hot partition key spread over `shards` partitions `<base>#<n>`, the
/// shard chosen by a stable hash of the item's id (the same in every
/// process, unlike `std`'s hasher).
pub fn shard_key(base: &str, id: &str, shards: u32) -> String {
    // FNV-1a, 64 bit.
    let hash = id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3));
    format!("{base}#{}", hash % u64::from(shards.max(1)))
}

/// Where a sharded listing stands in one shard.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
enum ShardPosition {
    /// Continue after this key.
    After(HashMap<String, String>),
    /// Nothing left.
    Done,
}

/// One page of a listing whose partition is sharded (see `shard_key`):
/// each shard is queried (with the same sort-key range and order) and the
/// results merged by sort key, so the page reads as one partition would.
/// The cursor holds every shard's position.
#[allow(clippy::too_many_arguments)]
pub async fn query_sharded_page<T: serde::de::DeserializeOwned>(
    db: &aws_sdk_dynamodb::Client,
    table: &str,
    index: &'static str,
    base: &str,
    shards: u32,
    range: (Option<String>, Option<String>),
    newest_first: bool,
    limit: i32,
    cursor: Option<&str>,
) -> Result<Page<T>, AppError> {
    let bad = || AppError::bad_request("INVALID_CURSOR", "cursor is not one this API returned");
    let mut positions: BTreeMap<u32, ShardPosition> = match cursor {
        None => BTreeMap::new(),
        Some(c) if c.len() <= 16_384 => {
            let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(c).map_err(|_| bad())?;
            serde_json::from_slice(&bytes).map_err(|_| bad())?
        }
        Some(_) => return Err(bad()),
    };
    if positions.keys().any(|s| *s >= shards) {
        return Err(bad());
    }
    let part = |shard: u32| {
        let p = Partition::index(index, format!("{base}#{shard}")).sort_key_range(range.0.clone(), range.1.clone());
        if newest_first {
            p.newest_first()
        } else {
            p
        }
    };
    let key_names = part(0).key_attrs();
    let sort_attr = key_names.1;
    // Every shard still open, queried at once.
    let queries = (0..shards).filter(|s| positions.get(s) != Some(&ShardPosition::Done)).map(|shard| {
        let start = match positions.get(&shard) {
            Some(ShardPosition::After(key)) => Some(key.iter().map(|(k, v)| (k.clone(), s(v))).collect::<Item>()),
            _ => None,
        };
        let p = part(shard);
        async move { query_items(db, table, &p, Some(limit), start).await.map(|(items, last)| (shard, items, last)) }
    });
    let results = futures::future::try_join_all(queries).await?;
    let mut merged: Vec<(u32, Item)> = Vec::new();
    let mut lasts: BTreeMap<u32, Option<Item>> = BTreeMap::new();
    for (shard, items, last) in results {
        merged.extend(items.into_iter().map(|i| (shard, i)));
        lasts.insert(shard, last);
    }
    let sort_of = |i: &Item| i.get(sort_attr).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
    merged.sort_by(
        |a, b| if newest_first { sort_of(&b.1).cmp(&sort_of(&a.1)) } else { sort_of(&a.1).cmp(&sort_of(&b.1)) },
    );
    let taken: Vec<(u32, Item)> = merged.iter().take(usize::try_from(limit.max(0)).unwrap_or(0)).cloned().collect();
    for (shard, last) in lasts {
        let fetched = merged.iter().filter(|(s, _)| *s == shard).count();
        let mine: Vec<&Item> = taken.iter().filter(|(s, _)| *s == shard).map(|(_, i)| i).collect();
        let next = if mine.len() == fetched {
            // All it gave was used: continue where DynamoDB stopped, or done.
            match last {
                Some(key) => ShardPosition::After(plain(&key)),
                None => ShardPosition::Done,
            }
        } else if let Some(item) = mine.last() {
            let key: Item =
                key_names.2.iter().filter_map(|k| item.get(*k).map(|v| (k.to_string(), v.clone()))).collect();
            ShardPosition::After(plain(&key))
        } else {
            continue; // nothing of it used: it stays where it was
        };
        positions.insert(shard, next);
    }
    let all_done = (0..shards).all(|s| positions.get(&s) == Some(&ShardPosition::Done));
    let next_cursor = if all_done {
        None
    } else {
        Some(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(serde_json::to_vec(&positions).map_err(AppError::internal)?),
        )
    };
    Ok(Page {
        items: taken.into_iter().map(|(_, i)| serde_dynamo::from_item(i)).collect::<Result<Vec<T>, _>>()?,
        next_cursor,
    })
}

fn plain(key: &Item) -> HashMap<String, String> {
    key.iter().filter_map(|(k, v)| v.as_s().ok().map(|s| (k.clone(), s.clone()))).collect()
}

/// Every item of a partition, following pages (batch jobs, small partitions).
pub async fn query_all(
    db: &aws_sdk_dynamodb::Client,
    table: &str,
    part: &Partition<'_>,
) -> Result<Vec<Item>, AppError> {
    let mut all = Vec::new();
    let mut start = None;
    loop {
        let (items, last) = query_items(db, table, part, None, start).await?;
        all.extend(items);
        match last {
            Some(key) => start = Some(key),
            None => return Ok(all),
        }
    }
}

/// Pagination cursors are the `LastEvaluatedKey`, as opaque URL-safe text.
pub fn encode_cursor(key: &Item) -> Result<String, AppError> {
    let plain: HashMap<&str, &str> =
        key.iter().filter_map(|(k, v)| v.as_s().ok().map(|s| (k.as_str(), s.as_str()))).collect();
    let json = serde_json::to_vec(&plain).map_err(AppError::internal)?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json))
}

/// Decodes a client-supplied cursor; it must carry exactly the key
/// attributes the query expects, or it is a 400.
pub fn decode_cursor(cursor: &str, expected: &[&str]) -> Result<Item, AppError> {
    let bad = || AppError::bad_request("INVALID_CURSOR", "cursor is not one this API returned");
    if cursor.len() > 4096 {
        return Err(bad());
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let plain: HashMap<String, String> = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if plain.len() != expected.len() || !expected.iter().all(|k| plain.contains_key(*k)) {
        return Err(bad());
    }
    Ok(plain.into_iter().map(|(k, v)| (k, AttributeValue::S(v))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_foreign_keys() {
        use crate::platform::table::{PK, SK};
        let key: Item = Key::new("SEAT#1", "SEAT").attrs();
        let c = encode_cursor(&key).unwrap();
        assert_eq!(decode_cursor(&c, &[PK, SK]).unwrap(), key);
        assert_eq!(
            decode_cursor(&c, &[PK, SK, crate::platform::table::TABLE.indexes[1].partition_key]).unwrap_err().code,
            "INVALID_CURSOR"
        );
        assert_eq!(decode_cursor("not base64!", &[PK]).unwrap_err().code, "INVALID_CURSOR");
    }

    #[test]
    fn backoff_stays_within_its_cap() {
        for attempt in 1..50 {
            let d = backoff(attempt);
            assert!(d >= Duration::from_millis(1) && d <= Duration::from_millis(200));
        }
    }

    #[test]
    fn a_refusal_is_read_by_item_name() {
        let item = || TransactWriteItem::builder().build();
        let tx = Tx::new().with("seat.counter", item()).with("seat.wallet_guard", item()).with("audit", item());
        let refused = tx.refused(vec![None, Some("ConditionalCheckFailed".into()), None]);
        assert!(refused.failed("seat.wallet_guard"));
        assert!(!refused.failed("seat.counter"));
        assert!(!refused.failed("audit"));
        assert!(!refused.failed("no.such.item"));
        let other = tx.refused(vec![Some("ValidationError".into()), None, None]);
        assert!(!other.failed("seat.counter"));
    }
}
