//! What one invocation spent on DynamoDB: requests, time waiting for them
//! and the capacity units they consumed.
//!
//! An SDK interceptor on the DynamoDB client asks every request for its
//! consumed capacity (`ReturnConsumedCapacity=TOTAL`, free of charge) and
//! adds the request to the tally of the invocation it runs in. The tally is
//! task-local, so concurrent invocations in one process (tests) never mix.
//! Every request log line carries the tally: the cost of each API operation
//! in production, and what `make bench` reads to split handler time from
//! DynamoDB time and to count requests and capacity per operation.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use aws_sdk_dynamodb::config::interceptors::{
    BeforeSerializationInterceptorContextMut, FinalizerInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::operation;
use aws_sdk_dynamodb::types::{ConsumedCapacity, ReturnConsumedCapacity};
use aws_smithy_runtime_api::client::interceptors::context::{Input, Output};
use serde::Serialize;

/// DynamoDB usage of one invocation.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DynamoUsage {
    pub requests: u32,
    /// Wall time with at least one DynamoDB request in flight (concurrent
    /// requests count once), so latency minus this is the handler's own.
    pub micros: u64,
    pub read_units: f64,
    pub write_units: f64,
}

/// The tally plus what is needed to time overlapping requests once.
#[derive(Debug, Default)]
struct Tally {
    usage: DynamoUsage,
    in_flight: u32,
    busy_since: Option<Instant>,
}

impl DynamoUsage {
    pub fn millis(&self) -> f64 {
        self.micros as f64 / 1000.0
    }
}

tokio::task_local! {
    static CURRENT: Arc<Mutex<Tally>>;
}

/// Runs `fut` with a fresh tally and returns what it spent on DynamoDB.
pub async fn measure<F: Future>(fut: F) -> (F::Output, DynamoUsage) {
    let tally = Arc::new(Mutex::new(Tally::default()));
    let out = CURRENT.scope(tally.clone(), fut).await;
    let usage = tally.lock().map(|t| t.usage.clone()).unwrap_or_default();
    (out, usage)
}

// Outside `measure` (start-up, tools) there is no tally: both do nothing.
fn started(at: Instant) {
    let _ = CURRENT.try_with(|tally| {
        if let Ok(mut t) = tally.lock() {
            if t.in_flight == 0 {
                t.busy_since = Some(at);
            }
            t.in_flight += 1;
        }
    });
}

fn finished(at: Instant, read_units: f64, write_units: f64) {
    let _ = CURRENT.try_with(|tally| {
        if let Ok(mut t) = tally.lock() {
            t.in_flight = t.in_flight.saturating_sub(1);
            if t.in_flight == 0 {
                if let Some(since) = t.busy_since.take() {
                    t.usage.micros += at.duration_since(since).as_micros() as u64;
                }
            }
            t.usage.requests += 1;
            t.usage.read_units += read_units;
            t.usage.write_units += write_units;
        }
    });
}

#[derive(Debug, Default)]
pub struct DynamoMetricsInterceptor;

/// Sets `ReturnConsumedCapacity::Total` on every operation that accepts it.
fn ask_for_capacity(input: &mut Input) {
    macro_rules! ask {
        ($($ty:ty),*) => {
            $(if let Some(i) = input.downcast_mut::<$ty>() {
                i.return_consumed_capacity.get_or_insert(ReturnConsumedCapacity::Total);
                return;
            })*
        };
    }
    ask!(
        operation::get_item::GetItemInput,
        operation::put_item::PutItemInput,
        operation::update_item::UpdateItemInput,
        operation::delete_item::DeleteItemInput,
        operation::query::QueryInput,
        operation::scan::ScanInput,
        operation::batch_get_item::BatchGetItemInput,
        operation::batch_write_item::BatchWriteItemInput,
        operation::transact_get_items::TransactGetItemsInput,
        operation::transact_write_items::TransactWriteItemsInput
    );
}

/// (read units, write units) reported by a successful output.
fn consumed(output: &Output) -> (f64, f64) {
    fn total<'a>(caps: impl IntoIterator<Item = &'a ConsumedCapacity>) -> f64 {
        caps.into_iter().filter_map(|c| c.capacity_units).sum()
    }
    macro_rules! one {
        ($side:ident, $($ty:ty),*) => {
            $(if let Some(o) = output.downcast_ref::<$ty>() {
                let units = total(o.consumed_capacity.iter());
                return one!(@side $side, units);
            })*
        };
        (@side read, $u:expr) => { ($u, 0.0) };
        (@side write, $u:expr) => { (0.0, $u) };
    }
    macro_rules! many {
        ($side:ident, $($ty:ty),*) => {
            $(if let Some(o) = output.downcast_ref::<$ty>() {
                let units = total(o.consumed_capacity.iter().flatten());
                return one!(@side $side, units);
            })*
        };
    }
    one!(read, operation::get_item::GetItemOutput, operation::query::QueryOutput, operation::scan::ScanOutput);
    one!(
        write,
        operation::put_item::PutItemOutput,
        operation::update_item::UpdateItemOutput,
        operation::delete_item::DeleteItemOutput
    );
    many!(read, operation::batch_get_item::BatchGetItemOutput, operation::transact_get_items::TransactGetItemsOutput);
    many!(
        write,
        operation::batch_write_item::BatchWriteItemOutput,
        operation::transact_write_items::TransactWriteItemsOutput
    );
    (0.0, 0.0)
}

impl Intercept for DynamoMetricsInterceptor {
    fn name(&self) -> &'static str {
        "DynamoMetricsInterceptor"
    }

    fn modify_before_serialization(
        &self,
        context: &mut BeforeSerializationInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        ask_for_capacity(context.input_mut());
        started(Instant::now());
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let (read, write) = match context.output_or_error() {
            Some(Ok(output)) => consumed(output),
            _ => (0.0, 0.0),
        };
        finished(Instant::now(), read, write);
        Ok(())
    }
}
