//! Every integration test, in one binary (one link instead of one per
//! file): each module was a test file of its own and still reads as one.
//! They run against the local stack `make test` starts (DynamoDB Local,
//! moto); `cargo test -p integration-tests --test it <module>::` runs one.

mod anomaly_holds;
mod auth;
mod bad_input;
mod business_webhooks;
mod config;
mod cycle;
mod ddb_metrics;
mod directory;
mod event_contract;
mod events;
mod exposure;
mod faults;
mod geocoding;
mod iam;
mod incident_window;
mod layering;
mod members;
mod metrics;
mod network_auth;
mod network_transactions;
mod notification_emails;
mod notifications;
mod outbox;
mod partnerctl;
mod partnerships;
mod payments;
mod payouts;
mod points_liability;
mod reconciliation;
mod refill_freeze;
mod routes;
mod seats;
mod secrets;
mod settlements;
mod sweep;
mod webhook_deliveries;
mod webhooks;
mod what_if;
