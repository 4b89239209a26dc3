//! The `make bench` driver (see `scripts/bench.sh`, which builds the
//! release binaries, the arm64 artifacts and starts the stack first).
//! Writes `target/bench/results.json` and `target/bench/report.md`.

use std::path::PathBuf;

use integration_tests::bench::report::{Artifact, Machine, Results};
use integration_tests::bench::scenarios::{self, app_on, base_env, seed_full_program};
use integration_tests::bench::{batch, cold, load, procs};
use integration_tests::repo_root;

const LOCAL_ADMIN_WALLET: &str = "ALAYoJpabALEEt7czrdMm9Du5dWybtyCC4jJ3GXynz24";

fn out_dir() -> PathBuf {
    repo_root().join("target/bench")
}

fn sh(cmd: &str) -> String {
    std::process::Command::new("sh")
        .args(["-c", cmd])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn machine() -> Machine {
    Machine {
        date: sh("date -u +%Y-%m-%dT%H:%MZ"),
        cpu: sh("sed -n 's/^model name\\s*: //p' /proc/cpuinfo | head -n1"),
        cores: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        memory: sh("free -h | awk '/^Mem:/{print $2}'"),
        os: sh(". /etc/os-release && echo \"$PRETTY_NAME\""),
        rustc: sh("rustc --version"),
        commit: sh("git rev-parse --short HEAD"),
    }
}

/// Sizes written by scripts/bench.sh from the arm64 zips.
fn artifacts() -> Result<Vec<Artifact>, String> {
    let text = std::fs::read_to_string(out_dir().join("sizes.json")).map_err(|e| format!("sizes.json: {e}"))?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let mut out: Vec<Artifact> = v
        .as_object()
        .ok_or("sizes.json is not an object")?
        .iter()
        .map(|(k, s)| Artifact {
            function: k.clone(),
            unzipped_bytes: s["unzipped"].as_u64().unwrap_or(0),
            zipped_bytes: s["zipped"].as_u64().unwrap_or(0),
        })
        .collect();
    out.sort_by_key(|b| std::cmp::Reverse(b.zipped_bytes));
    Ok(out)
}

/// The Paddle and cron secrets in moto's Secrets Manager, with the values
/// the sample events are signed with; the settings that name them.
async fn bench_secrets(prefix: &str) -> Option<Vec<(String, String)>> {
    let sdk = shared::platform::aws::sdk_config().await;
    let sm = aws_sdk_secretsmanager::Client::new(&sdk);
    let (paddle, cron) = (format!("{prefix}/paddle"), format!("{prefix}/cron"));
    let paddle_value = format!(
        r#"{{"current":"{}","previous":""}}"#,
        std::env::var("PADDLE_WEBHOOK_SECRET_KEY").unwrap_or_else(|_| "pdl_ntfset_local_secret".into())
    );
    let cron_value = std::env::var("CRON_SECRET").unwrap_or_else(|_| "local-cron-secret".into());
    for (name, value) in [(&paddle, paddle_value), (&cron, cron_value)] {
        if let Err(e) = sm.create_secret().name(name).secret_string(value).send().await {
            eprintln!("[bench] no Secrets Manager on the stack ({e}); secrets come from the environment");
            return None;
        }
    }
    Some(vec![("PADDLE_WEBHOOK_SECRET_ID".into(), paddle), ("CRON_SECRET_ID".into(), cron)])
}

#[tokio::main]
async fn main() {
    let watch_port: u16 = std::env::var("BENCH_API_PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(9200);
    // Tables of this run: a prefix per run keeps reruns on one stack apart.
    let prefix = format!("bench-{}", ulid::Ulid::new().to_string().to_lowercase());
    std::fs::create_dir_all(out_dir()).expect("target/bench");
    let mut failures = Vec::new();

    let artifacts = artifacts().unwrap_or_else(|e| {
        failures.push(format!("artifact sizes: {e}"));
        vec![]
    });

    // Cold starts, on a full program; the sample events use the local
    // unsigned admin header, so it is allowed here (local stage only).
    eprintln!("[bench] cold starts");
    let mut cold_env = base_env(&format!("{prefix}-cold"));
    cold_env.retain(|(k, _)| k != "ADMIN_WALLETS");
    cold_env.push(("ADMIN_WALLETS".into(), format!("{},{LOCAL_ADMIN_WALLET}", integration_tests::admin_wallet())));
    cold_env.push(("ALLOW_UNSIGNED_ADMIN".into(), "true".into()));
    // The Partner Network functions verify a real token: the issuer's keys
    // are served by this process, and each sample's token is re-signed.
    let cold_issuer = integration_tests::Issuer::start().await;
    cold_env.extend(cold_issuer.settings().into_iter().map(|(k, v)| (k.to_string(), v)));
    seed_full_program(&app_on(&cold_env).await).await;
    // `BENCH_TRACE=<function>`: one cold start of that function with every
    // log line (RUST_LOG=trace) kept in target/bench/trace-<function>.log,
    // to see where its start-up goes. Nothing else runs.
    if let Ok(name) = std::env::var("BENCH_TRACE") {
        let (_, event) = cold::sample_event(&name).expect("sample event");
        let mut env = cold_env.clone();
        env.push(("RUST_LOG".into(), "trace".into()));
        let lines = cold::trace_once(&name, &procs::binary(&name), &event, &env).await.expect("traced start");
        let file = out_dir().join(format!("trace-{name}.log"));
        std::fs::write(&file, lines.join("\n")).expect("write trace");
        eprintln!("[bench] {}", file.display());
        return;
    }
    // `BENCH_ONLY=webhook-deliveries`: the delivery worker alone, its cold
    // start and its throughput, into target/bench/webhook-deliveries.json.
    if std::env::var("BENCH_ONLY").as_deref() == Ok("webhook-deliveries") {
        let name = "webhooks-delivery-worker";
        let (file, event) = cold::sample_event(name).expect("sample event");
        let cold = cold::measure(name, &procs::binary(name), &file, &event, &cold_env).await.expect("cold starts");
        let run = batch::webhook_deliveries(&prefix, 500).await.expect("deliveries");
        let json = serde_json::json!({ "coldStart": cold, "throughput": run });
        let text = serde_json::to_string_pretty(&json).expect("serialize");
        std::fs::write(out_dir().join("webhook-deliveries.json"), &text).expect("write");
        println!("{text}");
        return;
    }
    // `BENCH_ONLY=what-if`: the simulate endpoint over 12 months of 10,000
    // transactions, into target/bench/what-if.json.
    if std::env::var("BENCH_ONLY").as_deref() == Ok("what-if") {
        let run = batch::what_if(&prefix, 12, 10_000).await.expect("what-if");
        let text = serde_json::to_string_pretty(&run).expect("serialize");
        std::fs::write(out_dir().join("what-if.json"), &text).expect("write");
        println!("{text}");
        return;
    }
    let (_, health_event) = cold::sample_event("health").expect("events/health.json");
    let floor =
        cold::measure("bench-floor", &procs::binary("bench-floor"), "events/health.json", &health_event, &cold_env)
            .await;
    let floor = match floor {
        Ok(f) => Some(f),
        Err(e) => {
            failures.push(format!("floor: {e}"));
            None
        }
    };
    // The functions that need secrets read them from Secrets Manager (moto)
    // at cold start, as in AWS: their start includes that read.
    let secret_ids = bench_secrets(&prefix).await;
    let mut cold_starts = Vec::new();
    for name in procs::function_names() {
        let mut env = cold_env.clone();
        if let Some(ids) = secret_ids.as_ref().filter(|_| ["webhooks-paddle", "cron"].contains(&name.as_str())) {
            env.retain(|(k, _)| k != "PADDLE_WEBHOOK_SECRET_KEY" && k != "CRON_SECRET");
            env.extend([
                ("PADDLE_WEBHOOK_SECRET_KEY".to_string(), String::new()),
                ("CRON_SECRET".to_string(), String::new()),
            ]);
            env.extend(ids.iter().cloned());
        }
        let result = match cold::sample_event(&name) {
            Ok((file, event)) => {
                let event = cold::with_fresh_token(&event, &cold_issuer);
                cold::measure(&name, &procs::binary(&name), &file, &event, &env).await
            }
            Err(e) => Err(e),
        };
        match result {
            Ok(mut c) => {
                if let Some(f) = &floor {
                    c.ratio_to_floor = c.own_ms / f.first_response_ms;
                }
                eprintln!(
                    "[bench]   {name}: {:.1} ms, {:.1} ms without DynamoDB ({:.2}x)",
                    c.first_response_ms, c.own_ms, c.ratio_to_floor
                );
                cold_starts.push(c);
            }
            Err(e) => failures.push(format!("cold start of {name}: {e}")),
        }
    }

    eprintln!("[bench] the Node.js peer beside us");
    let peer = match integration_tests::bench::peer::config_read(&cold_env).await {
        Ok(p) => {
            eprintln!("[bench]   cold {:.1}x, warm p50 {:.1}x", p.cold_ratio, p.warm_p50_ratio);
            Some(p)
        }
        Err(e) => {
            failures.push(format!("peer: {e}"));
            None
        }
    };

    eprintln!("[bench] warm load");
    let mut load_results = Vec::new();
    match load::Watch::start(watch_port).await {
        Ok(watch) => {
            seed_full_program(&app_on(&base_env(&format!("{prefix}-full"))).await).await;
            // Serves the JWKS the Partner Network scenarios' tokens verify against.
            let issuer = integration_tests::Issuer::start().await;
            let scenarios = vec![
                scenarios::config_read(&prefix, 2000).await,
                scenarios::seat_allocation(&prefix).await,
                scenarios::rankings_live(&prefix, 400).await,
                scenarios::cycle_dry_run(&prefix, 300).await,
                scenarios::refund_queue(&prefix, 400).await,
                scenarios::intent_verify(&prefix, 300).await,
                scenarios::webhook_ingress(&prefix, 500).await,
                // 400 requests: at most 4 per business (100 a minute allowed).
                scenarios::directory_search(&prefix, 400, &issuer).await,
                scenarios::partnership_read(&prefix, 400, &issuer).await,
                scenarios::transaction_recording(&prefix, 400, &issuer).await,
            ];
            for s in &scenarios {
                eprintln!("[bench]   {}", s.name);
                match load::run(&watch, s, &out_dir()).await {
                    Ok(r) => load_results.push(r),
                    Err(e) => failures.push(format!("load {}: {e}", s.name)),
                }
            }
            watch.stop().await;
        }
        Err(e) => failures.push(format!("cargo lambda watch: {e}")),
    }

    eprintln!("[bench] batch jobs");
    let mut batch_results = Vec::new();
    match batch::monthly_cycle(&prefix).await {
        Ok(b) => batch_results.push(b),
        Err(e) => failures.push(format!("monthly cycle: {e}")),
    }
    for n in [10_000, 100_000] {
        eprintln!("[bench]   settlement over {n} transactions");
        match batch::settlement(&prefix, n).await {
            Ok(b) => batch_results.push(b),
            Err(e) => failures.push(format!("settlement over {n}: {e}")),
        }
    }

    eprintln!("[bench]   what-if terms over 12 months x 10,000 transactions");
    match batch::what_if(&prefix, 12, 10_000).await {
        Ok(b) => batch_results.push(b),
        Err(e) => failures.push(format!("what-if: {e}")),
    }

    eprintln!("[bench]   webhook deliveries");
    match batch::webhook_deliveries(&prefix, 500).await {
        Ok(b) => batch_results.push(b),
        Err(e) => failures.push(format!("webhook deliveries: {e}")),
    }

    let results = Results {
        machine: machine(),
        artifacts,
        floor,
        cold_starts,
        load: load_results,
        batch: batch_results,
        peer,
        failures,
    };
    let json = serde_json::to_string_pretty(&results).expect("results serialize");
    std::fs::write(out_dir().join("results.json"), json).expect("write results.json");
    std::fs::write(out_dir().join("report.md"), results.markdown()).expect("write report.md");
    for f in &results.failures {
        eprintln!("[bench] FAILED: {f}");
    }
    if !results.failures.is_empty() {
        std::process::exit(1);
    }
}
