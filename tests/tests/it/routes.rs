//! The functions are listed once, in the route table
//! (`functions/src/handlers/mod.rs`); these tests prove that every other
//! place agrees with it one to one: the SAM template (what deploys), the
//! `cargo lambda watch` router in Cargo.toml and the `src/bin/` files
//! (written by `make routes`), the sample events in `events/` (what the
//! function tests replay) and the OpenAPI document.

use std::collections::BTreeSet;

use integration_tests::{repo_root, template};

type Route = (String, String, String); // (METHOD, path, function)

fn template_routes() -> BTreeSet<Route> {
    let t = template();
    let mut out = BTreeSet::new();
    for (_, res) in t["Resources"].as_mapping().unwrap() {
        if res["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let binary = res["Metadata"]["BuildProperties"]["Binary"].as_str().expect("every function names its Binary");
        assert_eq!(res["Metadata"]["BuildMethod"].as_str(), Some("rust-cargolambda"), "{binary}");
        if let Some(events) = res["Properties"]["Events"].as_mapping() {
            for (_, ev) in events {
                if ev["Type"].as_str() == Some("HttpApi") {
                    let p = &ev["Properties"];
                    out.insert((
                        p["Method"].as_str().unwrap().to_uppercase(),
                        p["Path"].as_str().unwrap().to_string(),
                        binary.to_string(),
                    ));
                }
            }
        }
    }
    out
}

fn router_routes() -> BTreeSet<Route> {
    let text = std::fs::read_to_string(repo_root().join("Cargo.toml")).unwrap();
    let cargo: toml::Value = toml::from_str(&text).unwrap();
    let router = cargo["workspace"]["metadata"]["lambda"]["watch"]["router"].as_table().expect("router table");
    let mut out = BTreeSet::new();
    for (path, routes) in router {
        for r in routes.as_array().expect("routes list methods explicitly") {
            out.insert((
                r["method"].as_str().unwrap().to_uppercase(),
                path.clone(),
                r["function"].as_str().unwrap().to_string(),
            ));
        }
    }
    out
}

fn event_routes() -> BTreeSet<Route> {
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(repo_root().join("events")).unwrap() {
        let path = entry.unwrap().path();
        let function = function_of_sample(&path);
        let ev: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        if ev["version"] == "2.0" && ev.get("routeKey").is_some() {
            let (method, route) = ev["routeKey"].as_str().unwrap().split_once(' ').unwrap();
            let raw = ev["rawPath"].as_str().unwrap_or("");
            assert!(path_matches(route, raw), "{function}: rawPath {raw} does not match routeKey {route}");
            out.insert((method.to_string(), route.to_string(), function));
        }
    }
    out
}

/// Whether a concrete path fits a route: equal segments, a `{param}`
/// segment matching any one non-empty segment.
fn path_matches(route: &str, raw: &str) -> bool {
    let (r, p): (Vec<&str>, Vec<&str>) = (route.split('/').collect(), raw.split('/').collect());
    r.len() == p.len()
        && r.iter().zip(&p).all(|(r, p)| r == p || (r.starts_with('{') && r.ends_with('}') && !p.is_empty()))
}

#[test]
fn route_parameters_match_one_segment() {
    assert!(path_matches("/api/v1/partners/{businessId}", "/api/v1/partners/biz-a"));
    assert!(!path_matches("/api/v1/partners/{businessId}", "/api/v1/partners/"));
    assert!(!path_matches("/api/v1/partners/{businessId}", "/api/v1/partners/a/b"));
    assert!(!path_matches("/api/partners/me", "/api/partners/you"));
}

/// `events/<function>.json`, or `events/<function>--<variant>.json` for a
/// function with several routes.
fn function_of_sample(path: &std::path::Path) -> String {
    let stem = path.file_stem().unwrap().to_str().unwrap();
    stem.split("--").next().unwrap().to_string()
}

fn binaries() -> BTreeSet<String> {
    std::fs::read_dir(repo_root().join("functions/src/bin"))
        .unwrap()
        .map(|e| e.unwrap().path().file_stem().unwrap().to_str().unwrap().to_string())
        .collect()
}

#[test]
fn template_router_and_events_declare_the_same_routes() {
    let template = template_routes();
    assert!(!template.is_empty());
    assert_eq!(template, router_routes(), "infra/template.yaml vs Cargo.toml router");
    assert_eq!(template, event_routes(), "infra/template.yaml vs events/*.json");
}

#[test]
fn every_template_function_is_a_binary_and_every_binary_is_deployed() {
    let t = template();
    let deployed: BTreeSet<String> = t["Resources"]
        .as_mapping()
        .unwrap()
        .values()
        .filter(|r| r["Type"].as_str() == Some("AWS::Serverless::Function"))
        .map(|r| r["Metadata"]["BuildProperties"]["Binary"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(deployed, binaries());
    let sampled: BTreeSet<String> = std::fs::read_dir(repo_root().join("events"))
        .unwrap()
        .map(|e| function_of_sample(&e.unwrap().path()))
        .collect();
    assert_eq!(
        deployed, sampled,
        "every function has a sample event named after it, and every sample names a function"
    );
}

#[test]
fn template_declares_the_table_defined_in_code() {
    use shared::platform::table::TABLE;
    let t = template();
    let table = &t["Resources"]["Table"]["Properties"];
    let keys = |schema: &serde_yaml::Value| -> Vec<(String, String)> {
        schema
            .as_sequence()
            .unwrap()
            .iter()
            .map(|k| (k["AttributeName"].as_str().unwrap().to_string(), k["KeyType"].as_str().unwrap().to_string()))
            .collect()
    };
    let pair = |pk: &str, sk: &str| vec![(pk.to_string(), "HASH".to_string()), (sk.to_string(), "RANGE".to_string())];
    assert_eq!(keys(&table["KeySchema"]), pair(TABLE.partition_key, TABLE.sort_key));
    let gsis = table["GlobalSecondaryIndexes"].as_sequence().unwrap();
    assert_eq!(gsis.len(), TABLE.indexes.len());
    for (decl, spec) in gsis.iter().zip(TABLE.indexes) {
        assert_eq!(decl["IndexName"].as_str(), Some(spec.name));
        assert_eq!(keys(&decl["KeySchema"]), pair(spec.partition_key, spec.sort_key));
        assert_eq!(decl["Projection"]["ProjectionType"].as_str(), Some("ALL"));
    }
    assert_eq!(table["TimeToLiveSpecification"]["AttributeName"].as_str(), Some(TABLE.ttl_attribute));
    assert_eq!(table["TimeToLiveSpecification"]["Enabled"].as_bool(), Some(true));
    assert_eq!(table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"].as_bool(), Some(true));
    assert_eq!(table["BillingMode"].as_str(), Some("PAY_PER_REQUEST"));
}

/// The OpenAPI description in `docs/api/openapi.yaml`, parsed.
fn openapi() -> serde_yaml::Value {
    let text = std::fs::read_to_string(repo_root().join("docs/api/openapi.yaml")).expect("read docs/api/openapi.yaml");
    serde_yaml::from_str(&text).expect("openapi.yaml parses")
}

/// Every string literal of the Rust sources of `shared` and `functions`.
fn source_text() -> String {
    fn walk(dir: &std::path::Path, out: &mut String) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push_str(&std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let mut text = String::new();
    walk(&repo_root().join("shared/src"), &mut text);
    walk(&repo_root().join("functions/src"), &mut text);
    text
}

#[test]
fn the_openapi_document_describes_exactly_the_served_routes() {
    let doc = openapi();
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_mapping().unwrap() {
        for (method, _) in item.as_mapping().unwrap() {
            documented.insert((method.as_str().unwrap().to_uppercase(), path.as_str().unwrap().to_string()));
        }
    }
    let served: BTreeSet<(String, String)> = router_routes().into_iter().map(|(m, p, _)| (m, p)).collect();
    assert_eq!(documented, served, "docs/api/openapi.yaml and the router disagree");
}

#[test]
fn every_openapi_operation_states_its_auth_outcomes_and_real_error_codes() {
    let doc = openapi();
    let yaml = serde_yaml::to_string(&doc).unwrap();
    let sources = source_text();
    let schemes = doc["components"]["securitySchemes"].as_mapping().unwrap();
    for (path, item) in doc["paths"].as_mapping().unwrap() {
        for (method, op) in item.as_mapping().unwrap() {
            let name = format!("{} {}", method.as_str().unwrap().to_uppercase(), path.as_str().unwrap());
            let security = op["security"].as_sequence().unwrap_or_else(|| panic!("{name}: no explicit security"));
            for requirement in security {
                for (scheme, _) in requirement.as_mapping().unwrap() {
                    assert!(schemes.contains_key(scheme), "{name}: unknown security scheme {scheme:?}");
                }
            }
            let responses = op["responses"].as_mapping().unwrap();
            assert!(responses.keys().any(|k| k.as_str().unwrap().starts_with('2')), "{name}: no success response");
            if !security.is_empty() {
                assert!(responses.contains_key("401"), "{name}: authenticated but no 401");
            }
            for code in op["x-error-codes"].as_sequence().into_iter().flatten() {
                let code = code.as_str().unwrap();
                assert!(sources.contains(&format!("\"{code}\"")), "{name}: documents {code}, which no code answers");
            }
        }
    }
    // Every reference points at something.
    for part in yaml.split("$ref: ").skip(1) {
        let target = part.split_whitespace().next().unwrap().trim_matches(|c| c == '\'' || c == '"');
        let mut node = &doc;
        for key in target.trim_start_matches("#/").split('/') {
            node = &node[key];
        }
        assert!(!node.is_null(), "dangling $ref {target}");
    }
}

/// The alarms and the dashboard watch metrics the code emits, under the
/// names it emits them, and every metric the code emits is on the dashboard.
#[test]
fn alarms_and_the_dashboard_watch_the_metrics_the_code_emits() {
    use shared::platform::metrics::names::*;
    let emitted = [
        SEATS_ACTIVE,
        SEATS_OPEN,
        ELIMINATIONS,
        REFUNDS_PENDING,
        REFUNDS_OVERDUE,
        PAYOUTS_FAILED,
        WEBHOOK_EVENTS_RECEIVED,
        WEBHOOK_EVENTS_DUPLICATE,
        WEBHOOK_EVENTS_FAILED,
        WEBHOOK_INVALID_SIGNATURES,
        CREDITS_GRANTED,
        CREDITS_REVERSED,
        RECONCILIATION_DRIFT,
        PARTNER_TRANSACTIONS,
        SETTLEMENTS_CALCULATED,
        SETTLEMENTS_DISPUTED,
        SETTLEMENTS_PROCESSED,
        SETTLEMENT_DRIFT,
        RATE_LIMITED,
        POINTS_LIABILITY_DRIFT,
        ANOMALY_FLAGS,
        SETTLEMENTS_HELD,
    ];
    let text = std::fs::read_to_string(repo_root().join("infra/template.yaml")).unwrap();
    let template = template();
    let resources = template["Resources"].as_mapping().unwrap();
    let mut alarmed = 0;
    for (name, r) in resources {
        if r["Type"] == "AWS::CloudWatch::Alarm" && r["Properties"]["Namespace"] == "PartnerProgram" {
            let metric = r["Properties"]["MetricName"].as_str().unwrap();
            assert!(emitted.contains(&metric), "{name:?} watches {metric}, which nothing emits");
            alarmed += 1;
        }
    }
    assert!(alarmed >= 6);
    let dashboard = text.split("DashboardBody:").nth(1).expect("a dashboard");
    for metric in emitted {
        assert!(dashboard.contains(&format!("MetricName=\\\"{metric}\\\"")), "{metric} is not on the dashboard");
    }
    for queue in ["RefundPayoutsDeadLetterQueue", "PaddleWebhooksDeadLetterQueue", "SettlementsDeadLetterQueue"] {
        assert!(
            resources.iter().any(|(_, r)| r["Type"] == "AWS::CloudWatch::Alarm"
                && serde_yaml::to_string(&r["Properties"]["Dimensions"]).unwrap().contains(queue)),
            "no alarm on {queue}'s depth"
        );
    }
}

/// The route table is the one list: each function's `src/bin/` file and the
/// `cargo lambda watch` router are what `make routes` writes from it and
/// the template, and a function is `http` exactly when the template gives
/// it an HTTP API route.
#[test]
fn the_bins_and_the_router_are_what_make_routes_writes_from_the_table() {
    use functions::handlers::{Kind, FUNCTIONS};
    use integration_tests::routes;
    let dir = repo_root().join("functions/src/bin");
    for (name, text) in routes::bin_files() {
        assert_eq!(
            std::fs::read_to_string(dir.join(&name)).ok().as_deref(),
            Some(text.as_str()),
            "functions/src/bin/{name}: run `make routes`"
        );
    }
    assert_eq!(
        binaries().len(),
        FUNCTIONS.len(),
        "a functions/src/bin file without a line in the route table: run `make routes`"
    );
    let cargo = std::fs::read_to_string(repo_root().join("Cargo.toml")).unwrap();
    assert!(
        cargo == routes::cargo_toml_with_router(),
        "the router in Cargo.toml is not the template's routes: run `make routes`"
    );
    let routed: BTreeSet<String> = template_routes().into_iter().map(|(_, _, f)| f).collect();
    let http: BTreeSet<String> =
        FUNCTIONS.iter().filter(|(_, k)| *k == Kind::Http).map(|(m, _)| routes::binary(m)).collect();
    assert_eq!(http, routed, "the table's http functions vs the template's HTTP API routes");
}

/// Adding a route takes five places (the fixture `tests/fixtures/new-route`
/// holds one of each); merged into the repository's table, template and
/// OpenAPI document, `make routes` writes the rest: the function's bin and
/// its `cargo lambda watch` route, and the sample event agrees.
#[test]
fn a_new_route_takes_five_places_and_make_routes_writes_the_rest() {
    use functions::handlers::Kind;
    use integration_tests::routes;
    let dir = repo_root().join("tests/fixtures/new-route");
    let mut places: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    places.sort();
    assert_eq!(places, ["README.md", "event.json", "handler.rs", "openapi.yaml", "table.txt", "template.yaml"]);
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
    // The table's line names the handler module and its kind.
    let line = read("table.txt");
    let (kind, module) = line.trim().trim_end_matches(',').split_once(char::is_whitespace).unwrap();
    let (kind, module) = (if kind == "http" { Kind::Http } else { Kind::Event }, module.trim());
    assert!(read("handler.rs").contains("pub async fn handle(app: App, req: Request)"));
    // The template gains the function; the router follows from it.
    let mut template = template();
    let added: serde_yaml::Mapping = serde_yaml::from_str(&read("template.yaml")).unwrap();
    let resources = template["Resources"].as_mapping_mut().unwrap();
    for (k, v) in added {
        assert!(resources.insert(k, v).is_none(), "a new resource");
    }
    let router = routes::router_section_of(&template);
    let function = routes::binary(module);
    let entry = format!(
        "\"/api/v1/partnerships/{{id}}/example\" = [\n  {{ method = \"GET\", function = \"{function}\" }},\n]\n"
    );
    assert!(router.contains(&entry), "{router}");
    assert_eq!(router.len(), routes::router_section().len() + entry.len(), "only the new route is added");
    assert_eq!(routes::bin_file(module, kind), "//! Generated by `make routes` from the route table (functions/src/handlers/mod.rs);\n//! see `functions::handlers::partnerships_example`.\n\nfunctions::lambda_main!(http, partnerships_example);\n");
    // The sample event and the OpenAPI path name the same route.
    let event: serde_json::Value = serde_json::from_str(&read("event.json")).unwrap();
    assert_eq!(event["routeKey"], "GET /api/v1/partnerships/{id}/example");
    assert!(path_matches("/api/v1/partnerships/{id}/example", event["rawPath"].as_str().unwrap()));
    let openapi: serde_yaml::Mapping = serde_yaml::from_str(&read("openapi.yaml")).unwrap();
    assert!(openapi[&serde_yaml::Value::from("/api/v1/partnerships/{id}/example")]["get"].is_mapping());
}
