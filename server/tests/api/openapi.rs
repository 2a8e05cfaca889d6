//! `GET /api/v1/openapi.json`, the whole document, against the routes the server really
//! has: each operation and its method, responses, parameters, references and security.

use std::collections::{BTreeMap, BTreeSet};

use aduan_server::http::access::{Access, RouteSpec};
use serde_json::Value;

use crate::helpers::{client_with, get_json, spawn_app, TestApp};

/// The keys of an OpenAPI path item that are operations.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

#[tokio::test]
async fn openapi_document_describes_every_route_as_served() {
    let app = spawn_app().await;
    let doc = get_json(&app.client, app.url("/api/v1/openapi.json")).await;
    let table = aduan_server::http::route_table();
    let mut defects = route_defects(&doc, &table);
    defects.extend(operation_defects(&doc));
    defects.extend(operation_id_defects(&doc));
    defects.extend(security_defects(&doc, &table));
    defects.extend(reference_defects(&doc));
    defects.sort();
    assert!(defects.is_empty(), "defects in openapi.json: {defects:#?}");
    every_operation_is_routed(&app, &doc).await;
    app.stop().await;
}

/// (METHOD, path, operation) of every operation in the document.
fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (key, op) in item.as_object().expect("path item") {
            if METHODS.contains(&key.as_str()) {
                out.push((key.to_uppercase(), path.clone(), op));
            }
        }
    }
    out
}

/// The operations are exactly the routes of the server's table.
fn route_defects(doc: &Value, table: &[RouteSpec]) -> Vec<String> {
    let documented: BTreeSet<(String, String)> = operations(doc)
        .into_iter()
        .map(|(m, p, _)| (m, p))
        .collect();
    let served: BTreeSet<(String, String)> = table
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    let missing = served
        .difference(&documented)
        .map(|(m, p)| format!("{m} {p}: served, not in the document"));
    let extra = documented
        .difference(&served)
        .map(|(m, p)| format!("{m} {p}: in the document, not served"));
    missing.chain(extra).collect()
}

/// Responses (with valid codes and a description) and exactly the path's parameters.
fn operation_defects(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (method, path, op) in operations(doc) {
        let responses = op["responses"].as_object().cloned().unwrap_or_default();
        if responses.is_empty() {
            out.push(format!("{method} {path}: no responses"));
        }
        for (code, response) in &responses {
            let valid =
                code == "default" || code.parse::<u16>().is_ok_and(|c| (100..600).contains(&c));
            if !valid || !response["description"].is_string() {
                out.push(format!("{method} {path}: response {code} {response}"));
            }
        }
        let params: Vec<&Value> = [&doc["paths"][&path]["parameters"], &op["parameters"]]
            .into_iter()
            .filter_map(Value::as_array)
            .flatten()
            .collect();
        let in_path: BTreeSet<&str> = params
            .iter()
            .filter(|p| p["in"] == "path")
            .map(|p| p["name"].as_str().unwrap_or("?"))
            .collect();
        let template: BTreeSet<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        if in_path != template {
            let (in_path, template): (Vec<_>, Vec<_>) = (
                in_path.into_iter().collect(),
                template.into_iter().collect(),
            );
            out.push(format!(
                "{method} {path}: path parameters {in_path:?}, the path has {template:?}"
            ));
        }
        for p in params.iter().filter(|p| p["in"] == "path") {
            if p["required"] != true {
                out.push(format!("{method} {path}: optional path parameter {p}"));
            }
        }
    }
    out
}

fn operation_id_defects(doc: &Value) -> Vec<String> {
    let mut by_id: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut out = Vec::new();
    for (method, path, op) in operations(doc) {
        match op["operationId"].as_str() {
            Some(id) => by_id
                .entry(id.into())
                .or_default()
                .push(format!("{method} {path}")),
            None => out.push(format!("{method} {path}: no operationId")),
        }
    }
    for (id, ops) in by_id.into_iter().filter(|(_, ops)| ops.len() > 1) {
        out.push(format!("operationId `{id}` is shared by {ops:?}"));
    }
    out
}

/// Signed-in routes require the bearer scheme, public ones do not, and every scheme named
/// is declared.
fn security_defects(doc: &Value, table: &[RouteSpec]) -> Vec<String> {
    let schemes = doc["components"]["securitySchemes"].as_object();
    let mut out = Vec::new();
    let mut unguarded = Vec::new();
    for (method, path, op) in operations(doc) {
        // An operation's own `security` replaces the document's.
        let requirements: Vec<&serde_json::Map<String, Value>> =
            [&op["security"], &doc["security"]]
                .into_iter()
                .find_map(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_object)
                .collect();
        for name in requirements.iter().flat_map(|r| r.keys()) {
            if !schemes.is_some_and(|s| s.contains_key(name)) {
                out.push(format!(
                    "{method} {path}: undeclared security scheme {name}"
                ));
            }
        }
        // An empty requirement among the alternatives makes signing in optional.
        let requires_bearer = requirements.iter().any(|r| r.contains_key("bearer"))
            && requirements.iter().all(|r| !r.is_empty());
        let Some(route) = table
            .iter()
            .find(|r| r.method.as_str() == method && r.path == path)
        else {
            continue; // reported by route_defects
        };
        match (route.access == Access::Public, requires_bearer) {
            (true, true) => out.push(format!("{method} {path}: public, yet requires bearer")),
            (false, false) => {
                unguarded.push(format!("{method} {path}: signed-in, bearer not required"))
            }
            _ => {}
        }
    }
    let signed_in = table.iter().filter(|r| r.access != Access::Public).count();
    if unguarded.len() == signed_in {
        out.push("no signed-in operation requires the bearer scheme".into());
    } else {
        out.extend(unguarded);
    }
    out
}

/// Every `$ref` points into the document and resolves there.
fn reference_defects(doc: &Value) -> Vec<String> {
    fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    match (k.as_str(), v) {
                        ("$ref", Value::String(r)) => out.push(r),
                        _ => refs(v, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(doc, &mut all);
    let mut out: Vec<String> = all
        .iter()
        .filter(|r| r.strip_prefix('#').and_then(|p| doc.pointer(p)).is_none())
        .map(|r| format!("$ref {r} does not resolve"))
        .collect();
    if !all.contains(&"#/components/schemas/ComplaintInput") {
        out.push("the shared types (ComplaintInput) are not referenced".into());
    }
    out
}

/// The router agrees with the table: an anonymous call of each documented operation is
/// routed (401 for a signed-in route, a real answer for a public one), never 404/405.
async fn every_operation_is_routed(app: &TestApp, doc: &Value) {
    let anonymous = client_with(None);
    for (method, path, _) in operations(doc) {
        let concrete: Vec<String> = path
            .split('/')
            .map(|s| match s.starts_with('{') {
                true => uuid::Uuid::new_v4().to_string(),
                false => s.to_string(),
            })
            .collect();
        let status = anonymous
            .request(method.parse().unwrap(), app.url(&concrete.join("/")))
            .send()
            .await
            .unwrap()
            .status();
        assert!(
            status != 404 && status != 405,
            "{method} {path} answers {status}: the server does not route it"
        );
    }
}

/// The limits the document states are the ones the server enforces: each documented number
/// is read from the document and compared with the constant the validation uses.
#[test]
fn documented_limits_are_the_servers() {
    use aduan_server::{auth, domain, http, service};
    let limits = aduan_api::complaint::IntakeLimits {
        max_file_bytes: 1,
        max_request_bytes: 1,
        max_files: 7,
    };
    let doc = http::openapi::served(&limits);
    let schemas = "/components/schemas";
    let short = domain::complaint::MAX_SHORT_FIELD_CHARS as u64;
    let mut expected: Vec<(String, u64)> = vec![
        (
            format!("{schemas}/ComplaintInput/properties/description/maxLength"),
            domain::complaint::MAX_DESCRIPTION_CHARS as u64,
        ),
        (
            format!("{schemas}/IdentityReveal/properties/reason/minLength"),
            http::identity::MIN_REASON as u64,
        ),
        (
            format!("{schemas}/IdentityReveal/properties/reason/maxLength"),
            http::identity::MAX_REASON as u64,
        ),
        (
            format!("{schemas}/NewCase/properties/complaint_ids/maxItems"),
            service::cases::MAX_COMPLAINTS as u64,
        ),
        (
            format!("{schemas}/CaseChange/properties/reason/maxLength"),
            service::case_changes::MAX_REASON as u64,
        ),
        (
            format!("{schemas}/NewCaseNote/properties/body/maxLength"),
            service::case_changes::MAX_NOTE as u64,
        ),
        (
            format!("{schemas}/ProcessingChange/properties/concurrency/maximum"),
            service::processing::MAX_CONCURRENCY as u64,
        ),
        (
            format!("{schemas}/NewUser/properties/password/minLength"),
            auth::MIN_PASSWORD_CHARS as u64,
        ),
        (
            format!("{schemas}/AttachmentUpload/properties/file/maxItems"),
            7,
        ),
        (
            format!("{schemas}/ComplaintUpload/properties/file/maxItems"),
            7,
        ),
    ];
    for schema in ["NewUser", "UserChange"] {
        expected.push((
            format!("{schemas}/{schema}/properties/display_name/maxLength"),
            service::users::MAX_DISPLAY_NAME_CHARS as u64,
        ));
    }
    for schema in ["NewCase", "CaseChange"] {
        expected.push((
            format!("{schemas}/{schema}/properties/title/maxLength"),
            service::cases::MAX_TITLE_CHARS as u64,
        ));
    }
    for field in ["location", "subject_agency"] {
        expected.push((
            format!("{schemas}/ComplaintInput/properties/{field}/maxLength"),
            short,
        ));
    }
    for field in ["name", "id_number", "phone", "email", "address"] {
        expected.push((
            format!("{schemas}/Complainant/properties/{field}/maxLength"),
            short,
        ));
    }
    for list in ["/api/v1/complaints", "/api/v1/cases", "/api/v1/admin/audit"] {
        let params = doc["paths"][list]["get"]["parameters"].as_array().unwrap();
        let limit = params.iter().find(|p| p["name"] == "limit").unwrap();
        let max = limit["schema"]["maximum"].as_u64();
        assert_eq!(max, Some(http::paging::MAX_LIMIT as u64), "{list} limit");
    }
    let mismatched: Vec<String> = expected
        .into_iter()
        .filter(|(pointer, value)| doc.pointer(pointer).and_then(Value::as_u64) != Some(*value))
        .map(|(pointer, value)| format!("{pointer}: {:?}, not {value}", doc.pointer(&pointer)))
        .collect();
    assert!(mismatched.is_empty(), "{mismatched:#?}");
    let target = &doc["paths"]["/api/v1/desktop/update/{target}/{current_version}"]["get"]
        ["parameters"][0]["schema"]["pattern"];
    let max_target = domain::desktop::MAX_TARGET_CHARS;
    assert_eq!(target, &format!("^[a-z0-9_-]{{1,{max_target}}}$"));
}

/// Every link names an operation of the document (by `operationId`, as OpenAPI spells it)
/// and only parameters that operation has.
#[test]
fn links_lead_to_real_operations() {
    let limits = aduan_api::complaint::IntakeLimits {
        max_file_bytes: 1,
        max_request_bytes: 1,
        max_files: 20,
    };
    let doc = aduan_server::http::openapi::served(&limits);
    let by_id: BTreeMap<&str, &Value> = operations(&doc)
        .into_iter()
        .filter_map(|(_, _, op)| Some((op["operationId"].as_str()?, op)))
        .collect();
    let mut defects = Vec::new();
    let mut count = 0;
    for (method, path, op) in operations(&doc) {
        let responses = op["responses"].as_object().cloned().unwrap_or_default();
        for (status, response) in responses {
            let links = response["links"].as_object().cloned().unwrap_or_default();
            for (name, link) in links {
                count += 1;
                let at = format!("{method} {path} {status} {name}");
                let Some(target) = link["operationId"].as_str().and_then(|id| by_id.get(id)) else {
                    defects.push(format!("{at}: no operation {}", link["operationId"]));
                    continue;
                };
                let names: BTreeSet<(&str, &str)> = target["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|p| Some((p["in"].as_str()?, p["name"].as_str()?)))
                    .collect();
                for key in link["parameters"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|p| p.0)
                {
                    let known = match key.split_once('.') {
                        Some((place, name)) => names.contains(&(place, name)),
                        None => names.iter().any(|(_, n)| n == key),
                    };
                    if !known {
                        defects.push(format!("{at}: the target has no parameter {key}"));
                    }
                }
                if link.get("requestBody").is_some() && target["requestBody"].is_null() {
                    defects.push(format!("{at}: a body for an operation that takes none"));
                }
            }
        }
    }
    assert!(defects.is_empty(), "{defects:#?}");
    assert!(
        count >= 10,
        "only {count} links: the created resources are not linked"
    );
}
