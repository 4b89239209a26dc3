//! The events' contract (`docs/api/asyncapi.yaml`), checked on the events
//! the tests see: every event a bus sink drains is validated against the
//! payload of the message named by its `detail-type`, so each test that
//! makes events also proves they keep their documented shape.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::{json, Value};

/// The AsyncAPI document as JSON.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/api/asyncapi.yaml");
        let text = std::fs::read_to_string(&path).expect("read docs/api/asyncapi.yaml");
        serde_yaml::from_str(&text).expect("asyncapi.yaml parses")
    })
}

/// Each documented event name (`detail-type`) with its payload schema's
/// `$ref`.
pub fn messages() -> BTreeMap<String, String> {
    document()["components"]["messages"]
        .as_object()
        .expect("components.messages")
        .values()
        .map(|m| {
            let name = m["name"].as_str().expect("a message name").to_string();
            (name, m["payload"]["$ref"].as_str().expect("a payload $ref").to_string())
        })
        .collect()
}

fn validators() -> &'static BTreeMap<String, jsonschema::Validator> {
    static V: OnceLock<BTreeMap<String, jsonschema::Validator>> = OnceLock::new();
    V.get_or_init(|| {
        messages()
            .into_iter()
            .map(|(name, payload)| {
                // The whole document is the root, so the payloads' `#/components/...`
                // references resolve; its other members are not keywords.
                let mut root = document().clone();
                let map = root.as_object_mut().expect("an object");
                map.insert("$schema".into(), json!("https://json-schema.org/draft/2020-12/schema"));
                map.insert("$ref".into(), json!(payload));
                let validator = jsonschema::validator_for(&root).unwrap_or_else(|e| panic!("{name}'s payload: {e}"));
                (name, validator)
            })
            .collect()
    })
}

/// Panics unless `event` (as a rule's target receives it) is documented and
/// valid against its payload schema.
pub fn check(event: &Value) {
    let name = event["detail-type"].as_str().unwrap_or_default();
    let validator =
        validators().get(name).unwrap_or_else(|| panic!("event {name:?} is not in docs/api/asyncapi.yaml: {event}"));
    let errors: Vec<String> = validator.iter_errors(event).map(|e| format!("{}: {e}", e.instance_path)).collect();
    assert!(errors.is_empty(), "{name} does not match docs/api/asyncapi.yaml: {errors:?}\n{event}");
}
