//! REST routes from the `google.api.http` annotations of the protos
//! (AIP-127): `GET /v1/contracts/{id}`, `POST /v1/jobs/{job_id}:pay`, ...
//! Path variables and (for calls without a body) query parameters become
//! fields of the request message, by their proto or JSON names.

use std::sync::LazyLock;

use http::Method;
use prost_reflect::{MethodDescriptor, Value};

use super::{ConnectError, PACKAGE, POOL, percent_decode};

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
            for (name, verb) in [
                ("get", Method::GET),
                ("post", Method::POST),
                ("put", Method::PUT),
                ("patch", Method::PATCH),
                ("delete", Method::DELETE),
            ] {
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

/// The method a REST call names, with its path variables' values.
pub(super) fn find(
    verb: &Method,
    path: &str,
) -> Result<(MethodDescriptor, Vec<(String, String)>), ConnectError> {
    let (plain, custom) = split_custom(path);
    let parts: Vec<&str> = plain.trim_start_matches('/').split('/').collect();
    let mut path_matched = false;
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
        path_matched = true;
        if route.verb == verb {
            return Ok((route.method.clone(), fields));
        }
    }
    Err(if path_matched {
        ConnectError {
            code: tonic::Code::Unimplemented,
            message: format!("{path} does not answer {verb}"),
            details: Vec::new(),
        }
    } else {
        ConnectError {
            code: tonic::Code::NotFound,
            message: format!(
                "no route {verb} {path}: see the OpenAPI document (docs/openapi.json)"
            ),
            details: Vec::new(),
        }
    })
}

/// Adds path variables and query parameters to the request's JSON. A
/// path variable wins over the same field in the body.
pub(super) fn merge(
    json: &mut serde_json::Value,
    path_fields: Vec<(String, String)>,
    query: Option<&str>,
) -> Result<(), ConnectError> {
    let serde_json::Value::Object(object) = json else {
        return Err(ConnectError::invalid(
            "the body must be a JSON object".into(),
        ));
    };
    for (name, value) in path_fields {
        object.insert(name, serde_json::Value::String(value));
    }
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = percent_decode(&name.replace('+', " "));
        let value = percent_decode(&value.replace('+', " "));
        if object.contains_key(&name) {
            return Err(ConnectError::invalid(format!(
                "{name} is given twice (query and path or body)"
            )));
        }
        object.insert(name, serde_json::Value::String(value));
    }
    Ok(())
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
