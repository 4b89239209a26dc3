//! DynamoDB access for business profiles: the owner of their keys.

use aws_sdk_dynamodb::types::{Put, TransactWriteItem};

use super::domain::{Business, ProfileFields, Review};
use super::geo;
use crate::platform::audit::{self, AuditEntry};
use crate::platform::dynamo::Partition;
use crate::platform::dynamo::{self, s, tx_put, tx_update, Tx};
use crate::platform::entity::{Key, Layout};
use crate::platform::error::AppError;
use crate::platform::table::{GSI1, GSI2};
use crate::App;

fn key(business_id: &str) -> Key {
    Key::new(format!("BUSINESS#{business_id}"), "PROFILE")
}

/// GSI2: profiles by their precision-3 geohash cell, sorted by their full
/// geohash (see `geo`): a cell of precision 3 or finer is one Query.
fn geo_entry(b: &Business) -> (String, String) {
    let hash = geo::cell_of(b.location.lat, b.location.lng, geo::ITEM_PRECISION);
    (format!("GEO#{}", &hash[..geo::PARTITION_PRECISION]), format!("{hash}#{}", b.business_id))
}

fn layout(b: &Business) -> Layout {
    let (pk, sk) = geo_entry(b);
    Layout::new("BUSINESS", key(&b.business_id)).gsi2(pk, sk)
}

/// The audit subject of a business's changes.
pub fn subject(business_id: &str) -> String {
    key(business_id).pk
}

/// What a registration did.
#[derive(Debug, PartialEq, Eq)]
pub enum Created {
    Registered,
    /// The founder belongs to a business already (its membership exists).
    FounderIsMember,
    /// A business with this id exists.
    IdTaken,
}

/// Registers a business once, with its founder's items
/// (`members::store::founder_items`) in the same transaction.
pub async fn create(
    app: &App,
    business: &Business,
    founder: [(&'static str, TransactWriteItem); 2],
    audit: &AuditEntry,
) -> Result<Created, AppError> {
    let layout = layout(business);
    let mut tx = Tx::new()
        .with("business", tx_put(layout.put_new(app.table(), business)?)?)
        .with(audit::TX_ITEM, audit.transact_put(app.table())?);
    for (name, item) in founder {
        tx.add(name, item);
    }
    match dynamo::transact(&app.db, tx).await? {
        Ok(()) => Ok(Created::Registered),
        Err(r) if r.failed(crate::members::store::TX_MEMBERSHIP) => Ok(Created::FounderIsMember),
        Err(r) if r.failed("business") || r.failed(crate::members::store::TX_ROSTER) => Ok(Created::IdTaken),
        Err(r) => Err(r.unexpected("business registration")),
    }
}

/// Replaces the fields an owner may set. `Ok(false)`: no such business.
pub async fn update(
    app: &App,
    business: &Business,
    fields: &ProfileFields,
    now: &str,
    audit: &AuditEntry,
) -> Result<bool, AppError> {
    let business_id = business.business_id.as_str();
    let moved = Business { location: fields.location, ..business.clone() };
    let (geo_pk, geo_sk) = geo_entry(&moved);
    let location = serde_dynamo::to_attribute_value(fields.location)?;
    let categories = serde_dynamo::to_attribute_value(&fields.categories)?;
    let update = key(business_id)
        .update(app.table())
        .update_expression("SET #name = :name, category = :category, categories = :categories, #location = :location, address = :address, availableForPartnership = :available, stripeAccountId = :stripe, updatedAt = :now, GSI2PK = :geo_pk, GSI2SK = :geo_sk")
        .condition_expression("attribute_exists(PK)")
        .expression_attribute_names("#name", "name")
        .expression_attribute_names("#location", "location")
        .expression_attribute_values(":name", s(&fields.name))
        .expression_attribute_values(":category", s(&fields.category))
        .expression_attribute_values(":categories", categories)
        .expression_attribute_values(":location", location)
        .expression_attribute_values(":address", s(&fields.address))
        .expression_attribute_values(":available", aws_sdk_dynamodb::types::AttributeValue::Bool(fields.available_for_partnership))
        .expression_attribute_values(":now", s(now))
        .expression_attribute_values(":stripe", fields.stripe_account_id.as_deref().map_or(aws_sdk_dynamodb::types::AttributeValue::Null(true), s))
        .expression_attribute_values(":geo_pk", s(geo_pk))
        .expression_attribute_values(":geo_sk", s(geo_sk));
    let tx = Tx::new().with("business", tx_update(update)?).with(audit::TX_ITEM, audit.transact_put(app.table())?);
    match dynamo::transact(&app.db, tx).await? {
        Ok(()) => Ok(true),
        Err(r) if r.failed("business") => Ok(false),
        Err(r) => Err(r.unexpected("business update")),
    }
}

/// The condition that a business is registered and available for
/// partnership, for a transaction that invites it.
pub fn available_condition(
    app: &App,
    business_id: &str,
) -> Result<aws_sdk_dynamodb::types::TransactWriteItem, AppError> {
    dynamo::tx_check(
        key(business_id)
            .check(app.table())
            .condition_expression("availableForPartnership = :yes")
            .expression_attribute_values(":yes", aws_sdk_dynamodb::types::AttributeValue::Bool(true)),
    )
}

/// Every profile in a run of geohash cells (one Query, paged).
pub async fn in_range(app: &App, range: &geo::CellRange) -> Result<Vec<Business>, AppError> {
    let part = Partition::index(GSI2, format!("GEO#{}", range.partition()))
        .sort_key_range(Some(range.from.clone()), range.before.clone());
    let items = dynamo::query_all(&app.db, app.table(), &part).await?;
    Ok(items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?)
}

/// Loads many profiles at once (BatchWriteItem, 25 a request): for
/// migrations and test data; registration goes through `create`.
pub async fn bulk_load(app: &App, businesses: &[Business]) -> Result<(), AppError> {
    let items = businesses.iter().map(|b| layout(b).item(b)).collect::<Result<Vec<_>, _>>()?;
    dynamo::batch_put_all(&app.db, app.table(), items).await
}

/// "`business` has partnered with `partner`": kept for good once a
/// partnership between them was accepted, so either may review the other
/// later. Written by the acceptance's transaction.
fn partnered_key(business_id: &str, partner: &str) -> Key {
    Key::new(format!("BUSINESS#{business_id}"), format!("PARTNERED#{partner}"))
}

/// The two "have partnered" marks of an accepted partnership, for its
/// transaction (the first acceptance's date stays).
pub fn partnered_marks(app: &App, a: &str, b: &str, now: &str) -> Result<[TransactWriteItem; 2], AppError> {
    let mark = |me: &str, partner: &str| {
        tx_update(
            partnered_key(me, partner)
                .update(app.table())
                .update_expression(
                    "SET entity = :entity, partnerBusinessId = :partner, since = if_not_exists(since, :now)",
                )
                .expression_attribute_values(":entity", s("BUSINESS_PARTNERED"))
                .expression_attribute_values(":partner", s(partner))
                .expression_attribute_values(":now", s(now)),
        )
    };
    Ok([mark(a, b)?, mark(b, a)?])
}

/// Adds `delta` (+1 or -1) to a profile's `partnershipCount`, for the
/// transaction that activates or ends a partnership.
pub fn count_partnership(app: &App, business_id: &str, delta: i64) -> Result<TransactWriteItem, AppError> {
    tx_update(
        key(business_id)
            .update(app.table())
            .update_expression("ADD partnershipCount :d")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":d", dynamo::n(delta)),
    )
}

/// Adds one to a profile's `loyalCustomerCount`, for the transaction that
/// opens a customer's balance in the business's program.
pub fn count_loyal_customer(app: &App, business_id: &str) -> Result<TransactWriteItem, AppError> {
    tx_update(
        key(business_id)
            .update(app.table())
            .update_expression("ADD loyalCustomerCount :one")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":one", dynamo::n(1)),
    )
}

fn review_key(business_id: &str, reviewer: &str) -> Key {
    Key::new(format!("BUSINESS#{business_id}"), format!("REVIEW#{reviewer}"))
}

/// GSI1: a business's reviews, most recently written last.
fn review_layout(r: &Review) -> Layout {
    Layout::new("BUSINESS_REVIEW", review_key(&r.business_id, &r.reviewer_business_id))
        .gsi1(format!("REVIEWS#{}", r.business_id), format!("{}#{}", r.updated_at, r.reviewer_business_id))
}

/// The audit subject of a business's reviews.
pub fn review_subject(business_id: &str) -> String {
    format!("{}#REVIEWS", key(business_id).pk)
}

pub const TX_PARTNERED: &str = "review.partnered";
pub const TX_REVIEW: &str = "review";

/// Writes `review` and keeps the reviewed profile's `ratingSum` and
/// `reviewCount` exact in the same transaction: a first review (`previous`
/// None) only if there is none yet, a replacement only if the stored one
/// still has `previous`'s rating. Refused `TX_REVIEW`: a concurrent review
/// came first (read again); `TX_PARTNERED`: the two never partnered.
pub async fn save_review(
    app: &App,
    review: &Review,
    previous: Option<u8>,
    audit: &AuditEntry,
) -> Result<Result<(), dynamo::Refused>, AppError> {
    let t = app.table();
    let mut put = Put::builder().table_name(t).set_item(Some(review_layout(review).item(review)?));
    put = match previous {
        None => put.condition_expression(crate::platform::entity::NOT_EXISTS),
        Some(old) => put.condition_expression("rating = :old").expression_attribute_values(":old", dynamo::n(old)),
    };
    let delta = i64::from(review.rating) - i64::from(previous.unwrap_or(0));
    let profile = key(&review.business_id)
        .update(t)
        .update_expression("ADD ratingSum :delta, reviewCount :count")
        .condition_expression("attribute_exists(PK)")
        .expression_attribute_values(":delta", dynamo::n(delta))
        .expression_attribute_values(":count", dynamo::n(u8::from(previous.is_none())));
    let partnered = dynamo::tx_check(
        partnered_key(&review.reviewer_business_id, &review.business_id)
            .check(t)
            .condition_expression("attribute_exists(PK)"),
    )?;
    let tx = Tx::new()
        .with(TX_PARTNERED, partnered)
        .with(TX_REVIEW, tx_put(put)?)
        .with("review.profile", tx_update(profile)?)
        .with(audit::TX_ITEM, audit.transact_put(t)?);
    dynamo::transact(&app.db, tx).await
}

pub async fn review(app: &App, business_id: &str, reviewer: &str) -> Result<Option<Review>, AppError> {
    dynamo::get_as(&app.db, app.table(), &review_key(business_id, reviewer)).await
}

/// A business's most recently written reviews.
pub async fn recent_reviews(app: &App, business_id: &str, limit: i32) -> Result<Vec<Review>, AppError> {
    let page = dynamo::query_page(
        &app.db,
        app.table(),
        &Partition::index(GSI1, format!("REVIEWS#{business_id}")).newest_first(),
        Some(limit),
        None,
    )
    .await?;
    Ok(page.items)
}

pub async fn get(app: &App, business_id: &str) -> Result<Option<Business>, AppError> {
    dynamo::get_as(&app.db, app.table(), &key(business_id)).await
}

/// The profiles of `business_ids` that exist, in no order (BatchGetItem).
pub async fn many(app: &App, business_ids: &[String]) -> Result<Vec<Business>, AppError> {
    let keys: Vec<Key> = business_ids.iter().map(|id| key(id)).collect();
    let items = dynamo::batch_get(&app.db, app.table(), &keys).await?;
    Ok(items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?)
}
