//! The single table's definition, in one place.
//!
//! The local-stack provisioning tool creates the table from this, the tests
//! use it, and `tests/tests/it/routes.rs` proves `infra/template.yaml`
//! declares the same keys, indexes and TTL attribute.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, TimeToLiveSpecification,
};

pub struct IndexSpec {
    pub name: &'static str,
    pub partition_key: &'static str,
    pub sort_key: &'static str,
}

pub struct TableSpec {
    pub partition_key: &'static str,
    pub sort_key: &'static str,
    pub indexes: &'static [IndexSpec],
    pub ttl_attribute: &'static str,
}

pub const PK: &str = "PK";
pub const SK: &str = "SK";
pub const GSI1: &str = "GSI1";
pub const GSI2: &str = "GSI2";
pub const TTL: &str = "ttl";

/// Generic, overloaded key attributes (single-table design): what each
/// entity puts in them is listed in `docs/data-model.md`.
pub const TABLE: TableSpec = TableSpec {
    partition_key: PK,
    sort_key: SK,
    indexes: &[
        IndexSpec { name: GSI1, partition_key: "GSI1PK", sort_key: "GSI1SK" },
        IndexSpec { name: GSI2, partition_key: "GSI2PK", sort_key: "GSI2SK" },
    ],
    ttl_attribute: TTL,
};

fn key(name: &str, kind: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder().attribute_name(name).key_type(kind).build().expect("key schema has all fields")
}

fn string_attr(name: &str) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .expect("attribute definition has all fields")
}

/// Creates the table (on-demand, all GSIs projecting ALL) and enables TTL,
/// unless it exists. Returns whether it was created.
pub async fn ensure_table(db: &aws_sdk_dynamodb::Client, name: &str) -> Result<bool, aws_sdk_dynamodb::Error> {
    if db.describe_table().table_name(name).send().await.is_ok() {
        return Ok(false);
    }
    let spec = &TABLE;
    let mut attrs = vec![string_attr(spec.partition_key), string_attr(spec.sort_key)];
    let mut create = db
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key(spec.partition_key, KeyType::Hash))
        .key_schema(key(spec.sort_key, KeyType::Range));
    for index in spec.indexes {
        attrs.push(string_attr(index.partition_key));
        attrs.push(string_attr(index.sort_key));
        create = create.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(index.name)
                .key_schema(key(index.partition_key, KeyType::Hash))
                .key_schema(key(index.sort_key, KeyType::Range))
                .projection(Projection::builder().projection_type(ProjectionType::All).build())
                .build()
                .expect("GSI has all fields"),
        );
    }
    create.set_attribute_definitions(Some(attrs)).send().await?;
    db.update_time_to_live()
        .table_name(name)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name(spec.ttl_attribute)
                .enabled(true)
                .build()
                .expect("TTL spec has all fields"),
        )
        .send()
        .await?;
    Ok(true)
}
