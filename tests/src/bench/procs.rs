//! Starting function binaries the way Lambda does (environment, runtime API
//! address) and reading back the structured log lines they print.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A running function process and every log line it printed so far.
pub struct Function {
    pub name: String,
    child: Child,
    lines: Arc<Mutex<Vec<Value>>>,
}

/// The release binary of `name`.
pub fn binary(name: &str) -> PathBuf {
    crate::repo_root().join("target/release").join(name)
}

/// The functions of this project: one per `functions/src/bin/*.rs`.
pub fn function_names() -> Vec<String> {
    let dir = crate::repo_root().join("functions/src/bin");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("functions/src/bin")
        .filter_map(|e| e.ok()?.path().file_stem()?.to_str().map(String::from))
        .collect();
    names.sort();
    names
}

impl Function {
    /// Starts `binary` as Lambda function `name`, polling `runtime_api`
    /// (`host:port[/path]`), with `env` on top of this process's environment
    /// (the local stack's endpoints and settings).
    pub fn spawn(name: &str, binary: &Path, runtime_api: &str, env: &[(String, String)]) -> std::io::Result<Self> {
        let mut cmd = Command::new(binary);
        cmd.env("AWS_LAMBDA_RUNTIME_API", runtime_api)
            .env("AWS_LAMBDA_FUNCTION_NAME", name)
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn()?;
        let lines = Arc::new(Mutex::new(Vec::new()));
        let stdout = child.stdout.take().expect("piped stdout");
        let sink = lines.clone();
        tokio::spawn(async move {
            let mut reader = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                if let Ok(v) = serde_json::from_str::<Value>(&line) {
                    sink.lock().unwrap().push(v);
                }
            }
        });
        Ok(Self { name: name.to_string(), child, lines })
    }

    /// Log lines whose message is `message`, as their `fields` objects.
    pub fn logged(&self, message: &str) -> Vec<Value> {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l["fields"]["message"] == message)
            .map(|l| l["fields"].clone())
            .collect()
    }

    /// Waits (up to 10 s) until the function logged `message` `count` times.
    pub async fn wait_logged(&self, message: &str, count: usize) -> bool {
        for _ in 0..1000 {
            if self.logged(message).len() >= count {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        false
    }

    /// Peak resident memory so far (`VmHWM`), in KiB.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let pid = self.child.id()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        status.lines().find_map(|l| l.strip_prefix("VmHWM:")?.trim().strip_suffix("kB")?.trim().parse().ok())
    }

    pub async fn stop(mut self) -> Vec<Value> {
        let _ = self.child.kill().await;
        // Let the reader drain what was printed before the kill.
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let lines = self.lines.lock().unwrap().clone();
        lines
    }
}
