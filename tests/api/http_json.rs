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

on_both_backends!(
    json_calls_reach_every_kind_of_method,
    grpc_web_calls_work_over_http_1
);
