//! The operation-vs-policy check itself: it catches the two gaps found in
//! review (businesses-update querying GSI1, settlements-dispute reading
//! lines with BatchGetItem, both without the permission), and the
//! recorder names operations as IAM does.

use std::collections::BTreeSet;

use integration_tests::iam::{allows, grants, violations, Performed};
use integration_tests::*;

fn performed(lines: &[(&str, &str, &str)]) -> BTreeSet<Performed> {
    lines.iter().map(|(f, a, r)| (f.to_string(), a.to_string(), r.to_string())).collect()
}

/// The template as it was before the fix: those two policies narrower.
fn template_before_the_fix() -> serde_yaml::Value {
    let text = std::fs::read_to_string(repo_root().join("infra/template.yaml")).unwrap();
    let text = text
        .replace(
            "Action: [dynamodb:GetItem, dynamodb:PutItem, dynamodb:UpdateItem, dynamodb:Query]",
            "Action: [dynamodb:GetItem, dynamodb:PutItem, dynamodb:UpdateItem]",
        )
        .replace(
            "Action: [dynamodb:GetItem, dynamodb:BatchGetItem, dynamodb:PutItem, dynamodb:UpdateItem]",
            "Action: [dynamodb:GetItem, dynamodb:PutItem, dynamodb:UpdateItem]",
        );
    serde_yaml::from_str(&text).unwrap()
}

#[test]
fn the_check_fails_on_the_two_gaps_and_passes_once_they_are_allowed() {
    let seen = performed(&[
        ("businesses-update", "dynamodb:UpdateItem", "table"),
        ("businesses-update", "dynamodb:Query", "index"),
        ("settlements-dispute", "dynamodb:BatchGetItem", "table"),
        ("settlements-dispute", "dynamodb:PutItem", "table"),
        ("outbox-drain", "events:PutEvents", "*"),
        ("settlement-scheduled", "sqs:SendMessageBatch", "*"),
        ("integration-tests", "dynamodb:CreateTable", "table"),
    ]);
    let before = violations(&template_before_the_fix(), &seen);
    assert_eq!(
        before,
        vec![
            "businesses-update: dynamodb:Query on index".to_string(),
            "settlements-dispute: dynamodb:BatchGetItem on table".to_string()
        ]
    );
    let now = violations(&template(), &seen);
    assert!(!now.iter().any(|v| v.starts_with("businesses-update") || v.starts_with("settlements-dispute")), "{now:?}");
}

#[test]
fn a_grant_on_the_table_does_not_cover_its_indexes() {
    let g = grants(&template());
    let me = &g["me"];
    assert!(allows(me, "dynamodb:GetItem", "table"));
    assert!(!allows(me, "dynamodb:Query", "index"));
    assert!(!allows(&g["members-list"], "dynamodb:DeleteItem", "table"));
    assert!(allows(&g["members-list"], "dynamodb:Query", "index"));
}

/// The recorder, on real requests against DynamoDB Local: a transaction's
/// items are their own actions, a Query on an index says so.
#[tokio::test]
async fn the_recorder_names_each_operation_as_iam_does() {
    let dir = std::env::var("AWS_OPERATIONS_LOG").ok().filter(|d| !d.is_empty());
    let Some(dir) = dir else {
        // `make test` sets it; run alone, there is nothing to read back.
        eprintln!("AWS_OPERATIONS_LOG is not set: skipped");
        return;
    };
    let net = network::Net::start().await;
    net.register("biz-ops").await;
    let r = net.call("GET", "/api/v1/businesses/me/members", "biz-ops", "owner", None, &[]).await;
    assert_eq!(r.status, 200, "{}", r.json);
    let seen = integration_tests::iam::read_log(std::path::Path::new(&dir));
    for (f, a, res) in [
        ("businesses-register", "dynamodb:PutItem", "table"),
        ("members-list", "dynamodb:Query", "index"),
        ("members-list", "dynamodb:UpdateItem", "table"),
    ] {
        assert!(
            seen.contains(&(f.to_string(), a.to_string(), res.to_string())),
            "{f} {a} {res} not recorded: {:?}",
            seen.iter().filter(|(x, _, _)| x == f).collect::<Vec<_>>()
        );
    }
}
