//! HTTP/JSON beside gRPC on the same port: every unary method answers
//! `POST /jobpay.v1.<Service>/<Method>` with a JSON body, the Connect
//! protocol's unary form, so that `curl` works with no tool.
//!
//! The layer transcodes, it does not re-implement: the JSON body becomes
//! the method's protobuf request through the descriptor set (proto3 JSON
//! mapping, `prost-reflect`), travels as an ordinary gRPC call through the
//! same services and envelope (availability, load shedding, deadlines,
//! logs, metrics), and the gRPC answer becomes JSON again. Metadata travels
//! as headers (`profile_id`, `authorization`, `x-admin-key`); a Connect
//! `connect-timeout-ms` becomes `grpc-timeout`. Errors are Connect's JSON
//! error (`code`, `message`, `details` with each google.rpc detail's
//! `type`, base64 `value` and, for reading, `debug`: the detail as JSON)
//! with the HTTP status of their gRPC code. A served path called with
//! another HTTP method answers 405 with `Allow`.

use std::sync::LazyLock;
use std::task::{Context, Poll};

use base64::Engine;
use bytes::{Buf, BufMut, Bytes, BytesMut};
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, Limited};
use prost::Message;
use prost_reflect::{DescriptorPool, DynamicMessage, MethodDescriptor, SerializeOptions};
use tonic::body::Body;
use tower::{Layer, Service};

use crate::proto::FILE_DESCRIPTOR_SET;

mod csv;
pub mod openapi;
pub mod routes;

/// The package whose methods are served as JSON.
const PACKAGE: &str = "jobpay.v1";
/// The path prefix of its methods, checked on every call without allocating.
const METHOD_PREFIX: &str = "/jobpay.v1.";

static POOL: LazyLock<DescriptorPool> = LazyLock::new(|| {
    DescriptorPool::decode(FILE_DESCRIPTOR_SET).expect("the compiled descriptor set decodes")
});

/// The google.rpc error detail messages (ErrorInfo, BadRequest, ...), to
/// show an error's details as JSON.
static DETAIL_TYPES: LazyLock<DescriptorPool> = LazyLock::new(|| {
    DescriptorPool::decode(tonic_types::pb::FILE_DESCRIPTOR_SET)
        .expect("tonic-types' descriptor set decodes")
});

/// Adds HTTP/JSON to a gRPC service.
#[derive(Debug, Clone)]
pub struct JsonLayer {
    max_message_size: usize,
}

impl JsonLayer {
    pub fn new(max_message_size: usize) -> Self {
        LazyLock::force(&POOL);
        LazyLock::force(&DETAIL_TYPES);
        JsonLayer { max_message_size }
    }
}

impl<S> Layer<S> for JsonLayer {
    type Service = JsonService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        JsonService {
            inner,
            max_message_size: self.max_message_size,
        }
    }
}

#[derive(Debug, Clone)]
pub struct JsonService<S> {
    inner: S,
    max_message_size: usize,
}

type BoxFuture<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send>>;

impl<S> Service<Request<Body>> for JsonService<S>
where
    S: Service<Request<Body>, Response = Response<Body>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Response<Body>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let kind = if is_connect(&request) {
            Kind::Connect
        } else if request.uri().path().starts_with("/v1/") && !is_grpc(&request) {
            Kind::Rest
        } else if let Some(refusal) = connect_method_not_allowed(&request) {
            return Box::pin(std::future::ready(Ok(refusal.into_response())));
        } else {
            let future = self.inner.call(request);
            return Box::pin(future);
        };
        // The ready service serves this call; a fresh clone takes its place.
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let max = self.max_message_size;
        Box::pin(async move {
            Ok(match transcode(inner, request, max, kind).await {
                Ok(response) => response,
                Err(JsonCallError::Refused(error)) => error.into_response(),
                Err(JsonCallError::Inner(error)) => return Err(error),
            })
        })
    }
}

/// How a JSON call names its method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `POST /jobpay.v1.<Service>/<Method>` (Connect's unary form).
    Connect,
    /// A REST route of a `google.api.http` annotation.
    Rest,
}

/// A unary JSON call: POST with a JSON body (Connect's unary form).
fn is_connect<B>(request: &Request<B>) -> bool {
    request.method() == Method::POST
        && request.uri().path().starts_with(METHOD_PREFIX)
        && content_type(request).eq_ignore_ascii_case("application/json")
}

/// A method's Connect path (`/jobpay.v1.<Service>/<Method>`) called with
/// another HTTP method than POST, outside gRPC: 405, `Allow: POST`.
fn connect_method_not_allowed<B>(request: &Request<B>) -> Option<ConnectError> {
    let path = request.uri().path();
    if request.method() == Method::POST || is_grpc(request) || method_of(path).is_none() {
        return None;
    }
    Some(ConnectError::method_not_allowed(
        path,
        request.method(),
        &[Method::POST],
    ))
}

/// gRPC or gRPC-Web: left to tonic.
fn is_grpc<B>(request: &Request<B>) -> bool {
    content_type(request)
        .get(..16)
        .is_some_and(|start| start.eq_ignore_ascii_case("application/grpc"))
}

fn content_type<B>(request: &Request<B>) -> &str {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or("")
        .trim()
}

enum JsonCallError<E> {
    Refused(ConnectError),
    Inner(E),
}

impl<E> From<ConnectError> for JsonCallError<E> {
    fn from(error: ConnectError) -> Self {
        JsonCallError::Refused(error)
    }
}

async fn transcode<S>(
    mut inner: S,
    request: Request<Body>,
    max: usize,
    kind: Kind,
) -> Result<Response<Body>, JsonCallError<S::Error>>
where
    S: Service<Request<Body>, Response = Response<Body>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    let path = request.uri().path().to_owned();
    let (method, path_fields) = match kind {
        Kind::Connect => (
            method_of(&path).ok_or_else(|| ConnectError {
                code: tonic::Code::Unimplemented,
                message: format!("no method {path}: see the protos in jobpay.v1"),
                details: Vec::new(),
                allow: None,
            })?,
            Vec::new(),
        ),
        Kind::Rest => routes::find(request.method(), &path)?,
    };
    let query = request.uri().query().map(str::to_owned);
    let (parts, body) = request.into_parts();
    let bytes = Limited::new(body, max)
        .collect()
        .await
        .map_err(|e| ConnectError::invalid(format!("cannot read the request body: {e}")))?
        .to_bytes();
    let mut json: serde_json::Value = if bytes.iter().all(u8::is_ascii_whitespace) {
        serde_json::Value::Object(Default::default())
    } else {
        serde_json::from_slice(&bytes)
            .map_err(|e| ConnectError::invalid(format!("the body is not JSON: {e}")))?
    };
    if kind == Kind::Rest {
        routes::merge(&mut json, &method.input(), path_fields, query.as_deref())?;
    }
    let message = DynamicMessage::deserialize(method.input(), json).map_err(|e| {
        ConnectError::invalid(format!(
            "the body is not a JSON {}: {e}",
            method.input().full_name()
        ))
    })?;

    if kind == Kind::Rest && csv::answers(&method, &parts.headers) {
        return csv::statement(inner, method, message, parts).await;
    }
    let reply = unary(
        &mut inner,
        &method,
        &message,
        &parts.headers,
        parts.extensions,
    )
    .await?;
    let reply = DynamicMessage::decode(method.output(), reply)
        .map_err(|e| ConnectError::internal(format!("cannot decode the response: {e}")))?;
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::new(&mut out);
    reply
        .serialize_with_options(&mut serializer, &SerializeOptions::new())
        .map_err(|e| ConnectError::internal(format!("cannot write the response JSON: {e}")))?;
    Ok(json_response(StatusCode::OK, out))
}

/// Calls `method` with `message` as an ordinary gRPC call through `inner`
/// (the services and their envelope), with the call's metadata from
/// `headers`; answers the reply message's bytes or the call's status as a
/// Connect error.
async fn unary<S>(
    inner: &mut S,
    method: &MethodDescriptor,
    message: &DynamicMessage,
    headers: &HeaderMap,
    extensions: http::Extensions,
) -> Result<Bytes, JsonCallError<S::Error>>
where
    S: Service<Request<Body>, Response = Response<Body>>,
{
    let mut frame = BytesMut::with_capacity(5 + message.encoded_len());
    frame.put_u8(0);
    frame.put_u32(message.encoded_len() as u32);
    message
        .encode(&mut frame)
        .map_err(|e| ConnectError::invalid(format!("cannot encode the request: {e}")))?;

    let uri = format!("/{}/{}", method.parent_service().full_name(), method.name());
    let mut grpc = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .version(http::Version::HTTP_2);
    if let Some(grpc_headers) = grpc.headers_mut() {
        copy_metadata(headers, grpc_headers);
    }
    let mut grpc = grpc
        .body(Body::new(Full::new(frame.freeze())))
        .map_err(|e| ConnectError::internal(format!("cannot build the gRPC call: {e}")))?;
    *grpc.extensions_mut() = extensions;

    std::future::poll_fn(|cx| inner.poll_ready(cx))
        .await
        .map_err(JsonCallError::Inner)?;
    let response = inner.call(grpc).await.map_err(JsonCallError::Inner)?;
    let (head, body) = response.into_parts();
    let collected = body
        .collect()
        .await
        .map_err(|e| ConnectError::internal(format!("the call's response failed: {e}")))?;
    let trailers = collected.trailers().cloned().unwrap_or_default();
    let data = collected.to_bytes();
    // Trailers-only responses carry the status in the headers.
    let status_from = |name: &str| {
        trailers
            .get(name)
            .or_else(|| head.headers.get(name))
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let code = status_from("grpc-status")
        .and_then(|c| c.parse::<i32>().ok())
        .map(tonic::Code::from_i32)
        .unwrap_or(tonic::Code::Unknown);
    if code != tonic::Code::Ok {
        let message = status_from("grpc-message")
            .map(|m| percent_decode(&m))
            .unwrap_or_default();
        let details = status_from("grpc-status-details-bin")
            .map(|d| details_of_header(&d))
            .unwrap_or_default();
        return Err(ConnectError {
            code,
            message,
            details,
            allow: None,
        }
        .into());
    }
    message_of_frame(data).map_err(|e| ConnectError::internal(e).into())
}

/// The method of a `/jobpay.v1.Service/Method` path, if it exists.
fn method_of(path: &str) -> Option<MethodDescriptor> {
    let (service, method) = path.strip_prefix('/')?.split_once('/')?;
    if !path.starts_with(METHOD_PREFIX) {
        return None;
    }
    let service = POOL.get_service_by_name(service)?;
    service
        .methods()
        .find(|m| m.name() == method && !m.is_client_streaming() && !m.is_server_streaming())
}

/// Request headers that are call metadata, as gRPC expects them.
fn copy_metadata(from: &HeaderMap, to: &mut HeaderMap) {
    for (name, value) in from {
        let skip = matches!(
            name.as_str(),
            "content-type"
                | "content-length"
                | "transfer-encoding"
                | "connection"
                | "host"
                | "accept"
                | "accept-encoding"
                | "te"
                | "connect-protocol-version"
                | "connect-timeout-ms"
                | "grpc-encoding"
                | "grpc-accept-encoding"
        );
        if !skip {
            to.append(name.clone(), value.clone());
        }
    }
    if let Some(ms) = from
        .get("connect-timeout-ms")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        && let Ok(value) = HeaderValue::from_str(&format!("{}m", ms.min(99_999_999)))
    {
        to.insert("grpc-timeout", value);
    }
    to.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/grpc"),
    );
    to.insert(header::TE, HeaderValue::from_static("trailers"));
}

/// The message of a gRPC reply's one length-prefixed frame.
fn message_of_frame(mut data: Bytes) -> Result<Bytes, String> {
    if data.len() < 5 {
        return Err("the call answered no message".into());
    }
    let compressed = data.get_u8();
    let length = data.get_u32() as usize;
    if compressed != 0 || data.len() < length {
        return Err("the call answered a malformed frame".into());
    }
    Ok(data.slice(..length))
}

/// `google.rpc.Status`, as carried in `grpc-status-details-bin`.
#[derive(Clone, PartialEq, prost::Message)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
    #[prost(message, repeated, tag = "3")]
    details: Vec<prost_types::Any>,
}

/// The details of a status from its `grpc-status-details-bin` header
/// (base64, padded or not).
fn details_of_header(encoded: &str) -> Vec<prost_types::Any> {
    let engine = base64::engine::general_purpose::STANDARD_NO_PAD;
    engine
        .decode(encoded.trim_end_matches('='))
        .map(|bytes| details_of(&bytes))
        .unwrap_or_default()
}

/// The details of an encoded `google.rpc.Status`; none if it does not
/// decode.
fn details_of(status: &[u8]) -> Vec<prost_types::Any> {
    RpcStatus::decode(status)
        .map(|status| status.details)
        .unwrap_or_default()
}

/// Connect's JSON error, its fields in the protocol's order.
#[derive(serde::Serialize)]
struct ErrorBody<'a> {
    code: String,
    message: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    details: Vec<DetailBody<'a>>,
}

/// One detail as Connect writes it: the type's full name, the message in
/// base64 (unpadded) and, when its type is known, `debug`: the message as
/// proto3 JSON, for people reading the error (Connect clients decode
/// `value`).
#[derive(serde::Serialize)]
struct DetailBody<'a> {
    #[serde(rename = "type")]
    type_name: &'a str,
    value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    debug: Option<serde_json::Value>,
}

impl<'a> DetailBody<'a> {
    fn of(detail: &'a prost_types::Any) -> Self {
        let type_name = detail
            .type_url
            .rsplit('/')
            .next()
            .unwrap_or(&detail.type_url);
        let debug = DETAIL_TYPES
            .get_message_by_name(type_name)
            .or_else(|| POOL.get_message_by_name(type_name))
            .and_then(|descriptor| DynamicMessage::decode(descriptor, detail.value.as_slice()).ok())
            .and_then(|message| serde_json::to_value(&message).ok());
        DetailBody {
            type_name,
            value: base64::engine::general_purpose::STANDARD_NO_PAD.encode(&detail.value),
            debug,
        }
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(value) = u8::from_str_radix(&text[i + 1..i + 3], 16)
        {
            out.push(value);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A refused JSON call, as Connect's JSON error.
struct ConnectError {
    code: tonic::Code,
    message: String,
    details: Vec<prost_types::Any>,
    /// The methods the path answers, when it does not answer the call's:
    /// the response is 405 with this `Allow` header.
    allow: Option<HeaderValue>,
}

impl ConnectError {
    fn invalid(message: String) -> Self {
        ConnectError {
            code: tonic::Code::InvalidArgument,
            message,
            details: Vec::new(),
            allow: None,
        }
    }

    /// A domain error refused by this layer, with the details the
    /// services would send for it (`error` makes them) and a message of
    /// the layer's own.
    fn from_error(error: crate::error::Error, message: String) -> Self {
        let status = tonic::Status::from(error);
        ConnectError {
            code: status.code(),
            message,
            details: details_of(status.details()),
            allow: None,
        }
    }

    /// `path` is served, but not for `verb`: it answers `allowed`.
    fn method_not_allowed(path: &str, verb: &Method, allowed: &[Method]) -> Self {
        let allowed = allowed
            .iter()
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        ConnectError {
            code: tonic::Code::Unimplemented,
            message: format!(
                "{} does not answer {verb}: it answers {allowed}",
                crate::error::excerpt(path, 200)
            ),
            details: Vec::new(),
            allow: HeaderValue::from_str(&allowed).ok(),
        }
    }

    fn internal(message: String) -> Self {
        tracing::error!(%message, "HTTP/JSON transcoding failed");
        ConnectError {
            code: tonic::Code::Internal,
            message: "internal error".into(),
            details: Vec::new(),
            allow: None,
        }
    }

    fn into_response(self) -> Response<Body> {
        let body = ErrorBody {
            code: connect_code(self.code),
            message: &self.message,
            details: self.details.iter().map(DetailBody::of).collect(),
        };
        let body = serde_json::to_vec(&body).unwrap_or_default();
        let status = match self.allow {
            Some(_) => StatusCode::METHOD_NOT_ALLOWED,
            None => http_status(self.code),
        };
        let mut response = json_response(status, body);
        if let Some(allow) = self.allow {
            response.headers_mut().insert(header::ALLOW, allow);
        }
        response
    }
}

fn json_response(status: StatusCode, body: Vec<u8>) -> Response<Body> {
    let mut response = Response::new(Body::new(Full::new(Bytes::from(body))));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Connect's name of a gRPC code (`not_found`): the gRPC name in lower
/// case, except that Connect spells `canceled` with one l.
fn connect_code(code: tonic::Code) -> String {
    match code {
        tonic::Code::Cancelled => "canceled".to_owned(),
        other => super::metrics::code_name(other).to_ascii_lowercase(),
    }
}

/// The HTTP status of a gRPC code, as Connect maps them.
pub fn http_status(code: tonic::Code) -> StatusCode {
    use tonic::Code::*;
    let status = match code {
        Ok => 200,
        Cancelled => 499,
        Unknown | Internal | DataLoss => 500,
        InvalidArgument | FailedPrecondition | OutOfRange => 400,
        DeadlineExceeded => 504,
        NotFound => 404,
        AlreadyExists | Aborted => 409,
        PermissionDenied => 403,
        ResourceExhausted => 429,
        Unimplemented => 501,
        Unavailable => 503,
        Unauthenticated => 401,
    };
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}
