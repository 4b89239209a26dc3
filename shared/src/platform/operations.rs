//! Which AWS operations each function performs, as IAM names them, so a
//! check can prove every one is allowed by that function's policy in the
//! template (DynamoDB Local and moto have no IAM: a missing permission
//! only shows in AWS, after the write that preceded it).
//!
//! An SDK interceptor on every client turns each request into IAM actions
//! (`dynamodb:Query` on an index, each item of a `TransactWriteItems` as
//! its own action, `sqs:SendMessageBatch`, ...) and, when
//! `AWS_OPERATIONS_LOG` names a folder, appends each new
//! `function<TAB>action<TAB>resource` line to a file of its process there.
//! The function is the one a test dispatches to (`in_function`), else the
//! running Lambda's (`AWS_LAMBDA_FUNCTION_NAME`). Without the variable the
//! interceptor does nothing but read it once.

use std::collections::BTreeSet;
use std::future::Future;
use std::io::Write;
use std::sync::{Mutex, OnceLock};

use aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::Input;
use aws_smithy_runtime_api::client::orchestrator::Metadata;

tokio::task_local! {
    static FUNCTION: String;
}

/// Runs `fut` as function `name` (tests dispatching to a handler).
pub async fn in_function<F: Future>(name: &str, fut: F) -> F::Output {
    FUNCTION.scope(name.to_string(), fut).await
}

/// The folder the log goes to, read once.
fn log_dir() -> Option<&'static std::path::Path> {
    static DIR: OnceLock<Option<std::path::PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| std::env::var_os("AWS_OPERATIONS_LOG").filter(|d| !d.is_empty()).map(std::path::PathBuf::from))
        .as_deref()
}

fn current_function() -> Option<String> {
    FUNCTION.try_with(Clone::clone).ok().or_else(|| std::env::var("AWS_LAMBDA_FUNCTION_NAME").ok())
}

/// Where a DynamoDB action applies: the table or one of its indexes.
pub const TABLE: &str = "table";
pub const INDEX: &str = "index";
/// Any other service's resource (a queue, the bus, a secret).
pub const ANY: &str = "*";

/// The IAM actions (with their resource kind) one request needs.
pub fn actions(service: &str, operation: &str, input: &Input) -> Vec<(String, &'static str)> {
    use aws_sdk_dynamodb::operation as ddb;
    match service.to_ascii_lowercase().as_str() {
        "dynamodb" => {
            if let Some(tx) = input.downcast_ref::<ddb::transact_write_items::TransactWriteItemsInput>() {
                return tx
                    .transact_items()
                    .iter()
                    .map(|item| {
                        let action = if item.put().is_some() {
                            "PutItem"
                        } else if item.update().is_some() {
                            "UpdateItem"
                        } else if item.delete().is_some() {
                            "DeleteItem"
                        } else {
                            "ConditionCheckItem"
                        };
                        (format!("dynamodb:{action}"), TABLE)
                    })
                    .collect();
            }
            if input.downcast_ref::<ddb::transact_get_items::TransactGetItemsInput>().is_some() {
                return vec![("dynamodb:GetItem".into(), TABLE)];
            }
            let index = input.downcast_ref::<ddb::query::QueryInput>().and_then(|q| q.index_name()).is_some()
                || input.downcast_ref::<ddb::scan::ScanInput>().and_then(|s| s.index_name()).is_some();
            vec![(format!("dynamodb:{operation}"), if index { INDEX } else { TABLE })]
        }
        "eventbridge" | "events" => vec![(format!("events:{operation}"), ANY)],
        // The SDK's service id for Amazon Location's Places API; IAM's prefix.
        "geoplaces" | "geo places" => vec![(format!("geo-places:{operation}"), ANY)],
        // SES v2's API shares IAM's `ses` prefix with v1.
        "sesv2" => vec![(format!("ses:{operation}"), ANY)],
        other => vec![(format!("{}:{operation}", other.replace(' ', "")), ANY)],
    }
}

fn record(lines: Vec<String>) {
    static SEEN: OnceLock<Mutex<BTreeSet<String>>> = OnceLock::new();
    let Some(dir) = log_dir() else { return };
    let Ok(mut seen) = SEEN.get_or_init(Mutex::default).lock() else { return };
    let new: Vec<String> = lines.into_iter().filter(|l| seen.insert(l.clone())).collect();
    if new.is_empty() {
        return;
    }
    // One file per process: appends from one process never interleave.
    let path = dir.join(format!("{}.tsv", std::process::id()));
    if let Ok(mut file) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
        let _ = file.write_all(new.iter().map(|l| format!("{l}\n")).collect::<String>().as_bytes());
    }
}

#[derive(Debug, Default)]
pub struct OperationsRecorder;

impl Intercept for OperationsRecorder {
    fn name(&self) -> &'static str {
        "OperationsRecorder"
    }

    // Not `read_before_execution`: the operation's metadata joins the
    // config bag only after that hook.
    fn read_before_serialization(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if log_dir().is_none() {
            return Ok(());
        }
        let (Some(function), Some(meta)) = (current_function(), cfg.load::<Metadata>()) else { return Ok(()) };
        let lines = actions(meta.service(), meta.name(), context.input())
            .into_iter()
            .map(|(action, resource)| format!("{function}\t{action}\t{resource}"))
            .collect();
        record(lines);
        Ok(())
    }
}
