//! The strict JSON schema sent as `response_format`, derived from the Rust types via
//! schemars and post-processed for OpenAI strict mode: `$ref`s inlined, every property
//! required, optional ones nullable, `additionalProperties: false` everywhere, and the
//! code fields turned into enums from the taxonomy (sections per Act via `anyOf`).

use std::sync::LazyLock;

use aduan_api::enrichment::Enrichment;
use aduan_api::taxonomy::{self, Code};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// `json_schema.name` in the request.
pub const SCHEMA_NAME: &str = "aduan_enrichment";

static SCHEMA: LazyLock<Value> = LazyLock::new(build);
static HASH: LazyLock<String> = LazyLock::new(|| {
    let canonical = serde_json::to_vec(&*SCHEMA).expect("schema serialises");
    hex::encode(Sha256::digest(canonical))[..16].to_owned()
});

/// The strict schema of [`Enrichment`].
pub fn enrichment_schema() -> &'static Value {
    &SCHEMA
}

/// First 16 hex digits of the SHA-256 of the schema (serde_json sorts keys, so the
/// serialisation is canonical): stored in provenance to tell results of different
/// schema versions apart.
pub fn schema_hash() -> &'static str {
    &HASH
}

fn build() -> Value {
    let mut root = schemars::schema_for!(Enrichment).to_value();
    let defs = root
        .as_object_mut()
        .and_then(|o| o.remove("$defs"))
        .unwrap_or(Value::Null);
    inline_refs(&mut root, &defs);
    strictify(&mut root);
    if let Some(o) = root.as_object_mut() {
        o.remove("$schema");
        o.remove("title");
    }
    add_enums(&mut root);
    root
}

fn inline_refs(v: &mut Value, defs: &Value) {
    match v {
        Value::Object(o) => {
            if let Some(Value::String(r)) = o.get("$ref") {
                let name = r.rsplit('/').next().unwrap_or_default();
                let mut target = defs.get(name).cloned().unwrap_or(Value::Null);
                inline_refs(&mut target, defs);
                o.remove("$ref");
                // Keep sibling keywords (e.g. a description) next to the inlined schema.
                if let Value::Object(t) = target {
                    for (k, val) in t {
                        o.entry(k).or_insert(val);
                    }
                }
            }
            o.values_mut().for_each(|x| inline_refs(x, defs));
        }
        Value::Array(a) => a.iter_mut().for_each(|x| inline_refs(x, defs)),
        _ => {}
    }
}

/// Strict mode: all properties required, optional ones nullable, no extra properties,
/// and no keywords it rejects (`format`, `default`, `title`).
fn strictify(v: &mut Value) {
    let Value::Object(o) = v else {
        if let Value::Array(a) = v {
            a.iter_mut().for_each(strictify);
        }
        return;
    };
    for k in ["format", "default", "title"] {
        if o.get(k).is_some_and(|x| !x.is_object()) {
            o.remove(k);
        }
    }
    if o.get("properties").is_some_and(Value::is_object) {
        let required: Vec<String> = o
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        let props = o
            .get_mut("properties")
            .and_then(Value::as_object_mut)
            .expect("properties");
        for (name, schema) in props.iter_mut() {
            if !required.contains(name) {
                make_nullable(schema);
            }
        }
        let all: Vec<Value> = props.keys().cloned().map(Value::String).collect();
        o.insert("required".into(), Value::Array(all));
        o.insert("additionalProperties".into(), Value::Bool(false));
    }
    o.values_mut().for_each(strictify);
}

fn make_nullable(schema: &mut Value) {
    let Some(o) = schema.as_object_mut() else {
        return;
    };
    match o.get_mut("type") {
        Some(Value::String(t)) => {
            let t = t.clone();
            o.insert("type".into(), json!([t, "null"]));
        }
        Some(Value::Array(types)) if !types.contains(&json!("null")) => types.push(json!("null")),
        Some(_) => {}
        None => {
            let inner = std::mem::take(o);
            o.insert(
                "anyOf".into(),
                json!([Value::Object(inner), {"type": "null"}]),
            );
        }
    }
}

fn codes(list: &[Code]) -> Vec<Value> {
    list.iter().map(|c| json!(c.code)).collect()
}

fn set_enum(root: &mut Value, pointer: &str, values: Vec<Value>) {
    let node = root
        .pointer_mut(pointer)
        .unwrap_or_else(|| panic!("schema has {pointer}"));
    node.as_object_mut()
        .expect("object schema")
        .insert("enum".into(), Value::Array(values));
}

fn add_enums(root: &mut Value) {
    set_enum(root, "/properties/language", codes(taxonomy::LANGUAGES));
    set_enum(
        root,
        "/properties/five_w1h/properties/who/items/properties/role",
        codes(taxonomy::ROLES),
    );
    let mut states: Vec<Value> = taxonomy::STATES.iter().map(|s| json!(s)).collect();
    states.push(Value::Null);
    set_enum(
        root,
        "/properties/five_w1h/properties/where/properties/state",
        states,
    );
    set_enum(
        root,
        "/properties/classification/properties/category",
        taxonomy::CATEGORIES.iter().map(|c| json!(c.code)).collect(),
    );
    set_enum(
        root,
        "/properties/sector/properties/sector",
        codes(taxonomy::SECTORS),
    );
    set_enum(
        root,
        "/properties/sector/properties/area",
        codes(taxonomy::AREAS),
    );
    // One alternative per Act, so a section can only be chosen under its own Act.
    let items = root
        .pointer_mut("/properties/legal/items")
        .expect("legal items");
    let template = items.clone();
    let alternatives: Vec<Value> = taxonomy::ACTS
        .iter()
        .map(|act| {
            let mut alt = template.clone();
            alt["properties"]["act"]["enum"] = json!([act.code]);
            alt["properties"]["section"]["enum"] =
                act.sections.iter().map(|s| json!(s.code)).collect();
            alt
        })
        .collect();
    let description = template.get("description").cloned();
    let mut any = Map::new();
    if let Some(d) = description {
        any.insert("description".into(), d);
    }
    any.insert("anyOf".into(), Value::Array(alternatives));
    *items = Value::Object(any);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every object lists all its properties as required and forbids others; no `$ref`.
    fn check_strict(v: &Value, path: &str) {
        match v {
            Value::Object(o) => {
                assert!(
                    !o.contains_key("$ref") && !o.contains_key("format"),
                    "{path}"
                );
                if let Some(Value::Object(props)) = o.get("properties") {
                    let req: Vec<&str> = o["required"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|r| r.as_str().unwrap())
                        .collect();
                    assert_eq!(req.len(), props.len(), "{path}");
                    assert!(props.keys().all(|k| req.contains(&k.as_str())), "{path}");
                    assert_eq!(o["additionalProperties"], json!(false), "{path}");
                }
                o.iter()
                    .for_each(|(k, x)| check_strict(x, &format!("{path}/{k}")));
            }
            Value::Array(a) => a.iter().for_each(|x| check_strict(x, path)),
            _ => {}
        }
    }

    #[test]
    fn schema_is_strict_mode_compatible() {
        let s = enrichment_schema();
        check_strict(s, "");
        assert_eq!(s["type"], "object");
        assert!(s.get("$defs").is_none());
        assert_eq!(
            s.pointer("/properties/five_w1h/properties/why/type")
                .unwrap(),
            &json!(["string", "null"])
        );
        assert_eq!(
            s.pointer("/properties/five_w1h/properties/when/properties/date/type")
                .unwrap(),
            &json!(["string", "null"])
        );
    }

    #[test]
    fn codes_come_from_the_taxonomy() {
        let s = enrichment_schema();
        let cats = s
            .pointer("/properties/classification/properties/category/enum")
            .unwrap()
            .as_array()
            .unwrap();
        assert_eq!(cats.len(), taxonomy::CATEGORIES.len());
        let states = s
            .pointer("/properties/five_w1h/properties/where/properties/state/enum")
            .unwrap()
            .as_array()
            .unwrap();
        assert!(states.contains(&Value::Null) && states.contains(&json!("WP Labuan")));
        let alts = s
            .pointer("/properties/legal/items/anyOf")
            .unwrap()
            .as_array()
            .unwrap();
        assert_eq!(alts.len(), taxonomy::ACTS.len());
        assert_eq!(alts[2]["properties"]["section"]["enum"], json!(["4(1)"]));
    }

    #[test]
    fn hash_is_stable_and_short() {
        assert_eq!(schema_hash().len(), 16);
        assert_eq!(schema_hash(), schema_hash());
    }
}
