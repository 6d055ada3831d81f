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
//! `type` and base64 `value`) with the HTTP status of their gRPC code.

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

pub mod openapi;
pub mod routes;

/// The package whose methods are served as JSON.
const PACKAGE: &str = "jobpay.v1";
/// The path prefix of its methods, checked on every call without allocating.
const METHOD_PREFIX: &str = "/jobpay.v1.";

static POOL: LazyLock<DescriptorPool> = LazyLock::new(|| {
    DescriptorPool::decode(FILE_DESCRIPTOR_SET).expect("the compiled descriptor set decodes")
});

/// Adds HTTP/JSON to a gRPC service.
#[derive(Debug, Clone)]
pub struct JsonLayer {
    max_message_size: usize,
}

impl JsonLayer {
    pub fn new(max_message_size: usize) -> Self {
        LazyLock::force(&POOL);
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
    S: Service<Request<Body>, Response = Response<Body>>,
{
    let path = request.uri().path().to_owned();
    let (method, path_fields) = match kind {
        Kind::Connect => (
            method_of(&path).ok_or_else(|| ConnectError {
                code: tonic::Code::Unimplemented,
                message: format!("no method {path}: see the protos in jobpay.v1"),
                details: Vec::new(),
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
        routes::merge(&mut json, path_fields, query.as_deref())?;
    }
    let message = DynamicMessage::deserialize(method.input(), json).map_err(|e| {
        ConnectError::invalid(format!(
            "the body is not a JSON {}: {e}",
            method.input().full_name()
        ))
    })?;

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
    if let Some(headers) = grpc.headers_mut() {
        copy_metadata(&parts.headers, headers);
    }
    let mut grpc = grpc
        .body(Body::new(Full::new(frame.freeze())))
        .map_err(|e| ConnectError::internal(format!("cannot build the gRPC call: {e}")))?;
    *grpc.extensions_mut() = parts.extensions;

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
            .map(|d| details_of(&d))
            .unwrap_or_default();
        return Err(ConnectError {
            code,
            message,
            details,
        }
        .into());
    }
    let reply = decode_frame(&method, data).map_err(ConnectError::internal)?;
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::new(&mut out);
    reply
        .serialize_with_options(&mut serializer, &SerializeOptions::new())
        .map_err(|e| ConnectError::internal(format!("cannot write the response JSON: {e}")))?;
    Ok(json_response(StatusCode::OK, out))
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

fn decode_frame(method: &MethodDescriptor, mut data: Bytes) -> Result<DynamicMessage, String> {
    if data.len() < 5 {
        return Err("the call answered no message".into());
    }
    let compressed = data.get_u8();
    let length = data.get_u32() as usize;
    if compressed != 0 || data.len() < length {
        return Err("the call answered a malformed frame".into());
    }
    DynamicMessage::decode(method.output(), data.slice(..length))
        .map_err(|e| format!("cannot decode the response: {e}"))
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

/// The details of a status, as Connect writes them: the type's full name
/// and the base64 (unpadded) message.
fn details_of(encoded: &str) -> Vec<(String, String)> {
    let engine = base64::engine::general_purpose::STANDARD_NO_PAD;
    let Ok(bytes) = engine.decode(encoded.trim_end_matches('=')) else {
        return Vec::new();
    };
    let Ok(status) = RpcStatus::decode(bytes.as_slice()) else {
        return Vec::new();
    };
    status
        .details
        .into_iter()
        .map(|any| {
            let name = any
                .type_url
                .rsplit('/')
                .next()
                .unwrap_or(&any.type_url)
                .to_owned();
            (name, engine.encode(&any.value))
        })
        .collect()
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
    /// (type name, base64 value)
    details: Vec<(String, String)>,
}

impl ConnectError {
    fn invalid(message: String) -> Self {
        ConnectError {
            code: tonic::Code::InvalidArgument,
            message,
            details: Vec::new(),
        }
    }

    fn internal(message: String) -> Self {
        tracing::error!(%message, "HTTP/JSON transcoding failed");
        ConnectError {
            code: tonic::Code::Internal,
            message: "internal error".into(),
            details: Vec::new(),
        }
    }

    fn into_response(self) -> Response<Body> {
        let details: Vec<serde_json::Value> = self
            .details
            .into_iter()
            .map(|(kind, value)| serde_json::json!({ "type": kind, "value": value }))
            .collect();
        let mut body = serde_json::json!({
            "code": connect_code(self.code),
            "message": self.message,
        });
        if !details.is_empty() {
            body["details"] = serde_json::Value::Array(details);
        }
        json_response(http_status(self.code), body.to_string().into_bytes())
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
