//! Generates the client from the committed `openapi/openapi.json` on every build, so
//! it can never drift from the contract.
//!
//! progenitor 0.11 takes one response type per operation for its successes and one for
//! its errors. Two places of the contract have more, and are narrowed here for this
//! client only (the document itself says them exactly):
//! - a 206 may be `multipart/byteranges` as well as the video type: the client reads
//!   either as bytes, so only the video type is kept;
//! - a 416 has no body and `/ready`'s 503 carries the readiness document rather than a
//!   problem: they are left out, and come back as `Error::UnexpectedResponse` with the
//!   response to read.

use serde_json::Value;
use std::path::Path;

fn main() {
    let spec_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../openapi/openapi.json");
    println!("cargo:rerun-if-changed={}", spec_path.display());
    let text = std::fs::read_to_string(&spec_path).expect("openapi/openapi.json");
    let mut spec: Value = serde_json::from_str(&text).expect("the document is JSON");
    narrow_for_progenitor(&mut spec);
    let spec: openapiv3::OpenAPI = serde_json::from_value(spec).expect("an OpenAPI 3.0 document");
    let mut settings = progenitor::GenerationSettings::default();
    settings.with_interface(progenitor::InterfaceStyle::Builder);
    let mut generator = progenitor::Generator::new(&settings);
    let tokens = generator
        .generate_tokens(&spec)
        .expect("progenitor generates the client");
    let file = syn::parse2(tokens).expect("progenitor writes Rust");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("codegen.rs");
    std::fs::write(out, prettyplease::unparse(&file)).unwrap();
}

fn narrow_for_progenitor(spec: &mut Value) {
    let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        for op in item
            .as_object_mut()
            .into_iter()
            .flat_map(|i| i.values_mut())
        {
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
            };
            if let Some(content) = responses
                .get_mut("206")
                .and_then(|r| r.get_mut("content"))
                .and_then(Value::as_object_mut)
            {
                content.remove("multipart/byteranges");
            }
            responses.remove("416");
            if path == "/ready" {
                responses.remove("503");
            }
        }
    }
}
