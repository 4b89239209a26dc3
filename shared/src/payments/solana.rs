//! Fetching transactions from a Solana JSON-RPC node, behind a trait so the
//! service can be tested against a local server speaking the same format.

use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Solana RPC unavailable: {0}")]
pub struct RpcError(pub String);

#[allow(async_fn_in_trait)]
pub trait TransactionSource {
    /// The `result` of `getTransaction` (finalized, jsonParsed): the
    /// transaction, or `Value::Null` when the node does not know it.
    async fn get_transaction(&self, signature: &str) -> Result<Value, RpcError>;
}

pub struct JsonRpcClient {
    client: reqwest::Client,
    url: String,
}

impl JsonRpcClient {
    /// `client` is shared (it pools connections); see `App::http`.
    pub fn new(client: reqwest::Client, url: &str) -> Self {
        Self { client, url: url.to_string() }
    }
}

impl TransactionSource for JsonRpcClient {
    async fn get_transaction(&self, signature: &str) -> Result<Value, RpcError> {
        let request = json!({
            "jsonrpc": "2.0",
            "id": 1,
            "method": "getTransaction",
            "params": [signature, { "encoding": "jsonParsed", "commitment": "finalized", "maxSupportedTransactionVersion": 0 }]
        });
        let resp = self.client.post(&self.url).json(&request).send().await.map_err(|e| RpcError(e.to_string()))?;
        if !resp.status().is_success() {
            return Err(RpcError(format!("HTTP {}", resp.status())));
        }
        let mut body: Value = resp.json().await.map_err(|e| RpcError(format!("unreadable answer: {e}")))?;
        if let Some(err) = body.get("error") {
            return Err(RpcError(format!("JSON-RPC error: {err}")));
        }
        Ok(body.get_mut("result").map(Value::take).unwrap_or(Value::Null))
    }
}
