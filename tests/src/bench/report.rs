//! The results of one `make bench` run: `target/bench/results.json` for
//! machines, and a Markdown section that `scripts/bench.sh` adds to
//! `docs/benchmarks.md` (newest run first).

use serde::Serialize;

use super::batch::BatchResult;
use super::cold::ColdStart;
use super::load::LoadResult;

#[derive(Debug, Clone, Serialize)]
pub struct Artifact {
    pub function: String,
    pub unzipped_bytes: u64,
    pub zipped_bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    pub date: String,
    pub cpu: String,
    pub cores: usize,
    pub memory: String,
    pub os: String,
    pub rustc: String,
    pub commit: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Results {
    pub machine: Machine,
    pub artifacts: Vec<Artifact>,
    pub floor: Option<ColdStart>,
    pub cold_starts: Vec<ColdStart>,
    pub load: Vec<LoadResult>,
    pub batch: Vec<BatchResult>,
    /// The Node.js peer beside us (issue 16).
    pub peer: Option<super::peer::PeerResult>,
    pub failures: Vec<String>,
}

/// Zipped artifact budget per function.
pub const ZIP_BUDGET: u64 = 8 * 1024 * 1024;
/// Cold start goal: within this factor of the hello-world floor.
pub const COLD_RATIO_GOAL: f64 = 3.0;

/// What each measured operation needs at least, from the access patterns
/// in docs/data-model.md: (DynamoDB requests, why).
pub fn minimum(function: &str) -> Option<(f64, &'static str)> {
    Some(match function {
        "partners-config-get" => (1.0, "1 Query of the program partition (config + counters)"),
        "partners-seats-allocate" => (3.0, "signature PutItem + config Query (price, version) + 1 transaction"),
        "partners-rankings" => (3.0, "signature PutItem + Query active seats + Query month scores"),
        "partners-cycle-eliminate" => (4.0, "signature PutItem + GetItem run (executed?) + 2 ranking Queries"),
        "partners-refunds-list" => (2.0, "signature PutItem + 1 GSI Query"),
        "payments-intents-verify" => (4.0, "signature PutItem + GetItem gate + GetItem intent + 1 transaction"),
        "webhooks-paddle" => (1.0, "1 transaction (event once + audit row)"),
        "partners-directory" => (10.0, "rate-limit UpdateItem + at most 9 covering-range Queries"),
        "partnerships-get" => (2.0, "rate-limit UpdateItem + GetItem of the partnership"),
        "partnerships-transactions-record" => (3.0, "rate-limit UpdateItem + 1 transaction + the outbox's published mark (the issue's goal is the first two; warm containers read nothing)"),
        "cycle-scheduled" => (25.0, "GetItem run + 2 ranking Queries + claim + 10 elimination transactions + 10 payout-queued marks + completion"),
        _ => return None,
    })
}

fn ms(v: f64) -> String {
    if v.is_nan() {
        "–".into()
    } else if v < 10.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.1}")
    }
}

fn opt(v: Option<f64>) -> String {
    v.map(|v| format!("{v}")).unwrap_or_else(|| "–".into())
}

fn mib(bytes: u64) -> String {
    format!("{:.2}", bytes as f64 / 1024.0 / 1024.0)
}

impl Results {
    pub fn markdown(&self) -> String {
        let m = &self.machine;
        let mut out = format!(
            "## Run of {} (commit {})\n\nMachine: {}, {} cores, {} memory, {}; {}.\n\n",
            m.date, m.commit, m.cpu, m.cores, m.memory, m.os, m.rustc
        );
        if !self.failures.is_empty() {
            out.push_str("**Parts that failed in this run:**\n\n");
            for f in &self.failures {
                out.push_str(&format!("- {f}\n"));
            }
            out.push('\n');
        }

        out.push_str("### 1. Artifact size (arm64 `bootstrap`, `cargo lambda build --release --arm64`)\n\n");
        if let Some(largest) = self.artifacts.iter().max_by_key(|a| a.zipped_bytes) {
            let over: Vec<&Artifact> = self.artifacts.iter().filter(|a| a.zipped_bytes >= ZIP_BUDGET).collect();
            out.push_str(&format!(
                "Largest: **{}**, {} MiB zipped ({} MiB unzipped); budget {} MiB zipped: {}.\n\n",
                largest.function,
                mib(largest.zipped_bytes),
                mib(largest.unzipped_bytes),
                mib(ZIP_BUDGET),
                if over.is_empty() {
                    "every function is within it".to_string()
                } else {
                    format!("{} over", over.len())
                }
            ));
            out.push_str("| function | zipped MiB | unzipped MiB |\n| --- | ---: | ---: |\n");
            for a in &self.artifacts {
                out.push_str(&format!("| {} | {} | {} |\n", a.function, mib(a.zipped_bytes), mib(a.unzipped_bytes)));
            }
            out.push('\n');
        }

        out.push_str(&format!(
            "### 2. Cold start (native release build, median of {} starts, one-shot Runtime API, DynamoDB Local)\n\n",
            super::cold::RUNS
        ));
        if let Some(floor) = &self.floor {
            out.push_str(&format!(
                "Floor (`lambda_http` hello world, same profile): init {} ms, first response {} ms. Goal: each function within {COLD_RATIO_GOAL}x.\n\n",
                ms(floor.init_ms),
                ms(floor.first_response_ms)
            ));
        }
        out.push_str("*ratio* = (first response − DynamoDB Local time) / the floor's first response. A Partner Network function's first request carries a token signed by the bench's issuer: its first response includes fetching the issuer's keys (*key fetch*, also shown apart), verifying the token and the rate-limit write.\n\n");
        out.push_str("| function | init ms | first response ms | without DynamoDB ms | ratio | settings ms | SDK config ms | clients ms | key fetch ms | peak RSS MiB | event status |\n");
        out.push_str("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for c in &self.cold_starts {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {:.2}x | {} | {} | {} | {} | {} | {} |\n",
                c.function,
                ms(c.init_ms),
                ms(c.first_response_ms),
                ms(c.own_ms),
                c.ratio_to_floor,
                c.settings_ms.map(ms).unwrap_or_default(),
                c.sdk_config_ms.map(ms).unwrap_or_default(),
                c.clients_ms.map(ms).unwrap_or_default(),
                c.jwks_fetch_ms.map(ms).unwrap_or_default(),
                c.peak_rss_kib.map(|k| format!("{:.1}", k as f64 / 1024.0)).unwrap_or_default(),
                c.status
            ));
        }
        out.push('\n');

        out.push_str(&format!(
            "### 3. Warm latency under load (`cargo lambda watch`, {} instances per function, wrk {} connections)\n\n",
            super::load::INSTANCES,
            super::load::CONNECTIONS
        ));
        out.push_str("End to end is what wrk measured through `cargo lambda watch`; handler and DynamoDB are from each request's log line (handler = latency − DynamoDB time). DynamoDB Local is a Java process on the same 2 cores and far slower than DynamoDB: its column says nothing about production.\n\n");
        out.push_str("| scenario | state | requests | errors | non-2xx | req/s | p50 | p95 | p99 | handler p50 / p95 / p99 | DynamoDB Local p50 / p95 / p99 |\n");
        out.push_str("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for l in &self.load {
            out.push_str(&format!(
                "| {} (`{}`) | {} | {} | {} | {} | {:.0} | {} | {} | {} | {} / {} / {} | {} / {} / {} |\n",
                l.scenario,
                l.route,
                l.state,
                l.requests,
                l.errors,
                l.non_2xx,
                l.rps,
                ms(l.p50_ms),
                ms(l.p95_ms),
                ms(l.p99_ms),
                ms(l.handler_ms.p50),
                ms(l.handler_ms.p95),
                ms(l.handler_ms.p99),
                ms(l.dynamodb_ms.p50),
                ms(l.dynamodb_ms.p95),
                ms(l.dynamodb_ms.p99)
            ));
        }
        out.push_str("\nAll latencies in ms.\n\n");

        out.push_str(
            "### 4. DynamoDB cost per operation (`ReturnConsumedCapacity=TOTAL`, as DynamoDB Local reports it)\n\n",
        );
        out.push_str("| operation | function | requests | minimum | RCU | WCU | what the minimum is |\n| --- | --- | ---: | ---: | ---: | ---: | --- |\n");
        let mut row = |op: &str, function: &str, req: Option<f64>, rcu: Option<f64>, wcu: Option<f64>| {
            let (min, why) = minimum(function).map(|(n, w)| (format!("{n}"), w)).unwrap_or(("–".into(), ""));
            let flag = match (req, minimum(function)) {
                (Some(r), Some((n, _))) if r > n => " ⚠",
                _ => "",
            };
            out.push_str(&format!(
                "| {op} | {function} | {}{flag} | {min} | {} | {} | {why} |\n",
                opt(req),
                opt(rcu),
                opt(wcu)
            ));
        };
        for l in &self.load {
            row(
                &format!("{} (median of the run)", l.scenario),
                &l.function,
                Some(l.ddb_requests),
                Some(l.ddb_rcu),
                Some(l.ddb_wcu),
            );
        }
        for b in &self.batch {
            row(&format!("{} at {}", b.job, b.scale), &b.function, b.ddb_requests, b.ddb_rcu, b.ddb_wcu);
        }
        for c in &self.cold_starts {
            if self.load.iter().any(|l| l.function == c.function) {
                continue;
            }
            row(
                &format!("sample event `{}` → {}", c.event, c.status),
                &c.function,
                c.ddb_requests,
                c.ddb_rcu,
                c.ddb_wcu,
            );
        }
        out.push_str("\n⚠ = above the minimum; see the findings below.\n\n");

        out.push_str("### 5. Batch jobs\n\n| job | scale | wall ms | with cold start ms | peak RSS MiB | DynamoDB requests | RCU | WCU |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for b in &self.batch {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
                b.job,
                b.scale,
                ms(b.wall_ms),
                ms(b.with_cold_start_ms),
                b.peak_rss_kib.map(|k| format!("{:.1}", k as f64 / 1024.0)).unwrap_or_default(),
                opt(b.ddb_requests),
                opt(b.ddb_rcu),
                opt(b.ddb_wcu)
            ));
        }
        out.push('\n');
        if let Some(p) = &self.peer {
            out.push_str("### 6. The peer: the same operation in Node.js 20 (goal: ours at least 20x faster to first response)\n\n");
            out.push_str("| | first response ms (cold) | warm p50 / p95 / p99 ms | peak RSS MiB |\n| --- | ---: | ---: | ---: |\n");
            let rss = |k: Option<u64>| k.map(|k| format!("{:.1}", k as f64 / 1024.0)).unwrap_or_default();
            out.push_str(&format!(
                "| {} | {} | {} / {} / {} | {} |\n",
                p.ours,
                ms(p.ours_first_response_ms),
                ms(p.ours_warm_ms.p50),
                ms(p.ours_warm_ms.p95),
                ms(p.ours_warm_ms.p99),
                rss(p.ours_peak_rss_kib)
            ));
            out.push_str(&format!(
                "| {} | {} | {} / {} / {} | {} |\n",
                p.peer,
                ms(p.peer_first_response_ms),
                ms(p.peer_warm_ms.p50),
                ms(p.peer_warm_ms.p95),
                ms(p.peer_warm_ms.p99),
                rss(p.peer_peak_rss_kib)
            ));
            out.push_str(&format!(
                "\n{}: ours is {:.1}x faster to first response and {:.1}x at warm p50.\n\n",
                p.operation, p.cold_ratio, p.warm_p50_ratio
            ));
        }
        out
    }
}
