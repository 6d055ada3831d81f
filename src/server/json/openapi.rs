//! The OpenAPI document of the REST routes, generated from the protos'
//! descriptors and `google.api.http` annotations (`jobpay openapi` prints
//! it; docs/openapi.json is the committed copy, checked fresh by a test).

use std::collections::{BTreeMap, BTreeSet};

use prost_reflect::{Cardinality, FieldDescriptor, Kind, MessageDescriptor};
use serde_json::{Map, Value, json};

use super::routes::ROUTES;

const TIMESTAMP: &str = "google.protobuf.Timestamp";

/// The whole document.
pub fn document() -> Value {
    let mut paths: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let mut wanted: BTreeSet<String> = BTreeSet::new();
    for route in ROUTES.iter() {
        let method = &route.method;
        let service = method.parent_service().name().to_owned();
        let input = method.input();
        let output = method.output();
        let path_fields = route.path_fields();
        let mut parameters: Vec<Value> = path_fields
            .iter()
            .filter_map(|name| input.get_field_by_name(name))
            .map(|field| {
                json!({
                    "name": field.name(),
                    "in": "path",
                    "required": true,
                    "schema": field_schema(&field, &mut wanted),
                })
            })
            .collect();
        let mut operation = Map::new();
        operation.insert(
            "operationId".into(),
            json!(format!("{service}_{}", method.name())),
        );
        operation.insert("tags".into(), json!([service]));
        operation.insert(
            "summary".into(),
            json!(format!("{} (gRPC {})", method.name(), method.full_name())),
        );
        if route.body.is_empty() {
            for field in input.fields() {
                if path_fields.contains(&field.name()) {
                    continue;
                }
                parameters.push(json!({
                    "name": field.name(),
                    "in": "query",
                    "required": false,
                    "schema": field_schema(&field, &mut wanted),
                }));
            }
        } else {
            wanted.insert(input.full_name().to_owned());
            operation.insert(
                "requestBody".into(),
                json!({
                    "required": true,
                    "content": {"application/json": {"schema": reference(input.full_name())}},
                }),
            );
        }
        operation.insert("parameters".into(), Value::Array(parameters));
        wanted.insert(output.full_name().to_owned());
        let mut content = json!({"application/json": {"schema": reference(output.full_name())}});
        if output.full_name() == super::csv::STATEMENT {
            content["text/csv"] = json!({
                "schema": {"type": "string"},
                "description": "With `Accept: text/csv`: the whole statement as CSV, streamed (columns: see jobpay.v1.Statement)",
            });
        }
        operation.insert(
            "responses".into(),
            json!({
                "200": {
                    "description": "OK",
                    "content": content,
                },
                "default": {
                    "description": "An error: the HTTP status of its gRPC code",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
            }),
        );
        paths.entry(route.template.clone()).or_default().insert(
            route.verb.as_str().to_ascii_lowercase(),
            Value::Object(operation),
        );
    }

    let mut schemas = Map::new();
    let mut done = BTreeSet::new();
    while let Some(name) = wanted.iter().find(|n| !done.contains(*n)).cloned() {
        done.insert(name.clone());
        if let Some(message) = super::POOL.get_message_by_name(&name) {
            let schema = message_schema(&message, &mut wanted);
            schemas.insert(name, schema);
        }
    }
    schemas.insert(
        "Error".into(),
        json!({
            "type": "object",
            "description": "A refused call (the Connect protocol's error).",
            "properties": {
                "code": {"type": "string", "description": "The gRPC code in snake case: not_found, invalid_argument, ..."},
                "message": {"type": "string"},
                "details": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "type": {"type": "string", "description": "google.rpc.ErrorInfo, google.rpc.BadRequest, ..."},
                            "value": {"type": "string", "format": "byte", "description": "The detail message, protobuf in base64"},
                            "debug": {"type": "object", "description": "The same message as JSON (proto3 mapping), for reading: ErrorInfo's reason and metadata, BadRequest's fieldViolations, ..."},
                        },
                    },
                },
            },
        }),
    );
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "jobpay",
            "version": "v1",
            "description": "REST routes of the jobpay.v1 gRPC API (google.api.http annotations), served on the gRPC port. Callers send `profile_id` (or, in JWT mode, `authorization: Bearer <token>`); admin calls `authorization: Bearer <admin key>` (`x-admin-key` in JWT mode). Money is a decimal string beside its currency_code; 64-bit integers are strings. A path answers the methods listed here; any other method gets 405 Method Not Allowed with an `Allow` header listing them.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "profileId": {"type": "apiKey", "in": "header", "name": "profile_id"},
                "bearer": {"type": "http", "scheme": "bearer"},
                "adminKey": {"type": "apiKey", "in": "header", "name": "x-admin-key"},
            },
        },
        "security": [{"profileId": []}, {"bearer": []}, {"adminKey": []}],
    })
}

fn reference(full_name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{full_name}")})
}

fn message_schema(message: &MessageDescriptor, wanted: &mut BTreeSet<String>) -> Value {
    let properties: Map<String, Value> = message
        .fields()
        .map(|field| (field.json_name().to_owned(), field_schema(&field, wanted)))
        .collect();
    json!({"type": "object", "properties": properties})
}

fn field_schema(field: &FieldDescriptor, wanted: &mut BTreeSet<String>) -> Value {
    if field.is_map() {
        if let Kind::Message(entry) = field.kind()
            && let Some(value) = entry.map_entry_value_field().into()
        {
            return json!({"type": "object", "additionalProperties": kind_schema(&value.kind(), wanted)});
        }
        return json!({"type": "object"});
    }
    let single = kind_schema(&field.kind(), wanted);
    if field.cardinality() == Cardinality::Repeated {
        json!({"type": "array", "items": single})
    } else {
        single
    }
}

fn kind_schema(kind: &Kind, wanted: &mut BTreeSet<String>) -> Value {
    match kind {
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 | Kind::Uint64 | Kind::Fixed64 => {
            json!({"type": "string", "format": "int64"})
        }
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 | Kind::Uint32 | Kind::Fixed32 => {
            json!({"type": "integer", "format": "int32"})
        }
        Kind::Bool => json!({"type": "boolean"}),
        Kind::String => json!({"type": "string"}),
        Kind::Bytes => json!({"type": "string", "format": "byte"}),
        Kind::Double | Kind::Float => json!({"type": "number"}),
        Kind::Enum(e) => {
            let names: Vec<String> = e.values().map(|v| v.name().to_owned()).collect();
            json!({"type": "string", "enum": names})
        }
        Kind::Message(m) if m.full_name() == TIMESTAMP => {
            json!({"type": "string", "format": "date-time"})
        }
        Kind::Message(m) => {
            wanted.insert(m.full_name().to_owned());
            reference(m.full_name())
        }
    }
}

/// The document as committed: pretty JSON and a final newline.
pub fn render() -> String {
    let mut text = serde_json::to_string_pretty(&document()).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/openapi.json is what the protos say; `JOBPAY_WRITE_OPENAPI=1
    /// cargo test --lib openapi` rewrites it.
    #[test]
    fn committed_openapi_document_is_fresh() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/openapi.json");
        let fresh = render();
        if std::env::var_os("JOBPAY_WRITE_OPENAPI").is_some() {
            std::fs::write(path, &fresh).expect("write docs/openapi.json");
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == fresh,
            "docs/openapi.json is stale: run JOBPAY_WRITE_OPENAPI=1 cargo test --lib openapi"
        );
    }

    #[test]
    fn every_method_has_a_route() {
        let routed: BTreeSet<String> = ROUTES
            .iter()
            .map(|r| r.method.full_name().to_owned())
            .collect();
        let missing: Vec<String> = super::super::POOL
            .services()
            .filter(|s| s.package_name() == super::super::PACKAGE)
            .flat_map(|s| {
                s.methods()
                    .map(|m| m.full_name().to_owned())
                    .collect::<Vec<_>>()
            })
            .filter(|m| !routed.contains(m))
            .collect();
        assert!(
            missing.is_empty(),
            "methods without google.api.http: {missing:?}"
        );
    }
}
