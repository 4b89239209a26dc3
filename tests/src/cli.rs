//! `partnerctl`: the operator's runbook steps by name. Each step is one
//! request to the API, signed like every admin request (`signed_headers`,
//! the message the server verifies), printed as a table or as JSON.
//! This module turns the command line into that request and the answer
//! into text; `src/bin/partnerctl.rs` sends it.

use ed25519_dalek::SigningKey;
use serde_json::{json, Value};

/// One request a command makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub method: &'static str,
    /// Path and query.
    pub path: String,
    pub body: Option<String>,
    /// How it is authorized.
    pub auth: Auth,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// Signed by the admin key.
    Admin,
    /// `Authorization: Bearer $CRON_SECRET`.
    Cron,
}

pub const USAGE: &str = "usage: partnerctl [--url URL] [--key FILE] [--json] COMMAND
  config                                   the program config, seats and refill price
  config set-price USD [--reason TEXT]     change the refill price
  config freeze --reason TEXT | config unfreeze --reason TEXT
  seats [--status S] [--limit N]           seats and their holders
  seats allocate WALLET                    allocate a seat (refused at the cap)
  rankings --month YYYY-MM [--source LIVE|SNAPSHOT]   the month's ranking
  cycle status --month YYYY-MM             the month's preview and elimination history
  cycle dry-run --month YYYY-MM            the elimination preview
  cycle execute --month YYYY-MM [--reason TEXT]
  refunds pending | refunds sla            the refund queue and its deadlines
  refunds complete REFUND_ID --tx HASH     mark a refund paid
  refunds fail REFUND_ID --reason TEXT | refunds retry REFUND_ID
  audit --action NAME [--from T] [--to T]  audit rows of an action in a window
  webhooks --status S [--from T] [--to T]  Paddle events | webhooks --event-id ID (one, with its audit)
  settlements resolve PARTNERSHIP PERIOD --outcome TEXT [--adjustment-cents N]
  settlements held [--limit N]             settlements held for review (anomaly flags, high value)
  settlements release PARTNERSHIP PERIOD   release a held settlement for payment
  cron JOB                                 run a scheduled job (needs CRON_SECRET)
  token --business ID --role owner|staff | token --customer ID   a local JWT (make dev's issuer)
  sign METHOD PATH [BODY] [--wallet]       curl -H arguments for any signed request
                                           (--wallet: as the partner x-wallet, else as admin)
  wallet                                   the key's wallet address (what ADMIN_WALLETS lists)
--url defaults to $BASE_URL or http://127.0.0.1:9000; --key to $ADMIN_KEY_FILE
(a Solana keypair JSON of 64 numbers, or a 32-byte hex seed).";

/// The value after `--name`, if given.
pub fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

fn required(args: &[String], name: &str) -> Result<String, String> {
    flag(args, name).ok_or_else(|| format!("{name} is required\n{USAGE}"))
}

fn query(pairs: &[(&str, Option<String>)]) -> String {
    let parts: Vec<String> =
        pairs.iter().filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", encode(v)))).collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved kept).
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn admin(method: &'static str, path: String, body: Option<Value>) -> Step {
    Step { method, path, body: body.map(|b| b.to_string()), auth: Auth::Admin }
}

/// The request a command (the words after the options) makes.
pub fn step(words: &[String]) -> Result<Step, String> {
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    let reason = flag(words, "--reason");
    Ok(match w.as_slice() {
        ["config"] => admin("GET", "/api/partners/config".into(), None),
        ["config", "set-price", usd, ..] => {
            admin("POST", "/api/partners/config".into(), Some(json!({ "refillPriceUsd": usd, "reason": reason })))
        }
        ["config", "freeze", ..] => admin(
            "POST",
            "/api/partners/config".into(),
            Some(json!({ "refillFrozen": true, "reason": required(words, "--reason")? })),
        ),
        ["config", "unfreeze", ..] => admin(
            "POST",
            "/api/partners/config".into(),
            Some(json!({ "refillFrozen": false, "reason": required(words, "--reason")? })),
        ),
        ["seats", "allocate", wallet, ..] => {
            admin("POST", "/api/partners/seats".into(), Some(json!({ "wallet": wallet })))
        }
        ["seats", ..] => admin(
            "GET",
            format!(
                "/api/partners/seats{}",
                query(&[("status", flag(words, "--status")), ("limit", flag(words, "--limit"))])
            ),
            None,
        ),
        ["rankings", ..] => {
            let source = flag(words, "--source").unwrap_or_else(|| "LIVE".into());
            admin(
                "GET",
                format!(
                    "/api/partners/rankings{}",
                    query(&[("monthKey", Some(required(words, "--month")?)), ("source", Some(source))])
                ),
                None,
            )
        }
        ["cycle", "status", ..] => admin(
            "GET",
            format!("/api/partners/cycle/eliminate{}", query(&[("monthKey", Some(required(words, "--month")?))])),
            None,
        ),
        ["cycle", "dry-run", ..] => admin(
            "POST",
            "/api/partners/cycle/eliminate".into(),
            Some(json!({ "monthKey": required(words, "--month")?, "dryRun": true })),
        ),
        ["cycle", "execute", ..] => {
            let reason = reason.unwrap_or_else(|| "monthly-bottom-10".into());
            admin(
                "POST",
                "/api/partners/cycle/eliminate".into(),
                Some(json!({ "monthKey": required(words, "--month")?, "dryRun": false, "reason": reason })),
            )
        }
        ["refunds", "pending"] => admin("GET", "/api/partners/refunds?status=PENDING".into(), None),
        ["refunds", "sla"] => admin("GET", "/api/partners/refunds/sla".into(), None),
        ["refunds", "complete", id, ..] => admin(
            "POST",
            "/api/partners/refunds".into(),
            Some(json!({ "refundId": id, "action": "COMPLETE", "txHash": required(words, "--tx")? })),
        ),
        ["refunds", "fail", id, ..] => admin(
            "POST",
            "/api/partners/refunds".into(),
            Some(json!({ "refundId": id, "action": "FAILED", "reason": required(words, "--reason")? })),
        ),
        ["refunds", "retry", id] => {
            admin("POST", "/api/partners/refunds".into(), Some(json!({ "refundId": id, "action": "RETRY" })))
        }
        ["audit", ..] => admin(
            "GET",
            format!(
                "/api/audit{}",
                query(&[
                    ("action", Some(required(words, "--action")?)),
                    ("from", flag(words, "--from")),
                    ("to", flag(words, "--to"))
                ])
            ),
            None,
        ),
        ["webhooks", ..] if flag(words, "--event-id").is_some() => {
            admin("GET", format!("/api/webhooks/events{}", query(&[("eventId", flag(words, "--event-id"))])), None)
        }
        ["webhooks", ..] => admin(
            "GET",
            format!(
                "/api/webhooks/events{}",
                query(&[
                    ("status", Some(required(words, "--status")?)),
                    ("from", flag(words, "--from")),
                    ("to", flag(words, "--to"))
                ])
            ),
            None,
        ),
        ["settlements", "resolve", partnership, period, ..] => {
            let adjustment: i64 = flag(words, "--adjustment-cents")
                .map(|a| a.parse().map_err(|_| "--adjustment-cents takes whole cents".to_string()))
                .transpose()?
                .unwrap_or(0);
            let body = json!({ "outcome": required(words, "--outcome")?, "adjustmentCents": adjustment });
            admin(
                "POST",
                format!("/api/v1/partnerships/{}/settlements/{}/resolve", encode(partnership), encode(period)),
                Some(body),
            )
        }
        ["settlements", "held", ..] => {
            admin("GET", format!("/api/settlements/held{}", query(&[("limit", flag(words, "--limit"))])), None)
        }
        ["settlements", "release", partnership, period] => admin(
            "POST",
            format!("/api/v1/partnerships/{}/settlements/{}/release", encode(partnership), encode(period)),
            None,
        ),
        ["cron", job] => {
            Step { method: "GET", path: format!("/api/cron/{}", encode(job)), body: None, auth: Auth::Cron }
        }
        _ => return Err(USAGE.to_string()),
    })
}

/// The admin key from a key file: a Solana keypair JSON (its first 32
/// numbers are the seed) or a 32-byte hex seed.
pub fn load_key(text: &str) -> Result<SigningKey, String> {
    let text = text.trim();
    let seed: Vec<u8> = if text.starts_with('[') {
        serde_json::from_str::<Vec<u8>>(text)
            .map_err(|e| format!("not a keypair JSON: {e}"))?
            .into_iter()
            .take(32)
            .collect()
    } else {
        hex::decode(text).map_err(|e| format!("not a hex seed: {e}"))?
    };
    let seed: [u8; 32] = seed.try_into().map_err(|_| "the key needs a 32-byte seed".to_string())?;
    Ok(SigningKey::from_bytes(&seed))
}

/// The headers a step sends, signed at `timestamp` where it needs it.
pub fn headers(
    step: &Step,
    key: Option<&SigningKey>,
    cron_secret: Option<&str>,
    timestamp: i64,
) -> Result<Vec<(String, String)>, String> {
    let mut out = vec![("content-type".to_string(), "application/json".to_string())];
    match step.auth {
        Auth::Admin => {
            let key = key.ok_or("admin steps need --key FILE (or ADMIN_KEY_FILE)")?;
            for (k, v) in crate::signed_headers(
                key,
                shared::http::auth::ADMIN_WALLET_HEADER,
                step.method,
                &step.path,
                step.body.as_deref(),
                timestamp,
            ) {
                out.push((k.to_string(), v));
            }
        }
        Auth::Cron => {
            out.push(("authorization".into(), format!("Bearer {}", cron_secret.ok_or("cron steps need CRON_SECRET")?)))
        }
    }
    Ok(out)
}

/// `partnerctl sign`: the signature headers of any request, as curl
/// arguments (the admin's, or with `--wallet` a partner's own).
pub fn sign_args(words: &[String], key: &SigningKey, timestamp: i64) -> Result<String, String> {
    let plain: Vec<&String> = words.iter().filter(|w| *w != "--wallet").collect();
    let (method, path) = match plain.as_slice() {
        [_, method, path, ..] => (method.to_ascii_uppercase(), path.to_string()),
        _ => return Err(USAGE.to_string()),
    };
    let body = plain.get(3).map(|b| b.to_string());
    let header =
        if words.iter().any(|w| w == "--wallet") { "x-wallet" } else { shared::http::auth::ADMIN_WALLET_HEADER };
    let headers = crate::signed_headers(key, header, &method, &path, body.as_deref(), timestamp);
    Ok(headers
        .iter()
        .filter(|(k, _)| *k != "content-type")
        .map(|(k, v)| format!("-H '{k}: {v}'"))
        .collect::<Vec<_>>()
        .join(" "))
}

fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// An answer as text: the first list of objects it holds as a table (its
/// columns the keys of its first row), every other field as `key: value`.
pub fn render(answer: &Value) -> String {
    let Some(map) = answer.as_object() else { return cell(answer) };
    let mut out = String::new();
    let mut table: Option<(&String, &Vec<Value>)> = None;
    for (k, v) in map {
        match v {
            Value::Array(rows) if table.is_none() && rows.first().is_some_and(Value::is_object) => {
                table = Some((k, rows))
            }
            _ => out.push_str(&format!("{k}: {}\n", cell(v))),
        }
    }
    if let Some((name, rows)) = table {
        let columns: Vec<String> = rows[0].as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
        let grid: Vec<Vec<String>> =
            rows.iter().map(|r| columns.iter().map(|c| cell(&r[c.as_str()])).collect()).collect();
        let widths: Vec<usize> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| grid.iter().map(|r| r[i].chars().count()).chain([c.len()]).max().unwrap_or(0).min(40))
            .collect();
        let line = |cells: &[String]| {
            cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{:w$}", c.chars().take(40).collect::<String>(), w = w))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_string()
        };
        out.push_str(&format!("{name} ({}):\n{}\n", rows.len(), line(&columns)));
        for r in &grid {
            out.push_str(&line(r));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split(' ').map(String::from).collect()
    }

    #[test]
    fn runbook_steps_become_the_runbooks_requests() {
        let dry = step(&words("cycle dry-run --month 2026-02")).unwrap();
        assert_eq!((dry.method, dry.path.as_str()), ("POST", "/api/partners/cycle/eliminate"));
        assert_eq!(
            serde_json::from_str::<Value>(dry.body.as_deref().unwrap()).unwrap(),
            json!({ "monthKey": "2026-02", "dryRun": true })
        );
        let done = step(&words("refunds complete r-1 --tx 5hx")).unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(done.body.as_deref().unwrap()).unwrap(),
            json!({ "refundId": "r-1", "action": "COMPLETE", "txHash": "5hx" })
        );
        assert_eq!(step(&words("refunds pending")).unwrap().path, "/api/partners/refunds?status=PENDING");
        assert_eq!(
            step(&words("audit --action program.refill_frozen --from 2026-03-01T00:00:00Z")).unwrap().path,
            "/api/audit?action=program.refill_frozen&from=2026-03-01T00%3A00%3A00Z"
        );
        assert_eq!(step(&words("cron settlements")).unwrap().auth, Auth::Cron);
        assert_eq!(step(&words("settlements held --limit 20")).unwrap().path, "/api/settlements/held?limit=20");
        let release = step(&words("settlements release p-1 2026-03-01")).unwrap();
        assert_eq!(
            (release.method, release.path.as_str(), release.auth),
            ("POST", "/api/v1/partnerships/p-1/settlements/2026-03-01/release", Auth::Admin)
        );
        assert!(step(&words("refunds complete r-1")).unwrap_err().contains("--tx is required"));
        let seat = step(&words("seats allocate W1")).unwrap();
        assert_eq!(
            (seat.method, seat.path.as_str(), seat.body.as_deref()),
            ("POST", "/api/partners/seats", Some(r#"{"wallet":"W1"}"#))
        );
        assert_eq!(
            step(&words("seats --status ACTIVE --limit 100")).unwrap().path,
            "/api/partners/seats?status=ACTIVE&limit=100"
        );
        assert_eq!(
            step(&words("rankings --month 2026-02 --source SNAPSHOT")).unwrap().path,
            "/api/partners/rankings?monthKey=2026-02&source=SNAPSHOT"
        );
        assert_eq!(
            step(&words("rankings --month 2026-02")).unwrap().path,
            "/api/partners/rankings?monthKey=2026-02&source=LIVE"
        );
        assert_eq!(
            step(&words("cycle status --month 2026-02")).unwrap().path,
            "/api/partners/cycle/eliminate?monthKey=2026-02"
        );
        let failed = step(&words("refunds fail r-1 --reason blocked")).unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(failed.body.as_deref().unwrap()).unwrap(),
            json!({ "refundId": "r-1", "action": "FAILED", "reason": "blocked" })
        );
        assert!(step(&words("refunds fail r-1")).unwrap_err().contains("--reason is required"));
        assert_eq!(step(&words("webhooks --event-id evt_1")).unwrap().path, "/api/webhooks/events?eventId=evt_1");
        assert!(step(&words("nonsense")).is_err());
    }

    #[test]
    fn sign_prints_the_headers_the_server_checks() {
        let args =
            sign_args(&words("sign post /api/partners/refunds?status=PENDING"), &crate::admin_key(), 1_700_000_000)
                .unwrap();
        let expected = crate::signed_headers(
            &crate::admin_key(),
            "x-admin-wallet",
            "POST",
            "/api/partners/refunds?status=PENDING",
            None,
            1_700_000_000,
        );
        for (k, v) in expected {
            assert!(args.contains(&format!("-H '{k}: {v}'")), "{args}");
        }
        assert!(sign_args(&words("sign GET /api/credits --wallet"), &crate::admin_key(), 1)
            .unwrap()
            .starts_with("-H 'x-wallet: "));
    }

    #[test]
    fn answers_render_as_tables() {
        let text = render(
            &json!({ "refunds": [{ "refundId": "r-1", "amountCents": 100 }, { "refundId": "r-22", "amountCents": 5 }], "nextCursor": null }),
        );
        // Columns in key order (serde_json's maps are sorted).
        assert_eq!(text, "nextCursor: \nrefunds (2):\namountCents  refundId\n100          r-1\n5            r-22\n");
        assert_eq!(load_key(&"2a".repeat(32)).unwrap().to_bytes(), crate::admin_key().to_bytes());
        assert_eq!(
            load_key(&format!("[{}]", vec!["42"; 64].join(","))).unwrap().to_bytes(),
            crate::admin_key().to_bytes()
        );
    }
}
