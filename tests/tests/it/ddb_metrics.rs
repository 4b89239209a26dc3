//! The per-invocation DynamoDB tally that every request log line carries
//! (and `make bench` reads): requests, time and consumed capacity, taken
//! from DynamoDB Local's real `ConsumedCapacity` answers.

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use integration_tests::env;
use shared::platform::ddb_metrics::measure;

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.into())
}

#[tokio::test]
async fn each_request_and_its_capacity_is_added_to_the_invocation_that_made_it() {
    let env = env().await;
    let (db, table) = (env.app.db.clone(), env.app.table().to_string());

    let ((), usage) = measure(async {
        db.put_item().table_name(&table).item("PK", s("M#1")).item("SK", s("A")).send().await.unwrap();
        // Strongly consistent read of a small item: 1 RCU.
        db.get_item()
            .table_name(&table)
            .key("PK", s("M#1"))
            .key("SK", s("A"))
            .consistent_read(true)
            .send()
            .await
            .unwrap();
        let put = Put::builder().table_name(&table).item("PK", s("M#1")).item("SK", s("B")).build().unwrap();
        db.transact_write_items().transact_items(TransactWriteItem::builder().put(put).build()).send().await.unwrap();
    })
    .await;

    assert_eq!(usage.requests, 3);
    // PutItem 1 WCU + a transactional put 2 WCU; the read 1 RCU.
    assert_eq!(usage.write_units, 3.0, "{usage:?}");
    assert_eq!(usage.read_units, 1.0, "{usage:?}");
    assert!(usage.micros > 0);
}

#[tokio::test]
async fn concurrent_invocations_keep_their_own_tally() {
    let env = env().await;
    let run = |n: usize| {
        let (db, table) = (env.app.db.clone(), env.app.table().to_string());
        measure(async move {
            for i in 0..n {
                db.get_item()
                    .table_name(&table)
                    .key("PK", s(&format!("X#{i}")))
                    .key("SK", s("A"))
                    .send()
                    .await
                    .unwrap();
            }
        })
    };
    let (((), a), ((), b)) = tokio::join!(run(2), run(5));
    assert_eq!((a.requests, b.requests), (2, 5));
    // Eventually consistent reads of missing items: 0.5 RCU each.
    assert_eq!((a.read_units, b.read_units), (1.0, 2.5));
}

#[tokio::test]
async fn a_failed_condition_is_still_counted() {
    let env = env().await;
    let (db, table) = (env.app.db.clone(), env.app.table().to_string());
    let ((), usage) = measure(async {
        let err = db
            .put_item()
            .table_name(&table)
            .item("PK", s("M#2"))
            .item("SK", s("A"))
            .condition_expression("attribute_exists(PK)")
            .send()
            .await;
        assert!(err.is_err());
    })
    .await;
    assert_eq!(usage.requests, 1);
}

#[tokio::test]
async fn overlapping_requests_count_their_wall_time_once() {
    let env = env().await;
    let (db, table) = (env.app.db.clone(), env.app.table().to_string());
    let started = std::time::Instant::now();
    let (_, usage) = measure(futures::future::join_all((0..10).map(|i| {
        let (db, table) = (db.clone(), table.clone());
        async move {
            db.get_item().table_name(table).key("PK", s(&format!("Y#{i}"))).key("SK", s("A")).send().await.unwrap()
        }
    })))
    .await;
    let wall = started.elapsed().as_micros() as u64;
    assert_eq!(usage.requests, 10);
    // Summed per request, ten concurrent reads would exceed the wall time.
    assert!(usage.micros > 0 && usage.micros <= wall, "{} µs of DynamoDB in {wall} µs", usage.micros);
}
