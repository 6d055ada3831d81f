//! REST routes from the `google.api.http` annotations of the protos
//! (AIP-127): `GET /v1/contracts/{id}`, `POST /v1/jobs/{job_id}:pay`, ...
//! Path variables and (for calls without a body) query parameters become
//! fields of the request message, by their proto or JSON names; one that
//! is not a field or does not parse as its field's type is refused with an
//! error naming it. A path served for other verbs answers 405 with `Allow`.

use std::sync::LazyLock;

use http::Method;
use prost_reflect::{
    DynamicMessage, FieldDescriptor, Kind, MessageDescriptor, MethodDescriptor, Value,
};

use super::{ConnectError, PACKAGE, POOL, percent_decode};
use crate::error::{Error, excerpt};

/// The verbs of `google.api.http` rules, in the order `Allow` lists them.
const VERBS: [(&str, Method); 5] = [
    ("get", Method::GET),
    ("post", Method::POST),
    ("put", Method::PUT),
    ("patch", Method::PATCH),
    ("delete", Method::DELETE),
];

/// One segment of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    /// `{field}`: one path segment into that field.
    Field(String),
}

/// One annotated method's route.
#[derive(Debug, Clone)]
pub struct Route {
    pub verb: Method,
    /// The template as written (`/v1/contracts/{id}`).
    pub template: String,
    segments: Vec<Segment>,
    /// The custom verb after `:` (`pay` of `/v1/jobs/{job_id}:pay`).
    custom: Option<String>,
    /// `*` (the whole request), empty (none), or a field.
    pub body: String,
    pub method: MethodDescriptor,
}

impl Route {
    /// The path variables' fields.
    pub fn path_fields(&self) -> Vec<&str> {
        self.segments
            .iter()
            .filter_map(|s| match s {
                Segment::Field(name) => Some(name.as_str()),
                Segment::Literal(_) => None,
            })
            .collect()
    }
}

/// Every route of package `jobpay.v1`, in declaration order.
pub static ROUTES: LazyLock<Vec<Route>> = LazyLock::new(|| {
    let Some(http) = POOL.get_extension_by_name("google.api.http") else {
        return Vec::new();
    };
    let mut routes = Vec::new();
    for service in POOL.services() {
        if service.package_name() != PACKAGE {
            continue;
        }
        for method in service.methods() {
            let options = method.options();
            if !options.has_extension(&http) {
                continue;
            }
            let Value::Message(rule) = options.get_extension(&http).into_owned() else {
                continue;
            };
            let text = |name: &str| match rule.get_field_by_name(name).as_deref() {
                Some(Value::String(s)) => s.clone(),
                _ => String::new(),
            };
            for (name, verb) in VERBS {
                let template = text(name);
                if template.is_empty() {
                    continue;
                }
                let (segments, custom) = parse_template(&template);
                routes.push(Route {
                    verb,
                    template,
                    segments,
                    custom,
                    body: text("body"),
                    method: method.clone(),
                });
            }
        }
    }
    routes
});

fn parse_template(template: &str) -> (Vec<Segment>, Option<String>) {
    let (path, custom) = split_custom(template);
    let segments = path
        .trim_start_matches('/')
        .split('/')
        .map(
            |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(field) => Segment::Field(field.to_owned()),
                None => Segment::Literal(segment.to_owned()),
            },
        )
        .collect();
    (segments, custom.map(str::to_owned))
}

/// `/v1/jobs/{job_id}:pay` → (`/v1/jobs/{job_id}`, `pay`): a custom verb is
/// a `:` in the last segment.
fn split_custom(path: &str) -> (&str, Option<&str>) {
    let last = path.rfind('/').map_or(0, |at| at + 1);
    match path[last..].rfind(':') {
        Some(at) => (&path[..last + at], Some(&path[last + at + 1..])),
        None => (path, None),
    }
}

/// The method a REST call names, with its path variables' values. A path
/// that matches routes of other verbs only is refused with 405 and the
/// verbs it answers; one that matches none with NOT_FOUND.
pub(super) fn find(
    verb: &Method,
    path: &str,
) -> Result<(MethodDescriptor, Vec<(String, String)>), ConnectError> {
    let (plain, custom) = split_custom(path);
    let parts: Vec<&str> = plain.trim_start_matches('/').split('/').collect();
    let mut allowed: Vec<Method> = Vec::new();
    for route in ROUTES.iter() {
        if route.custom.as_deref() != custom || route.segments.len() != parts.len() {
            continue;
        }
        let mut fields = Vec::new();
        let matches = route
            .segments
            .iter()
            .zip(&parts)
            .all(|(segment, part)| match segment {
                Segment::Literal(literal) => literal == part,
                Segment::Field(name) => {
                    fields.push((name.clone(), percent_decode(part)));
                    !part.is_empty()
                }
            });
        if !matches {
            continue;
        }
        if route.verb == verb {
            return Ok((route.method.clone(), fields));
        }
        if !allowed.contains(&route.verb) {
            allowed.push(route.verb.clone());
        }
    }
    if allowed.is_empty() {
        return Err(ConnectError {
            code: tonic::Code::NotFound,
            message: format!(
                "no route {verb} {}: see the OpenAPI document (docs/openapi.json)",
                excerpt(path, 200)
            ),
            details: Vec::new(),
            allow: None,
        });
    }
    allowed.sort_by_key(|allowed| VERBS.iter().position(|(_, verb)| verb == allowed));
    Err(ConnectError::method_not_allowed(path, verb, &allowed))
}

/// Where a value of a REST call came from, as its errors name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    PathVariable,
    QueryParameter,
}

impl Source {
    fn label(self) -> &'static str {
        match self {
            Source::PathVariable => "path variable",
            Source::QueryParameter => "query parameter",
        }
    }
}

/// A refused path variable or query parameter: INVALID_ARGUMENT with a
/// field violation of `field`, and a message naming the value as the
/// caller wrote it (`query parameter pageSize: must be an integer`).
fn refused(source: Source, name: &str, field: &str, reason: String) -> ConnectError {
    let message = format!("{} {}: {reason}", source.label(), excerpt(name, 64));
    ConnectError::from_error(Error::invalid(excerpt(field, 64), reason), message)
}

/// Adds path variables and query parameters to the request's JSON, each
/// checked against its field of `input` so that an error names it. A path
/// variable wins over the same field in the body; a query parameter may
/// not repeat a field given elsewhere (or twice, unless it is repeated).
pub(super) fn merge(
    json: &mut serde_json::Value,
    input: &MessageDescriptor,
    path_fields: Vec<(String, String)>,
    query: Option<&str>,
) -> Result<(), ConnectError> {
    let serde_json::Value::Object(object) = json else {
        return Err(ConnectError::invalid(
            "the body must be a JSON object".into(),
        ));
    };
    let path_names: Vec<String> = path_fields.iter().map(|(name, _)| name.clone()).collect();
    for (name, text) in path_fields {
        let field = field_named(input, Source::PathVariable, &name, &path_names)?;
        let value = parsed(input, &field, Source::PathVariable, &name, &[text])?;
        object.remove(field.json_name());
        object.insert(field.name().to_owned(), value);
    }

    // The query's values by field, in their order.
    let mut given: Vec<(FieldDescriptor, String, Vec<String>)> = Vec::new();
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (name, text) = pair.split_once('=').unwrap_or((pair, ""));
        let name = percent_decode(&name.replace('+', " "));
        let text = percent_decode(&text.replace('+', " "));
        let field = field_named(input, Source::QueryParameter, &name, &path_names)?;
        let twice = || {
            refused(
                Source::QueryParameter,
                &name,
                field.name(),
                "is given twice (in the query, the path or the body)".into(),
            )
        };
        if object.contains_key(field.name()) || object.contains_key(field.json_name()) {
            return Err(twice());
        }
        match given.iter_mut().find(|(f, _, _)| *f == field) {
            Some((_, _, texts)) if field.is_list() => texts.push(text),
            Some(_) => return Err(twice()),
            None => given.push((field, name, vec![text])),
        }
    }
    for (field, name, texts) in given {
        let value = parsed(input, &field, Source::QueryParameter, &name, &texts)?;
        object.insert(field.name().to_owned(), value);
    }
    Ok(())
}

/// The field a path variable or query parameter sets, by its proto or
/// JSON name.
fn field_named(
    input: &MessageDescriptor,
    source: Source,
    name: &str,
    path_names: &[String],
) -> Result<FieldDescriptor, ConnectError> {
    input
        .get_field_by_name(name)
        .or_else(|| input.get_field_by_json_name(name))
        .ok_or_else(|| {
            let known: Vec<String> = input
                .fields()
                .map(|f| f.name().to_owned())
                .filter(|f| !path_names.contains(f))
                .collect();
            let reason = match known.as_slice() {
                [] => "is not a parameter of this route, which takes none".to_owned(),
                known => format!(
                    "is not a parameter of this route; it takes {}",
                    known.join(", ")
                ),
            };
            refused(source, name, name, reason)
        })
}

/// The JSON of `field` given as `texts` (one, or any number for a
/// repeated field), checked by parsing it as the field (proto3 JSON
/// mapping); refused with what the field takes if it does not parse.
fn parsed(
    input: &MessageDescriptor,
    field: &FieldDescriptor,
    source: Source,
    name: &str,
    texts: &[String],
) -> Result<serde_json::Value, ConnectError> {
    let mut values = Vec::with_capacity(texts.len());
    for text in texts {
        let value = text_value(field, text);
        let alone = match field.is_list() {
            true => serde_json::json!({ field.name(): [value] }),
            false => serde_json::json!({ field.name(): value }),
        };
        if DynamicMessage::deserialize(input.clone(), alone).is_err() {
            return Err(refused(source, name, field.name(), expected(field, text)));
        }
        values.push(value);
    }
    Ok(match field.is_list() {
        true => serde_json::Value::Array(values),
        false => values.into_iter().next().unwrap_or_default(),
    })
}

/// A text from a URL as the JSON value proto3 parses for `field`: JSON
/// booleans for `bool`, numbers for enums given by number, strings
/// otherwise (the mapping reads numbers, 64-bit integers and timestamps
/// from strings).
fn text_value(field: &FieldDescriptor, text: &str) -> serde_json::Value {
    match field.kind() {
        Kind::Bool => match text {
            "true" => serde_json::Value::Bool(true),
            "false" => serde_json::Value::Bool(false),
            _ => serde_json::Value::String(text.to_owned()),
        },
        Kind::Enum(_) => match text.parse::<i32>() {
            Ok(number) => number.into(),
            Err(_) => serde_json::Value::String(text.to_owned()),
        },
        _ => serde_json::Value::String(text.to_owned()),
    }
}

/// What `field` takes, for a `text` it refused.
fn expected(field: &FieldDescriptor, text: &str) -> String {
    let integer = |min: i128, max: i128| match text.trim().parse::<i128>() {
        Ok(_) => format!("must be an integer from {min} to {max}"),
        Err(_) => "must be an integer".to_owned(),
    };
    let kind = field.kind();
    let single = match &kind {
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => integer(i32::MIN.into(), i32::MAX.into()),
        Kind::Uint32 | Kind::Fixed32 => integer(0, u32::MAX.into()),
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => integer(i64::MIN.into(), i64::MAX.into()),
        Kind::Uint64 | Kind::Fixed64 => integer(0, u64::MAX.into()),
        Kind::Float | Kind::Double => "must be a number".to_owned(),
        Kind::Bool => "must be true or false".to_owned(),
        Kind::String => "must be text".to_owned(),
        Kind::Bytes => "must be base64".to_owned(),
        Kind::Enum(values) => {
            let names: Vec<String> = values.values().map(|v| v.name().to_owned()).collect();
            format!("must be one of {}", names.join(", "))
        }
        Kind::Message(message) if message.full_name() == "google.protobuf.Timestamp" => {
            "must be an RFC 3339 date-time with an offset, such as 2024-01-31T00:00:00Z".to_owned()
        }
        Kind::Message(message) => format!(
            "cannot be given in a URL ({} is a message)",
            message.full_name()
        ),
    };
    match single.strip_prefix("must be ") {
        Some(rest) if field.is_list() => format!("each value must be {rest}"),
        _ => single,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_split_into_segments_and_verbs() {
        assert_eq!(
            split_custom("/v1/jobs/{job_id}:pay"),
            ("/v1/jobs/{job_id}", Some("pay"))
        );
        assert_eq!(
            split_custom("/v1/balances:deposit"),
            ("/v1/balances", Some("deposit"))
        );
        assert_eq!(
            split_custom("/v1/contracts/{id}"),
            ("/v1/contracts/{id}", None)
        );
        assert_eq!(split_custom("/v1/a:b/c"), ("/v1/a:b/c", None));
    }
}
