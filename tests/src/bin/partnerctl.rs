//! `partnerctl`: the operator CLI (see `integration_tests::cli`). Signs
//! admin requests with an ed25519 key file, runs each runbook step by name,
//! prints a table or `--json`, and mints local Partner Network tokens.

use integration_tests::cli::{self, USAGE};
use integration_tests::tokens::{business_claims, customer_claims, SigningKey as JwtKey};

fn fail(message: &str) -> ! {
    eprintln!("{message}");
    std::process::exit(2);
}

/// `partnerctl token ...`: a token of `make dev`'s local issuer.
fn token(words: &[String]) {
    let dir = std::path::PathBuf::from(std::env::var("JWT_LOCAL_DIR").unwrap_or_else(|_| ".local/jwt".into()));
    let bytes = std::fs::read(dir.join("key.pk8")).unwrap_or_else(|_| {
        fail(&format!("no key in {}: start `make dev` once (it creates the local issuer)", dir.display()))
    });
    let key = JwtKey::from_pkcs8("local-dev-1", bytes);
    let issuer = std::env::var("JWT_ISSUER").unwrap_or_else(|_| "http://127.0.0.1:9010".into());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = match (cli::flag(words, "--customer"), cli::flag(words, "--business"), cli::flag(words, "--role")) {
        (Some(c), _, _) => customer_claims(&issuer, &c, now),
        (None, Some(b), Some(r)) => business_claims(&issuer, &b, &r, now),
        _ => fail(USAGE),
    };
    println!("{}", key.sign(&claims));
}

/// Sends a step signed now; its status and JSON answer.
async fn send(
    client: &reqwest::Client,
    url: &str,
    step: &cli::Step,
    key: Option<&ed25519_dalek::SigningKey>,
    cron_secret: Option<&str>,
) -> (reqwest::StatusCode, serde_json::Value) {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let headers = cli::headers(step, key, cron_secret, now).unwrap_or_else(|e| fail(&e));
    let mut request =
        client.request(step.method.parse().expect("a method"), format!("{}{}", url.trim_end_matches('/'), step.path));
    for (k, v) in headers {
        request = request.header(k, v);
    }
    if let Some(body) = &step.body {
        request = request.body(body.clone());
    }
    let response = request.send().await.unwrap_or_else(|e| fail(&format!("{url}: {e}")));
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
}

#[tokio::main]
async fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut take =
        |name: &str| args.iter().position(|a| a == name).map(|i| args.drain(i..(i + 2).min(args.len())).nth(1));
    let url = take("--url")
        .flatten()
        .or_else(|| std::env::var("BASE_URL").ok())
        .unwrap_or_else(|| "http://127.0.0.1:9000".into());
    let key_file = take("--key").flatten().or_else(|| std::env::var("ADMIN_KEY_FILE").ok());
    let as_json = args.iter().position(|a| a == "--json").map(|i| args.remove(i)).is_some();
    if args.first().map(String::as_str) == Some("token") {
        return token(&args);
    }
    let key = key_file.map(|f| {
        std::fs::read_to_string(&f)
            .map_err(|e| format!("{f}: {e}"))
            .and_then(|t| cli::load_key(&t))
            .unwrap_or_else(|e| fail(&e))
    });
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if args.first().map(String::as_str) == Some("wallet") {
        let key = key.unwrap_or_else(|| fail("wallet needs --key FILE (or ADMIN_KEY_FILE)"));
        return println!("{}", integration_tests::wallet_of(&key));
    }
    if args.first().map(String::as_str) == Some("sign") {
        let key = key.unwrap_or_else(|| fail("sign needs --key FILE (or ADMIN_KEY_FILE)"));
        return println!("{}", cli::sign_args(&args, &key, now).unwrap_or_else(|e| fail(&e)));
    }
    let step = cli::step(&args).unwrap_or_else(|e| fail(&e));
    let cron_secret = std::env::var("CRON_SECRET").ok();
    let client = reqwest::Client::new();
    let mut answer = send(&client, &url, &step, key.as_ref(), cron_secret.as_deref()).await;
    // A signature covers the second it was made in, and the server takes
    // each one once: the same step twice in a second is refused as a
    // replay. Sign it again in the next second, as the refusal says.
    if answer.1["error"]["code"] == "SIGNATURE_REPLAYED" {
        let now = time::OffsetDateTime::now_utc();
        tokio::time::sleep(std::time::Duration::from_nanos(1_000_000_000 - u64::from(now.nanosecond()))).await;
        answer = send(&client, &url, &step, key.as_ref(), cron_secret.as_deref()).await;
    }
    let (status, answer) = answer;
    if as_json {
        println!("{}", serde_json::to_string_pretty(&answer).unwrap_or_default());
    } else {
        print!("{}", cli::render(&answer));
    }
    if !status.is_success() {
        eprintln!("HTTP {status}");
        std::process::exit(1);
    }
}
