//! HTTP/JSON (the Connect protocol's unary form) and gRPC-Web on the gRPC
//! port, over HTTP/1.1 as `curl` and browsers send them: the same methods,
//! metadata as headers, errors as JSON with the HTTP status of their code.

use base64::Engine;
use jobpay::proto::pb;
use prost::Message;
use serde_json::Value;

use crate::on_both_backends;
use crate::support::{ADMIN_KEY, Backend, TestApp};

async fn post(app: &TestApp, method: &str, headers: &[(&str, &str)], body: &str) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("http://{}/jobpay.v1.{method}", app.address))
        .header("content-type", "application/json")
        .body(body.to_owned());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("HTTP call");
    assert_eq!(response.version(), reqwest::Version::HTTP_11);
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// The ErrorInfo reason among a Connect error's details.
fn reason(error: &Value) -> String {
    let details = error["details"].as_array().expect("details");
    let info = details
        .iter()
        .find(|d| d["type"] == "google.rpc.ErrorInfo")
        .expect("an ErrorInfo");
    let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(info["value"].as_str().unwrap())
        .unwrap();
    tonic_types::pb::ErrorInfo::decode(bytes.as_slice())
        .unwrap()
        .reason
}

async fn json_calls_reach_every_kind_of_method(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    let admin = format!("Bearer {ADMIN_KEY}");

    // A read, as its owner.
    let (status, contract) = post(
        &app,
        "ContractService/GetContract",
        &[("profile_id", "1")],
        r#"{"id": "1"}"#,
    )
    .await;
    assert_eq!(status, 200, "{contract}");
    assert_eq!(contract["id"], "1");
    assert_eq!(contract["status"], "CONTRACT_STATUS_TERMINATED");

    // A money movement (JSON names as the proto3 mapping, request id too).
    let (status, deposit) = post(
        &app,
        "BalanceService/Deposit",
        &[("profile_id", "2")],
        r#"{"profileId": "2", "amount": "10.25", "requestId": "3f0c2a8e-1b7d-4c1e-9a57-6b8d2f4e1a90"}"#,
    )
    .await;
    assert_eq!(status, 200, "{deposit}");
    let (_, again) = post(
        &app,
        "BalanceService/Deposit",
        &[("profile_id", "2")],
        r#"{"profile_id": "2", "amount": "10.25", "request_id": "3f0c2a8e-1b7d-4c1e-9a57-6b8d2f4e1a90"}"#,
    )
    .await;
    assert_eq!(again, deposit, "a retry answers the first response");
    assert_eq!(app.balance(2).await, deposit["balance"].as_str().unwrap());

    // An admin call with the key as a header; an empty body is `{}`.
    let (status, profiles) = post(
        &app,
        "AdminService/ListProfiles",
        &[("authorization", &admin)],
        "",
    )
    .await;
    assert_eq!(status, 200, "{profiles}");
    assert!(profiles["profiles"].as_array().unwrap().len() >= 8);

    // Errors: the HTTP status of the gRPC code, the code, the message
    // and the details.
    let (status, error) = post(
        &app,
        "ContractService/GetContract",
        &[("profile_id", "1")],
        r#"{"id": "999"}"#,
    )
    .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (404, Some("not_found")),
        "{error}"
    );
    assert_eq!(reason(&error), "CONTRACT_NOT_FOUND");
    assert!(error["message"].as_str().unwrap().contains("999"));

    let (status, error) = post(&app, "ContractService/GetContract", &[], r#"{"id": "1"}"#).await;
    assert_eq!(
        (status, error["code"].as_str()),
        (401, Some("unauthenticated"))
    );
    assert_eq!(reason(&error), "MISSING_PROFILE_ID");

    let (status, error) = post(
        &app,
        "BalanceService/Withdraw",
        &[("profile_id", "1")],
        r#"{"amount": "1000000"}"#,
    )
    .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (400, Some("failed_precondition"))
    );
    assert_eq!(reason(&error), "INSUFFICIENT_FUNDS");

    let (status, error) = post(
        &app,
        "BalanceService/Deposit",
        &[("profile_id", "2")],
        r#"{"amount": "-1"}"#,
    )
    .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (400, Some("invalid_argument"))
    );
    assert!(
        error["details"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["type"] == "google.rpc.BadRequest")
    );

    // Not JSON of the request, unknown fields, unknown methods.
    for body in [
        "{",
        "[]",
        r#"{"id": "one"}"#,
        r#"{"nope": 1}"#,
        "null",
        r#"{"id": "1"} trailing"#,
    ] {
        let (status, error) = post(
            &app,
            "ContractService/GetContract",
            &[("profile_id", "1")],
            body,
        )
        .await;
        assert_eq!(
            (status, error["code"].as_str()),
            (400, Some("invalid_argument")),
            "{body}: {error}"
        );
    }
    let (status, error) = post(&app, "ContractService/Nope", &[("profile_id", "1")], "{}").await;
    assert_eq!(
        (status, error["code"].as_str()),
        (501, Some("unimplemented"))
    );

    // A Connect deadline becomes the call's deadline.
    let (status, _) = post(
        &app,
        "ContractService/ListContracts",
        &[("profile_id", "1"), ("connect-timeout-ms", "5000")],
        "{}",
    )
    .await;
    assert_eq!(status, 200);
    assert!(app.audit().await.passed());
}

async fn grpc_web_calls_work_over_http_1(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    let message = pb::GetBalanceRequest::default().encode_to_vec();
    let mut frame = vec![0u8];
    frame.extend_from_slice(&(message.len() as u32).to_be_bytes());
    frame.extend_from_slice(&message);
    let response = reqwest::Client::new()
        .post(format!(
            "http://{}/jobpay.v1.BalanceService/GetBalance",
            app.address
        ))
        .header("content-type", "application/grpc-web+proto")
        .header("x-grpc-web", "1")
        .header("profile_id", "1")
        .body(frame)
        .send()
        .await
        .expect("gRPC-Web call");
    assert_eq!(response.status().as_u16(), 200);
    let body = response.bytes().await.unwrap();
    // A data frame, then the trailers frame (flag 0x80).
    assert_eq!(body[0], 0);
    let length = u32::from_be_bytes(body[1..5].try_into().unwrap()) as usize;
    let reply = pb::GetBalanceResponse::decode(&body[5..5 + length]).unwrap();
    assert_eq!(reply.balance, app.balance(1).await);
    let trailers = &body[5 + length..];
    assert_eq!(trailers[0], 0x80);
    let text = String::from_utf8_lossy(&trailers[5..]).to_ascii_lowercase();
    assert!(text.contains("grpc-status:0"), "{text}");
}

async fn call(
    app: &TestApp,
    verb: reqwest::Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new().request(verb, format!("http://{}{path}", app.address));
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_owned());
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("HTTP call");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn rest_routes_follow_the_annotations(backend: Backend) {
    use reqwest::Method;
    let app = TestApp::with_demo_data(backend).await;
    let client = [("profile_id", "1")];
    let admin_key = format!("Bearer {ADMIN_KEY}");
    let admin = [("authorization", admin_key.as_str())];

    let (status, contract) = call(&app, Method::GET, "/v1/contracts/2", &client, None).await;
    assert_eq!(
        (status, contract["id"].as_str()),
        (200, Some("2")),
        "{contract}"
    );

    let (status, page) = call(&app, Method::GET, "/v1/contracts?pageSize=1", &client, None).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["contracts"].as_array().unwrap().len(), 1);
    let token = page["nextPageToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    if !token.is_empty() {
        let (status, next) = call(
            &app,
            Method::GET,
            &format!("/v1/contracts?page_size=1&page_token={token}"),
            &client,
            None,
        )
        .await;
        assert_eq!(status, 200, "{next}");
    }

    let (status, unpaid) = call(&app, Method::GET, "/v1/jobs:unpaid", &client, None).await;
    assert_eq!(status, 200, "{unpaid}");
    let job = unpaid["jobs"][0]["id"]
        .as_str()
        .expect("an unpaid job")
        .to_owned();
    let (status, paid) = call(
        &app,
        Method::POST,
        &format!("/v1/jobs/{job}:pay"),
        &client,
        Some("{}"),
    )
    .await;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(paid["job"]["paid"], true);

    let (status, deposit) = call(
        &app,
        Method::POST,
        "/v1/balances:deposit",
        &[("profile_id", "2")],
        Some(r#"{"profileId": "2", "amount": "5.00"}"#),
    )
    .await;
    assert_eq!(status, 200, "{deposit}");
    assert_eq!(app.balance(2).await, deposit["balance"].as_str().unwrap());

    let (status, summary) = call(
        &app,
        Method::GET,
        "/v1/admin/profiles/1/summary?currencyCode=USD",
        &admin,
        None,
    )
    .await;
    assert_eq!(
        (status, summary["profileId"].as_str()),
        (200, Some("1")),
        "{summary}"
    );
    let (status, feed) = call(&app, Method::GET, "/v1/admin/feed/status", &admin, None).await;
    assert_eq!(status, 200, "{feed}");

    // Errors: the code's HTTP status and JSON.
    let (status, error) = call(&app, Method::GET, "/v1/contracts/999", &client, None).await;
    assert_eq!((status, error["code"].as_str()), (404, Some("not_found")));
    assert_eq!(reason(&error), "CONTRACT_NOT_FOUND");
    let (status, error) = call(&app, Method::GET, "/v1/contracts/abc", &client, None).await;
    assert_eq!(
        (status, error["code"].as_str()),
        (400, Some("invalid_argument")),
        "{error}"
    );
    let (status, error) = call(
        &app,
        Method::GET,
        "/v1/contracts?pageSize=ten",
        &client,
        None,
    )
    .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (400, Some("invalid_argument")),
        "{error}"
    );
    let (status, error) = call(&app, Method::GET, "/v1/contracts?nope=1", &client, None).await;
    assert_eq!(
        (status, error["code"].as_str()),
        (400, Some("invalid_argument")),
        "{error}"
    );
    let (status, error) = call(&app, Method::GET, "/v1/nothing/here", &client, None).await;
    assert_eq!(
        (status, error["code"].as_str()),
        (404, Some("not_found")),
        "{error}"
    );
    let (status, error) = call(&app, Method::DELETE, "/v1/contracts/2", &client, None).await;
    assert_eq!(
        (status, error["code"].as_str()),
        (405, Some("unimplemented")),
        "{error}"
    );
    let (status, error) = call(&app, Method::GET, "/v1/admin/feed/status", &client, None).await;
    assert_eq!(
        (status, error["code"].as_str()),
        (401, Some("unauthenticated")),
        "{error}"
    );
    assert!(app.audit().await.passed());
}

/// Every method answers over REST, Connect JSON and gRPC-Web with a clear
/// status (never INTERNAL or UNKNOWN), whatever it thinks of the input.
async fn every_method_answers_every_protocol(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    let admin_key = format!("Bearer {ADMIN_KEY}");
    let headers = [("profile_id", "1"), ("authorization", admin_key.as_str())];
    let routes = jobpay::server::json::routes::ROUTES.iter();
    let mut methods = 0;
    for route in routes {
        methods += 1;
        let full = route.method.full_name().to_owned();
        let mut path = route.template.clone();
        for field in route.path_fields() {
            path = path.replace(&format!("{{{field}}}"), "1");
        }
        let body = (!route.body.is_empty()).then_some("{}");
        let verb = reqwest::Method::from_bytes(route.verb.as_str().as_bytes()).unwrap();
        let (status, answer) = call(&app, verb, &path, &headers, body).await;
        assert!(
            status < 500 || status == 503,
            "REST {full}: {status} {answer}"
        );
        assert!(answer.is_object(), "REST {full}: {answer}");
        if status != 200 {
            assert!(answer["code"].is_string(), "REST {full}: {answer}");
        }

        let service = route.method.parent_service().full_name().to_owned();
        let name = route.method.name().to_owned();
        let (status, answer) = post(
            &app,
            &format!("{}/{name}", service.trim_start_matches("jobpay.v1.")),
            &headers,
            "{}",
        )
        .await;
        assert!(status < 500, "Connect {full}: {status} {answer}");

        let response = reqwest::Client::new()
            .post(format!("http://{}/{service}/{name}", app.address))
            .header("content-type", "application/grpc-web+proto")
            .header("profile_id", "1")
            .header("authorization", &admin_key)
            .body(vec![0u8, 0, 0, 0, 0])
            .send()
            .await
            .expect("gRPC-Web call");
        let grpc_status = response
            .headers()
            .get("grpc-status")
            .map(|v| v.to_str().unwrap().to_owned());
        let body = response.bytes().await.unwrap();
        let text = String::from_utf8_lossy(&body).to_ascii_lowercase();
        let code = grpc_status.or_else(|| {
            text.split("grpc-status:").nth(1).map(|rest| {
                rest.trim()
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect()
            })
        });
        let code = code.unwrap_or_else(|| panic!("gRPC-Web {full}: no grpc-status"));
        assert!(
            code != "2" && code != "13",
            "gRPC-Web {full}: grpc-status {code}"
        );
    }
    assert!(methods >= 38, "{methods} routes");
    assert!(app.audit().await.passed());
}

/// The methods a path answers, as `Allow` lists them: every route's verb
/// on that template, in the order GET, POST, PUT, PATCH, DELETE.
fn declared_methods(template: &str) -> String {
    let order = ["GET", "POST", "PUT", "PATCH", "DELETE"];
    let mut verbs: Vec<&str> = jobpay::server::json::routes::ROUTES
        .iter()
        .filter(|r| r.template == template)
        .map(|r| r.verb.as_str())
        .collect();
    verbs.sort_by_key(|v| order.iter().position(|o| o == v));
    verbs.dedup();
    verbs.join(", ")
}

/// Every served path answers every other method with 405 and `Allow`
/// naming the methods it answers (never 5xx); a Connect path answers
/// only POST; CORS preflights are still answered before any of it.
async fn other_methods_answer_405_with_allow(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    let client = reqwest::Client::new();
    let mut refused = 0;
    for route in jobpay::server::json::routes::ROUTES.iter() {
        let mut path = route.template.clone();
        for field in route.path_fields() {
            path = path.replace(&format!("{{{field}}}"), "1");
        }
        let allowed = declared_methods(&route.template);
        for verb in ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "TRACE"] {
            if allowed.split(", ").any(|a| a == verb) {
                continue;
            }
            let method = reqwest::Method::from_bytes(verb.as_bytes()).unwrap();
            let response = client
                .request(method, format!("http://{}{path}", app.address))
                .header("profile_id", "1")
                .send()
                .await
                .expect("HTTP call");
            let status = response.status().as_u16();
            let allow = response
                .headers()
                .get("allow")
                .map(|v| v.to_str().unwrap().to_owned());
            let text = response.text().await.unwrap();
            assert_eq!(status, 405, "{verb} {path}: {text}");
            assert_eq!(allow.as_deref(), Some(allowed.as_str()), "{verb} {path}");
            if verb != "HEAD" {
                let error: Value = serde_json::from_str(&text).expect("a JSON error");
                assert_eq!(error["code"], "unimplemented", "{verb} {path}: {error}");
                let message = error["message"].as_str().unwrap();
                assert!(
                    message.contains(verb) && message.contains(&allowed),
                    "{verb} {path}: {message}"
                );
            }
            refused += 1;
        }
    }
    assert!(refused >= 38 * 5, "{refused} refusals");

    // A path of two routes lists both.
    let (status, _) = call(&app, reqwest::Method::PUT, "/v1/contracts", &[], None).await;
    assert_eq!(status, 405);
    assert_eq!(declared_methods("/v1/contracts"), "GET, POST");

    // Connect's paths answer POST only (gRPC and gRPC-Web are POST too).
    for verb in [
        reqwest::Method::GET,
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
    ] {
        let response = client
            .request(
                verb.clone(),
                format!(
                    "http://{}/jobpay.v1.ContractService/GetContract",
                    app.address
                ),
            )
            .header("profile_id", "1")
            .send()
            .await
            .expect("HTTP call");
        assert_eq!(response.status().as_u16(), 405, "{verb}");
        assert_eq!(response.headers()["allow"], "POST", "{verb}");
        let error: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
        assert_eq!(error["code"], "unimplemented", "{verb}: {error}");
    }

    // Preflights are CORS's, as before: answered, never 405.
    for path in [
        "/v1/contracts/1",
        "/v1/jobs/1:pay",
        "/jobpay.v1.ContractService/GetContract",
    ] {
        let response = client
            .request(
                reqwest::Method::OPTIONS,
                format!("http://{}{path}", app.address),
            )
            .header("origin", "https://app.example")
            .header("access-control-request-method", "POST")
            .send()
            .await
            .expect("preflight");
        assert_eq!(response.status().as_u16(), 200, "{path}");
        let methods = response.headers()["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .to_ascii_uppercase();
        assert!(methods.contains("POST"), "{path}: {methods}");
    }

    // Unknown paths stay NOT_FOUND; declared methods still answer.
    let (status, error) = call(&app, reqwest::Method::PUT, "/v1/nothing", &[], None).await;
    assert_eq!((status, error["code"].as_str()), (404, Some("not_found")));
    let (status, _) = call(
        &app,
        reqwest::Method::GET,
        "/v1/contracts/1",
        &[("profile_id", "1")],
        None,
    )
    .await;
    assert_eq!(status, 200);
}

/// The one field violation of an error: (field, description), read from
/// the encoded `value` and checked equal to the readable `debug`.
fn violation(error: &Value) -> (String, String) {
    let detail = error["details"]
        .as_array()
        .expect("details")
        .iter()
        .find(|d| d["type"] == "google.rpc.BadRequest")
        .unwrap_or_else(|| panic!("a BadRequest: {error}"));
    let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(detail["value"].as_str().unwrap())
        .unwrap();
    let decoded = tonic_types::pb::BadRequest::decode(bytes.as_slice()).unwrap();
    assert_eq!(decoded.field_violations.len(), 1, "{error}");
    let only = &decoded.field_violations[0];
    assert_eq!(
        detail["debug"]["fieldViolations"],
        serde_json::json!([{"field": only.field, "description": only.description}]),
        "{error}"
    );
    (only.field.clone(), only.description.clone())
}

/// A path variable or query parameter that is not a field, or does not
/// parse as its field, is INVALID_ARGUMENT naming it: in the message (as
/// written) and in a field violation (the field's proto name).
async fn bad_parameters_are_named(backend: Backend) {
    use reqwest::Method;
    let app = TestApp::with_demo_data(backend).await;
    let admin_key = format!("Bearer {ADMIN_KEY}");
    let headers = [("profile_id", "1"), ("authorization", admin_key.as_str())];

    let cases = [
        (
            "/v1/contracts?pageSize=ten",
            "query parameter pageSize: must be an integer",
            "page_size",
            "must be an integer",
        ),
        (
            "/v1/contracts?page_size=1.5",
            "query parameter page_size: must be an integer",
            "page_size",
            "must be an integer",
        ),
        (
            "/v1/contracts?page_size=99999999999",
            "query parameter page_size: must be an integer from -2147483648 to 2147483647",
            "page_size",
            "must be an integer from -2147483648 to 2147483647",
        ),
        (
            "/v1/contracts?nope=1",
            "query parameter nope: is not a parameter of this route; it takes page_size, page_token",
            "nope",
            "is not a parameter of this route; it takes page_size, page_token",
        ),
        (
            "/v1/contracts?page_size=1&pageSize=2",
            "query parameter pageSize: is given twice (in the query, the path or the body)",
            "page_size",
            "is given twice (in the query, the path or the body)",
        ),
        (
            "/v1/contracts/1?id=2",
            "query parameter id: is given twice (in the query, the path or the body)",
            "id",
            "is given twice (in the query, the path or the body)",
        ),
        (
            "/v1/contracts/abc",
            "path variable id: must be an integer",
            "id",
            "must be an integer",
        ),
        (
            "/v1/loans:outstandingDebt?asOf=yesterday",
            "query parameter asOf: must be an RFC 3339 date-time with an offset, such as 2024-01-31T00:00:00Z",
            "as_of",
            "must be an RFC 3339 date-time with an offset, such as 2024-01-31T00:00:00Z",
        ),
        (
            "/v1/admin/feed/items?state=DONE",
            "query parameter state: must be one of FEED_ITEM_STATE_UNSPECIFIED, FEED_ITEM_STATE_APPLIED, FEED_ITEM_STATE_REJECTED",
            "state",
            "must be one of FEED_ITEM_STATE_UNSPECIFIED, FEED_ITEM_STATE_APPLIED, FEED_ITEM_STATE_REJECTED",
        ),
        (
            "/v1/admin/feed/status?x%20y=1",
            "query parameter x y: is not a parameter of this route, which takes none",
            "x y",
            "is not a parameter of this route, which takes none",
        ),
    ];
    for (path, message, field, description) in cases {
        let (status, error) = call(&app, Method::GET, path, &headers, None).await;
        assert_eq!(
            (status, error["code"].as_str()),
            (400, Some("invalid_argument")),
            "{path}: {error}"
        );
        assert_eq!(error["message"], message, "{path}");
        assert_eq!(
            violation(&error),
            (field.to_owned(), description.to_owned()),
            "{path}"
        );
        assert_eq!(reason(&error), "INVALID_ARGUMENT", "{path}");
    }

    // What parses still answers: names in either spelling, enums by name
    // or number, timestamps, percent-encoding.
    for path in [
        "/v1/contracts?pageSize=1",
        "/v1/contracts?page_size=1&page_token=",
        "/v1/admin/feed/items?state=FEED_ITEM_STATE_APPLIED",
        "/v1/admin/feed/items?state=1",
        "/v1/loans:outstandingDebt?as_of=2024-01-31T00%3A00%3A00Z",
        "/v1/admin/profiles/1/summary?currency_code=USD",
    ] {
        let (status, answer) = call(&app, Method::GET, path, &headers, None).await;
        assert_eq!(status, 200, "{path}: {answer}");
    }
}

/// Connect's error JSON carries each detail readable (`debug`) beside the
/// encoded `value`, which stays what Connect clients decode.
async fn error_details_are_readable(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    let (status, error) = post(
        &app,
        "ContractService/GetContract",
        &[("profile_id", "1")],
        r#"{"id": "999"}"#,
    )
    .await;
    assert_eq!(status, 404, "{error}");
    let info = error["details"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["type"] == "google.rpc.ErrorInfo")
        .expect("an ErrorInfo")
        .clone();
    let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(info["value"].as_str().unwrap())
        .unwrap();
    let decoded = tonic_types::pb::ErrorInfo::decode(bytes.as_slice()).unwrap();
    assert_eq!(decoded.reason, "CONTRACT_NOT_FOUND");
    assert_eq!(info["debug"]["reason"], "CONTRACT_NOT_FOUND", "{info}");
    assert_eq!(info["debug"]["domain"], "jobpay", "{info}");
    let metadata: serde_json::Map<String, Value> = decoded
        .metadata
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    if metadata.is_empty() {
        assert!(info["debug"].get("metadata").is_none(), "{info}");
    } else {
        assert_eq!(info["debug"]["metadata"], Value::Object(metadata), "{info}");
    }

    // Field violations, over Connect and REST alike.
    let (status, error) = post(
        &app,
        "BalanceService/Deposit",
        &[("profile_id", "2")],
        r#"{"profileId": "2", "amount": "-1"}"#,
    )
    .await;
    assert_eq!(status, 400, "{error}");
    assert_eq!(violation(&error).0, "amount");
    let (status, error) = call(
        &app,
        reqwest::Method::POST,
        "/v1/balances:deposit",
        &[("profile_id", "2")],
        Some(r#"{"profileId": "2", "amount": "1.001"}"#),
    )
    .await;
    assert_eq!(status, 400, "{error}");
    assert_eq!(violation(&error).0, "amount");
    assert!(
        error["details"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["type"].is_string() && d["value"].is_string() && d["debug"].is_object()),
        "{error}"
    );
}

on_both_backends!(
    json_calls_reach_every_kind_of_method,
    grpc_web_calls_work_over_http_1,
    rest_routes_follow_the_annotations,
    every_method_answers_every_protocol,
    other_methods_answer_405_with_allow,
    bad_parameters_are_named,
    error_details_are_readable,
);
