//! The outbox's pending index is sharded: every recording writes an event,
//! so one partition would take two writes per recording network-wide. The
//! drain still finds every pending event, in every shard.

use std::collections::BTreeSet;

use integration_tests::*;
use serde_json::json;
use shared::platform::outbox::{self, OutboxEvent};

#[tokio::test]
async fn pending_events_spread_over_shards_and_the_drain_publishes_them_all() {
    let env = env().await;
    for i in 0..40 {
        let event = OutboxEvent::new(&env.app, "partner.transaction.recorded", json!({ "n": i }));
        let put = event.transact_put(&env.app).unwrap().put.unwrap();
        env.app.db.put_item().table_name(env.app.table()).set_item(Some(put.item)).send().await.unwrap();
    }
    let items = items_with_pk_prefix(&env.app, "OUTBOX#").await;
    let shards: BTreeSet<String> =
        items.iter().filter_map(|i| i.get("GSI1PK")).map(|v| v.as_s().unwrap().clone()).collect();
    assert!(shards.len() >= 4 && shards.iter().all(|s| s.starts_with("OUTBOX#PENDING#")), "{shards:?}");
    assert_eq!(outbox::drain(&env.app).await.unwrap(), 40);
    assert_eq!(outbox::drain(&env.app).await.unwrap(), 0);
    let left = items_with_pk_prefix(&env.app, "OUTBOX#").await;
    assert!(left.iter().all(|i| !i.contains_key("GSI1PK") && i.contains_key("publishedAt")));
}
