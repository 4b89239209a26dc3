//! Dunning: what follows a failed subscription payment. The webhook worker
//! opens a record per `transaction.payment_failed`; a daily job (and
//! `GET /api/cron/dunning`) either closes it, when the customer's
//! membership shows the payment recovered or the subscription ended, or
//! publishes a `DunningNoticeDue` event for whoever sends the reminder.

pub mod domain;
pub mod service;
pub mod store;
