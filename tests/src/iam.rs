//! The operation-vs-policy check: every AWS operation a function was seen
//! performing (recorded by `shared::platform::operations` while the tests
//! and the smoke ran) must be allowed by that function's policy in
//! `infra/template.yaml`. DynamoDB Local and moto enforce no IAM, so this is
//! what stands between a missing permission and a 500 in AWS.

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml::Value;
use shared::platform::operations::{ANY, INDEX, TABLE};

/// One allowance: an IAM action (or `prefix*`) on kinds of resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub action: String,
    /// `table`, `index` or `*` (a queue, the bus, a secret).
    pub resources: BTreeSet<&'static str>,
}

/// What SAM's policy templates we use expand to.
fn policy_template(name: &str) -> Option<Vec<Grant>> {
    let any = BTreeSet::from([ANY]);
    let grant = |action: &str| Grant { action: action.to_string(), resources: any.clone() };
    Some(match name {
        "EventBridgePutEventsPolicy" => vec![grant("events:PutEvents")],
        "SQSSendMessagePolicy" => vec![grant("sqs:SendMessage*")],
        _ => return None,
    })
}

fn resource_kind(resource: &Value) -> &'static str {
    match resource {
        Value::Tagged(t) => match (t.tag.to_string().as_str(), t.value.as_str()) {
            ("!GetAtt", Some("Table.Arn")) => TABLE,
            ("!Sub", Some(s)) if s.starts_with("${Table.Arn}/index/") => INDEX,
            _ => ANY,
        },
        _ => ANY,
    }
}

fn strings(v: &Value) -> Vec<&Value> {
    match v {
        Value::Sequence(items) => items.iter().collect(),
        other => vec![other],
    }
}

/// Each function's grants, by its binary's name.
pub fn grants(template: &Value) -> BTreeMap<String, Vec<Grant>> {
    let mut out = BTreeMap::new();
    for (_, res) in template["Resources"].as_mapping().expect("resources") {
        if res["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let binary =
            res["Metadata"]["BuildProperties"]["Binary"].as_str().expect("every function names its binary").to_string();
        let mut list = Vec::new();
        for policy in res["Properties"]["Policies"].as_sequence().into_iter().flatten() {
            let map = policy.as_mapping().expect("a policy is a mapping");
            if let Some(statements) = policy.get("Statement") {
                for st in statements.as_sequence().expect("a list of statements") {
                    if st["Effect"].as_str() != Some("Allow") {
                        continue;
                    }
                    let resources: BTreeSet<&'static str> =
                        strings(&st["Resource"]).into_iter().map(resource_kind).collect();
                    for action in strings(&st["Action"]) {
                        list.push(Grant {
                            action: action.as_str().expect("an action is text").to_string(),
                            resources: resources.clone(),
                        });
                    }
                }
            } else {
                for (name, _) in map {
                    let name = name.as_str().expect("a policy template's name");
                    list.extend(policy_template(name).unwrap_or_else(|| {
                        panic!("{binary}: policy template {name} is not known to the check; add what it grants")
                    }));
                }
            }
        }
        out.insert(binary, list);
    }
    out
}

fn action_matches(granted: &str, action: &str) -> bool {
    match granted.strip_suffix('*') {
        Some(prefix) => action.starts_with(prefix),
        None => granted == action,
    }
}

/// Whether `grants` allow `action` on a resource of kind `resource`.
pub fn allows(grants: &[Grant], action: &str, resource: &str) -> bool {
    grants.iter().any(|g| {
        action_matches(&g.action, action)
            && (g.resources.contains(resource) || (resource == ANY && !g.resources.is_empty()))
    })
}

/// One recorded line: (function, action, resource).
pub type Performed = (String, String, String);

/// Reads every `function<TAB>action<TAB>resource` line under `dir`.
pub fn read_log(dir: &std::path::Path) -> BTreeSet<Performed> {
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        for line in std::fs::read_to_string(entry.path()).unwrap_or_default().lines() {
            let parts: Vec<&str> = line.split('\t').collect();
            if let [f, a, r] = parts[..] {
                out.insert((f.to_string(), a.to_string(), r.to_string()));
            }
        }
    }
    out
}

/// Every performed operation no policy allows, as `function: action on resource`.
/// Lines of processes that are no function of the template (a test's own
/// set-up, a tool) are not a function's and are left out.
pub fn violations(template: &Value, performed: &BTreeSet<Performed>) -> Vec<String> {
    let grants = grants(template);
    performed
        .iter()
        .filter_map(|(f, a, r)| {
            let g = grants.get(f)?;
            (!allows(g, a, r)).then(|| format!("{f}: {a} on {r}"))
        })
        .collect()
}

/// Grants no recorded operation used, per function that was seen at all
/// (what may be wider than it needs: a hint, not a failure, since a test
/// run does not take every path).
pub fn unused(template: &Value, performed: &BTreeSet<Performed>) -> Vec<String> {
    let grants = grants(template);
    let mut out = Vec::new();
    for (f, list) in &grants {
        let seen: Vec<&Performed> = performed.iter().filter(|(pf, _, _)| pf == f).collect();
        if seen.is_empty() {
            continue;
        }
        for g in list {
            if !seen.iter().any(|(_, a, _)| action_matches(&g.action, a)) {
                out.push(format!("{f}: {} unused", g.action));
            }
        }
    }
    out
}
