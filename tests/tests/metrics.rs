//! The metrics operators watch reach the invocation's EMF metric set at
//! the place the thing happens: a rate-limited request, the SLA audit's
//! levels, a recorded partner transaction.

use integration_tests::network::{percentage, Net};
use integration_tests::*;
use serde_json::json;
use shared::platform::metrics::{collect, names};

#[tokio::test]
async fn what_operators_watch_is_counted_where_it_happens() {
    let env = env().await;
    // The 101st request in a minute is refused and counted.
    let ((), limited) = collect(async {
        for _ in 0..101 {
            let _ = shared::platform::rate_limit::take(&env.app, "BUSINESS#metrics", 100, 60, env.now()).await;
        }
    })
    .await;
    assert_eq!(limited.get(names::RATE_LIMITED), Some(&1.0), "{limited:?}");
    // The daily SLA audit reports the seat and refund levels.
    let (report, levels) = collect(shared::refunds::service::sla_audit(&env.app, false)).await;
    report.unwrap();
    assert_eq!((levels.get(names::SEATS_OPEN), levels.get(names::SEATS_ACTIVE), levels.get(names::REFUNDS_OVERDUE)), (Some(&100.0), Some(&0.0), Some(&0.0)), "{levels:?}");
}

#[tokio::test]
async fn a_recorded_partner_transaction_is_counted_once() {
    let net = Net::start().await;
    for biz in ["biz-a", "biz-b"] {
        net.register(biz).await;
    }
    net.program("biz-a", 10).await;
    let id = net.partnership("biz-a", "biz-b", "POINTS_COALITION", percentage("5", "5")).await;
    let record = || {
        let body = serde_json::from_value(json!({ "type": "EARN", "customerId": "cust-m", "amount": 10 })).unwrap();
        shared::partner_transactions::service::record(&net.env.app, "biz-b", "user-b", &id, Some("m-1"), body)
    };
    let (first, counted) = collect(record()).await;
    assert!(first.unwrap().1);
    assert_eq!(counted.get(names::PARTNER_TRANSACTIONS), Some(&1.0));
    // A retry answers the first recording and counts nothing.
    let (again, retried) = collect(record()).await;
    assert!(!again.unwrap().1);
    assert_eq!(retried.get(names::PARTNER_TRANSACTIONS), None);
}
