//! The one post-processing step between the document poem-openapi generates and the
//! contract that is served and committed (`openapi/openapi.json`).
//!
//! poem-openapi cannot say some things the server does, or says them in a shape common
//! generators refuse. Each rule below names what it mends; nothing else is touched.
//! - **Nullability**: a property that is not `required` is an `Option` (or has a
//!   default) in the code: the server sends `null` for it and accepts `null` as
//!   "absent". It becomes `nullable`; a required one stays refused when `null`.
//! - **Plain references**: poem-openapi wraps a described enum or object field as
//!   `allOf: [{$ref}, {description}]`, which openapi-python-client cannot read
//!   ("Cannot take allOf a non-object"). A required one becomes a plain `$ref`; a
//!   nullable one `{nullable, allOf: [{$ref}]}` with one member.
//! - **Unsigned numbers** get `minimum: 0` (the server refuses `-1` with 400) and the
//!   largest value their type holds (`uint64` stops at `i64::MAX`, which every store
//!   and client takes) unless the code set tighter bounds.
//! - **Request bodies are closed**: every object a request body uses refuses unknown
//!   fields (`#[oai(deny_unknown_fields)]`; the fuzzer's negative checks prove it), so it says
//!   `additionalProperties: false`.
//! - **No NUL in text**: the server refuses U+0000 in the URL and in JSON strings
//!   (PostgreSQL cannot store it), so request strings carry a pattern saying so.
//! - **Statuses poem answers itself**: 405 (with `Allow`) on every operation, 415 on
//!   those that take a body.
//! - **Conditional and range headers** of the file-serving operations, which read
//!   them from the raw request, are declared parameters.

use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

const PROBLEM: &str = "#/components/schemas/Problem";
const SCHEMAS: &str = "#/components/schemas/";
/// Any text without U+0000.
const NUL_FREE: &str = "^[^\\u0000]*$";

/// The request headers the stream operations honour (RFC 9110).
const STREAM_HEADERS: &[(&str, &str)] = &[
    (
        "Range",
        "Byte ranges to send (`bytes=0-1023`, suffix and open ranges, several at once).",
    ),
    (
        "If-Range",
        "An entity tag or date: the range is honoured only if the file still matches.",
    ),
    (
        "If-None-Match",
        "Entity tags of a cached copy: 304 when one matches.",
    ),
    (
        "If-Modified-Since",
        "The date of a cached copy: 304 when the file is not newer.",
    ),
];

/// Applies every rule to a generated document.
pub fn refine(spec: &mut Value) {
    if let Some(schemas) = spec
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for schema in schemas.values_mut() {
            refine_object(schema);
        }
    }
    unsigned_minimum(spec);
    let requested = request_schemas(spec);
    if let Some(schemas) = spec
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in schemas.iter_mut() {
            if requested.contains(name) {
                if schema.get("type") == Some(&json!("object")) {
                    schema["additionalProperties"] = Value::Bool(false);
                }
                nul_free(schema);
            }
        }
    }
    if let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for op in item.values_mut() {
                refine_operation(path, op);
            }
        }
    }
    super::access::describe(spec);
}

/// Nullability and plain references on an object schema's properties.
fn refine_object(schema: &mut Value) {
    let required: Vec<String> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for (name, prop) in props.iter_mut() {
        let nullable = !required.contains(name);
        let reference = wrapped_reference(prop);
        let Some(obj) = prop.as_object_mut() else {
            continue;
        };
        match (reference, nullable) {
            (Some(r), false) => *prop = json!({ "$ref": r }),
            (Some(r), true) => {
                let mut wrapped = Map::new();
                if let Some(d) = obj.get("description") {
                    wrapped.insert("description".into(), d.clone());
                }
                wrapped.insert("nullable".into(), Value::Bool(true));
                wrapped.insert("allOf".into(), json!([{ "$ref": r }]));
                *prop = Value::Object(wrapped);
            }
            (None, true) => {
                obj.insert("nullable".into(), Value::Bool(true));
            }
            (None, false) => {}
        }
    }
}

/// The `$ref` of a property poem-openapi wrapped in `allOf` (or gave as `$ref`).
fn wrapped_reference(prop: &Value) -> Option<String> {
    if let Some(r) = prop.get("$ref").and_then(Value::as_str) {
        return Some(r.to_owned());
    }
    prop.get("allOf")?
        .as_array()?
        .iter()
        .find_map(|m| m.get("$ref").and_then(Value::as_str))
        .map(str::to_owned)
}

/// A parameter whose schema wraps an enum as `allOf: [{$ref}, {default}]` gets the
/// plain `$ref`; its default moves into the parameter's description.
fn plain_parameter_reference(param: &mut Value) {
    let Some(reference) = param.get("schema").and_then(wrapped_reference) else {
        return;
    };
    let default = param.pointer("/schema/default").cloned();
    param["schema"] = json!({ "$ref": reference });
    if let Some(Value::String(default)) = default {
        let said = param["description"].as_str().unwrap_or_default().to_owned();
        let sentence = format!("Defaults to `{default}`.");
        if !said.contains(&sentence) {
            param["description"] = json!(format!("{said} {sentence}").trim().to_owned());
        }
    }
}

/// The component schemas request bodies use, directly or through other schemas.
fn request_schemas(spec: &Value) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut pending: Vec<String> = Vec::new();
    if let Some(paths) = spec.get("paths").and_then(Value::as_object) {
        for op in paths
            .values()
            .filter_map(Value::as_object)
            .flat_map(|i| i.values())
        {
            if let Some(body) = op.get("requestBody") {
                references(body, &mut pending);
            }
        }
    }
    while let Some(name) = pending.pop() {
        if found.insert(name.clone()) {
            if let Some(schema) = spec.pointer(&format!("/components/schemas/{name}")) {
                references(schema, &mut pending);
            }
        }
    }
    found
}

/// The component names `value` refers to.
fn references(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(obj) => {
            if let Some(name) = obj
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix(SCHEMAS))
            {
                out.push(name.to_owned());
            }
            obj.values().for_each(|v| references(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, out)),
        _ => {}
    }
}

/// The NUL-free pattern on every free-text string in a schema (not on formats,
/// enums or strings that already have a pattern).
fn nul_free(value: &mut Value) {
    match value {
        Value::Object(obj) => {
            let free_text = obj.get("type") == Some(&json!("string"))
                && !["format", "enum", "pattern"]
                    .iter()
                    .any(|k| obj.contains_key(*k));
            if free_text {
                obj.insert("pattern".into(), json!(NUL_FREE));
            }
            obj.values_mut().for_each(nul_free);
        }
        Value::Array(items) => items.iter_mut().for_each(nul_free),
        _ => {}
    }
}

/// `minimum: 0` on every unsigned integer that has no lower bound.
fn unsigned_minimum(value: &mut Value) {
    match value {
        Value::Object(obj) => {
            let unsigned = obj
                .get("format")
                .and_then(Value::as_str)
                .is_some_and(|f| f.starts_with("uint"));
            if unsigned && obj.get("type") == Some(&json!("integer")) {
                obj.entry("minimum").or_insert(json!(0));
                let largest = match obj.get("format").and_then(Value::as_str) {
                    Some("uint8") => json!(u8::MAX),
                    Some("uint16") => json!(u16::MAX),
                    Some("uint32") => json!(u32::MAX),
                    _ => json!(i64::MAX),
                };
                obj.entry("maximum").or_insert(largest);
            }
            obj.values_mut().for_each(unsigned_minimum);
        }
        Value::Array(items) => items.iter_mut().for_each(unsigned_minimum),
        _ => {}
    }
}

fn problem(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/problem+json": { "schema": { "$ref": PROBLEM } } }
    })
}

/// The statuses poem answers itself, and the stream operations' request headers.
fn refine_operation(path: &str, op: &mut Value) {
    let takes_body = op.get("requestBody").is_some();
    let serves_file = path.starts_with("/api/stream/");
    let Some(op) = op.as_object_mut() else {
        return;
    };
    for param in op
        .get_mut("parameters")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        plain_parameter_reference(param);
        if let Some(schema) = param.get_mut("schema") {
            nul_free(schema);
        }
    }
    if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
        let mut not_allowed = problem("The path exists but not with this method.");
        not_allowed["headers"] = json!({
            "Allow": {
                "description": "The methods the path accepts.",
                "required": true,
                "schema": { "type": "string" }
            }
        });
        responses.insert("405".into(), not_allowed);
        if takes_body {
            responses.insert(
                "415".into(),
                problem("The body is not `application/json` (or the operation's other documented type)."),
            );
        }
    }
    if serves_file {
        let params = op
            .entry("parameters")
            .or_insert_with(|| json!([]))
            .as_array_mut();
        if let Some(params) = params {
            for (name, description) in STREAM_HEADERS {
                params.push(json!({
                    "name": name,
                    "in": "header",
                    "description": description,
                    "required": false,
                    "schema": { "type": "string" }
                }));
            }
        }
    }
}

/// The methods each path template accepts, as the `Allow` header of a 405.
#[derive(Debug, Default)]
pub struct AllowTable(BTreeMap<String, String>);

impl AllowTable {
    /// Read from the paths of a document; `HEAD` goes with `GET`, as poem serves it.
    pub fn from_spec(spec: &Value) -> Self {
        let Some(paths) = spec["paths"].as_object() else {
            return Self::default();
        };
        let table = paths
            .iter()
            .map(|(path, item)| {
                let mut methods: Vec<String> = item
                    .as_object()
                    .map(|m| m.keys().map(|k| k.to_uppercase()).collect())
                    .unwrap_or_default();
                if methods.iter().any(|m| m == "GET") && !methods.iter().any(|m| m == "HEAD") {
                    methods.push("HEAD".to_owned());
                }
                methods.sort();
                (path.clone(), methods.join(", "))
            })
            .collect();
        Self(table)
    }

    /// The `Allow` value for the route template `route`.
    pub fn get(&self, route: &str) -> Option<&str> {
        self.0.get(route).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_optional_field_is_nullable_and_a_required_reference_is_plain() {
        let mut spec = json!({
            "components": { "schemas": { "A": {
                "type": "object",
                "required": ["role"],
                "properties": {
                    "role": { "description": "d", "allOf": [
                        { "$ref": "#/components/schemas/Role" }, { "description": "d" }
                    ]},
                    "kind": { "description": "k", "allOf": [
                        { "$ref": "#/components/schemas/Kind" }, { "description": "k" }
                    ]},
                    "email": { "type": "string" },
                    "count": { "type": "integer", "format": "uint32" }
                }
            }}},
            "paths": {}
        });
        refine(&mut spec);
        let props = &spec["components"]["schemas"]["A"]["properties"];
        assert_eq!(
            props["role"],
            json!({ "$ref": "#/components/schemas/Role" })
        );
        assert_eq!(
            props["kind"],
            json!({ "description": "k", "nullable": true,
                    "allOf": [{ "$ref": "#/components/schemas/Kind" }] })
        );
        assert_eq!(props["email"]["nullable"], true);
        assert_eq!(props["count"]["minimum"], 0);
        assert_eq!(props["count"]["maximum"], u32::MAX);
        assert_eq!(props["count"]["nullable"], true);
    }

    #[test]
    fn operations_gain_405_415_and_stream_headers_where_they_apply() {
        let mut spec = json!({ "paths": {
            "/api/stream/{id}": { "get": { "responses": { "200": {} } } },
            "/api/videos": { "get": { "responses": {}, "parameters": [{
                "name": "sort", "in": "query", "description": "Order.",
                "schema": { "default": "title", "allOf": [
                    { "$ref": "#/components/schemas/Sort" }, { "default": "title" }
                ]}
            }]}},
            "/api/users": { "post": { "requestBody": {}, "responses": { "201": {} } } }
        }});
        refine(&mut spec);
        let stream = &spec["paths"]["/api/stream/{id}"]["get"];
        assert!(stream["responses"]["405"]["headers"]["Allow"].is_object());
        assert!(stream["responses"].get("415").is_none());
        let names: Vec<&str> = stream["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            ["Range", "If-Range", "If-None-Match", "If-Modified-Since"]
        );
        let create = &spec["paths"]["/api/users"]["post"];
        assert!(create["responses"]["415"].is_object());
        assert!(create.get("parameters").is_none());
        let sort = &spec["paths"]["/api/videos"]["get"]["parameters"][0];
        assert_eq!(
            sort["schema"],
            json!({ "$ref": "#/components/schemas/Sort" })
        );
        assert_eq!(sort["description"], "Order. Defaults to `title`.");
    }

    #[test]
    fn objects_a_request_uses_are_closed_and_their_text_nul_free() {
        let mut spec = json!({
            "components": { "schemas": {
                "In": { "type": "object", "required": ["tags", "kind"], "properties": {
                    "tags": { "type": "array", "items": { "type": "string" } },
                    "when": { "type": "string", "format": "date-time" },
                    "kind": { "$ref": "#/components/schemas/Kind" }
                }},
                "Kind": { "type": "string", "enum": ["a", "b"] },
                "Inner": { "type": "object", "properties": {} },
                "Out": { "type": "object", "properties": { "name": { "type": "string" } } }
            }},
            "paths": { "/x": { "post": {
                "parameters": [{ "name": "q", "in": "query", "schema": { "type": "string" } }],
                "requestBody": { "content": { "application/json": {
                    "schema": { "$ref": "#/components/schemas/In" } } } },
                "responses": { "200": { "content": { "application/json": {
                    "schema": { "$ref": "#/components/schemas/Out" } } } } }
            }}}
        });
        refine(&mut spec);
        let schemas = &spec["components"]["schemas"];
        assert_eq!(schemas["In"]["additionalProperties"], false);
        assert!(schemas["Out"].get("additionalProperties").is_none());
        assert!(schemas["Inner"].get("additionalProperties").is_none());
        assert_eq!(
            schemas["In"]["properties"]["tags"]["items"]["pattern"],
            NUL_FREE
        );
        assert!(schemas["In"]["properties"]["when"].get("pattern").is_none());
        assert!(schemas["Kind"].get("pattern").is_none());
        assert!(schemas["Out"]["properties"]["name"]
            .get("pattern")
            .is_none());
        let q = &spec["paths"]["/x"]["post"]["parameters"][0]["schema"];
        assert_eq!(q["pattern"], NUL_FREE);
        assert_eq!(NUL_FREE, "^[^\\u0000]*$", "a regex escape, not a NUL");
    }

    #[test]
    fn the_allow_table_lists_a_templates_methods() {
        let spec = json!({ "paths": {
            "/api/users/{id}": { "get": {}, "patch": {}, "delete": {} },
            "/api/stream/{id}": { "get": {}, "head": {} },
            "/api/users": { "post": {} }
        }});
        let allow = AllowTable::from_spec(&spec);
        assert_eq!(
            allow.get("/api/users/{id}"),
            Some("DELETE, GET, HEAD, PATCH")
        );
        assert_eq!(allow.get("/api/stream/{id}"), Some("GET, HEAD"));
        assert_eq!(allow.get("/api/users"), Some("POST"));
        assert_eq!(allow.get("/nowhere"), None);
    }
}
