//! How one entity's item sits in the single table.
//!
//! Every entity has one owner module (`seats::store` for seats and the
//! wallet guard, `refunds::store` for refunds, ...). The owner builds the
//! entity's [`Key`] and [`Layout`] in one constructor each; this module turns
//! them into DynamoDB attributes, so the key attribute names (`PK`, `SK`,
//! `GSI1PK`, ...) are spelled only here and in `table.rs`.
//!
//! The idea is modyne's `Entity`: the keys of an item are a function of the
//! item, written once, next to the item's type.

use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Put, Update};
use serde::Serialize;

use super::dynamo::{s, Item};
use super::error::AppError;
use super::table::{PK, SK, TABLE};

/// The primary key of one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self { pk: pk.into(), sk: sk.into() }
    }

    /// As the `Key` of a GetItem, UpdateItem or ConditionCheck.
    pub fn attrs(&self) -> Item {
        Item::from([(PK.to_string(), s(&self.pk)), (SK.to_string(), s(&self.sk))])
    }

    /// An `Update` of this item (inside a transaction).
    pub fn update(&self, table: &str) -> aws_sdk_dynamodb::types::builders::UpdateBuilder {
        Update::builder().table_name(table).set_key(Some(self.attrs()))
    }

    /// A `ConditionCheck` on this item (inside a transaction).
    pub fn check(&self, table: &str) -> aws_sdk_dynamodb::types::builders::ConditionCheckBuilder {
        ConditionCheck::builder().table_name(table).set_key(Some(self.attrs()))
    }
}

/// An item's place in the table: its type, primary key and index entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub entity: &'static str,
    pub key: Key,
    /// `(GSI1PK, GSI1SK)`.
    pub gsi1: Option<(String, String)>,
    /// `(GSI2PK, GSI2SK)`.
    pub gsi2: Option<(String, String)>,
}

impl Layout {
    pub fn new(entity: &'static str, key: Key) -> Self {
        Self { entity, key, gsi1: None, gsi2: None }
    }

    pub fn gsi1(mut self, pk: impl Into<String>, sk: impl Into<String>) -> Self {
        self.gsi1 = Some((pk.into(), sk.into()));
        self
    }

    pub fn gsi2(mut self, pk: impl Into<String>, sk: impl Into<String>) -> Self {
        self.gsi2 = Some((pk.into(), sk.into()));
        self
    }

    /// The full item: `body`'s attributes, the keys and `entity`.
    pub fn item<T: Serialize>(&self, body: &T) -> Result<Item, AppError> {
        let mut item: Item = serde_dynamo::to_item(body)?;
        item.extend(self.key_attrs());
        Ok(item)
    }

    /// A `Put` of the full item that only creates it (never overwrites).
    pub fn put_new<T: Serialize>(
        &self,
        table: &str,
        body: &T,
    ) -> Result<aws_sdk_dynamodb::types::builders::PutBuilder, AppError> {
        Ok(Put::builder().table_name(table).set_item(Some(self.item(body)?)).condition_expression(NOT_EXISTS))
    }

    /// The key, index and `entity` attributes alone.
    pub fn key_attrs(&self) -> Item {
        let mut item = self.key.attrs();
        let [gsi1, gsi2] = [&TABLE.indexes[0], &TABLE.indexes[1]];
        for (index, entry) in [(gsi1, &self.gsi1), (gsi2, &self.gsi2)] {
            if let Some((pk, sk)) = entry {
                item.insert(index.partition_key.to_string(), s(pk));
                item.insert(index.sort_key.to_string(), s(sk));
            }
        }
        item.insert("entity".into(), s(self.entity));
        item
    }
}

/// The attribute names of GSI1's key, for an update that sets or removes
/// an item's entry in it.
pub fn gsi1_attributes() -> (&'static str, &'static str) {
    (TABLE.indexes[0].partition_key, TABLE.indexes[0].sort_key)
}

/// The condition of a write that creates an item once.
pub const NOT_EXISTS: &str = "attribute_not_exists(PK)";

/// The `entity` attribute of a stored item, if any.
pub fn entity_of(item: &Item) -> Option<&str> {
    item.get("entity").and_then(|v| v.as_s().ok()).map(String::as_str)
}

/// The sort key of a stored item (for partitions that hold several entities).
pub fn sort_key_of(item: &Item) -> Option<&str> {
    item.get(SK).and_then(|v| match v {
        AttributeValue::S(s) => Some(s.as_str()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_carries_its_keys_its_index_entries_and_its_type() {
        #[derive(Serialize)]
        struct Body {
            name: &'static str,
        }
        let layout = Layout::new("THING", Key::new("THING#1", "THING")).gsi1("THINGS", "2026#1");
        let item = layout.item(&Body { name: "one" }).unwrap();
        assert_eq!(item["PK"], s("THING#1"));
        assert_eq!(item["SK"], s("THING"));
        assert_eq!(item["GSI1PK"], s("THINGS"));
        assert_eq!(item["GSI1SK"], s("2026#1"));
        assert!(!item.contains_key("GSI2PK"));
        assert_eq!(entity_of(&item), Some("THING"));
        assert_eq!(sort_key_of(&item), Some("THING"));
        assert_eq!(item["name"], s("one"));
    }
}
