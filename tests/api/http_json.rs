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
        (501, Some("unimplemented")),
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
            status < 500 || status == 503 || status == 501,
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

on_both_backends!(
    json_calls_reach_every_kind_of_method,
    grpc_web_calls_work_over_http_1,
    rest_routes_follow_the_annotations,
    every_method_answers_every_protocol,
);
