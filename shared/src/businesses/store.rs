//! DynamoDB access for business profiles: the owner of their keys.

use super::domain::{Business, ProfileFields};
use super::geo;
use crate::platform::dynamo::Partition;
use crate::platform::table::GSI2;
use crate::platform::audit::{self, AuditEntry};
use crate::platform::dynamo::{self, s, tx_put, tx_update, Tx};
use crate::platform::entity::{Key, Layout};
use crate::platform::error::AppError;
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

/// Registers a business once. `Ok(false)`: it is registered already.
pub async fn create(app: &App, business: &Business, audit: &AuditEntry) -> Result<bool, AppError> {
    let layout = layout(business);
    let tx = Tx::new().with("business", tx_put(layout.put_new(app.table(), business)?)?).with(audit::TX_ITEM, audit.transact_put(app.table())?);
    match dynamo::transact(&app.db, tx).await? {
        Ok(()) => Ok(true),
        Err(r) if r.failed("business") => Ok(false),
        Err(r) => Err(r.unexpected("business registration")),
    }
}

/// Replaces the fields an owner may set. `Ok(false)`: no such business.
pub async fn update(app: &App, business: &Business, fields: &ProfileFields, now: &str, audit: &AuditEntry) -> Result<bool, AppError> {
    let business_id = business.business_id.as_str();
    let moved = Business { location: fields.location, ..business.clone() };
    let (geo_pk, geo_sk) = geo_entry(&moved);
    let location = serde_dynamo::to_attribute_value(fields.location)?;
    let categories = serde_dynamo::to_attribute_value(&fields.categories)?;
    let update = key(business_id)
        .update(app.table())
        .update_expression("SET #name = :name, category = :category, categories = :categories, #location = :location, address = :address, availableForPartnership = :available, updatedAt = :now, GSI2PK = :geo_pk, GSI2SK = :geo_sk")
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
pub fn available_condition(app: &App, business_id: &str) -> Result<aws_sdk_dynamodb::types::TransactWriteItem, AppError> {
    dynamo::tx_check(
        key(business_id)
            .check(app.table())
            .condition_expression("availableForPartnership = :yes")
            .expression_attribute_values(":yes", aws_sdk_dynamodb::types::AttributeValue::Bool(true)),
    )
}

/// Every profile in one geohash cell (precision 3 or finer).
pub async fn in_cell(app: &App, cell: &str) -> Result<Vec<Business>, AppError> {
    let part = Partition::index(GSI2, format!("GEO#{}", &cell[..geo::PARTITION_PRECISION.min(cell.len())])).begins_with(cell);
    let items = dynamo::query_all(&app.db, app.table(), &part).await?;
    Ok(items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?)
}

/// Loads many profiles at once (BatchWriteItem, 25 a request): for
/// migrations and test data; registration goes through `create`.
pub async fn bulk_load(app: &App, businesses: &[Business]) -> Result<(), AppError> {
    use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
    for chunk in businesses.chunks(25) {
        let mut requests = chunk
            .iter()
            .map(|b| Ok(WriteRequest::builder().put_request(PutRequest::builder().set_item(Some(layout(b).item(b)?)).build()?).build()))
            .collect::<Result<Vec<_>, AppError>>()?;
        for attempt in 1..=20u32 {
            let out = app.db.batch_write_item().request_items(app.table(), requests).send().await?;
            requests = out.unprocessed_items.and_then(|mut u| u.remove(app.table())).unwrap_or_default();
            if requests.is_empty() {
                break;
            }
            tokio::time::sleep(dynamo::backoff(attempt)).await;
        }
    }
    Ok(())
}

pub async fn get(app: &App, business_id: &str) -> Result<Option<Business>, AppError> {
    dynamo::get_as(&app.db, app.table(), &key(business_id)).await
}
