//! `partnerctl` signs what the server verifies: each runbook step it
//! builds, signed with the admin key file, is accepted by the function
//! with signature checks on (no local bypass), and a wrong key is refused.

use integration_tests::cli;
use integration_tests::*;

async fn send(env: &TestEnv, words: &str, key: &ed25519_dalek::SigningKey) -> Reply {
    let step = cli::step(&words.split(' ').map(String::from).collect::<Vec<_>>()).unwrap();
    let headers = cli::headers(&step, Some(key), None, env.now()).unwrap();
    let headers: Vec<(&str, String)> = headers.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    serve_routed(env.app.clone(), unsigned(step.method, &step.path, &headers, step.body.as_deref())).await
}

#[tokio::test]
async fn runbook_steps_signed_by_partnerctl_are_accepted_and_a_wrong_key_is_not() {
    let env = env().await;
    // The key file an operator keeps: a hex seed.
    let key = cli::load_key(&hex::encode(admin_key().to_bytes())).unwrap();
    let config = send(&env, "config", &key).await;
    assert_eq!(config.status, 200, "{}", config.json);
    assert!(config.json["stats"].is_object(), "{}", config.json);
    let dry = send(&env, "cycle dry-run --month 2026-03", &key).await;
    assert_eq!((dry.status, dry.json["dryRun"].as_bool()), (200, Some(true)), "{}", dry.json);
    let pending = send(&env, "refunds pending", &key).await;
    assert_eq!(pending.status, 200, "{}", pending.json);
    assert!(
        cli::render(&pending.json).contains("refunds") || pending.json["refunds"].as_array().is_some_and(Vec::is_empty)
    );
    let seat = send(&env, &format!("seats allocate {}", wallet(1)), &key).await;
    assert_eq!((seat.status, seat.json["seat"]["wallet"].as_str()), (201, Some(wallet(1).as_str())), "{}", seat.json);
    let status = send(&env, "cycle status --month 2026-03", &key).await;
    assert_eq!(status.status, 200, "{}", status.json);
    let frozen = send(&env, "config freeze --reason drill", &key).await;
    assert_eq!(
        (frozen.status, frozen.json["stats"]["refill"]["frozen"].as_bool()),
        (200, Some(true)),
        "{}",
        frozen.json
    );
    let held = send(&env, "settlements held --limit 20", &key).await;
    assert_eq!((held.status, held.json["settlements"].as_array().map(Vec::len)), (200, Some(0)), "{}", held.json);
    let release = send(&env, "settlements release p-none 2026-03-01", &key).await;
    assert_eq!(
        (release.status, release.code()),
        (404, "PARTNERSHIP_NOT_FOUND"),
        "signed and accepted: {}",
        release.json
    );
    // Someone else's key is not an admin's.
    let stranger = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
    assert_eq!(send(&env, "refunds pending", &stranger).await.code(), "NOT_ADMIN");
}
