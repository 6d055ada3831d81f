//! Browsers on another origin: CORS preflights answered for the allowed
//! origins only, with the metadata headers allowed and the gRPC status
//! headers exposed.

use std::time::Duration;

use tonic_health::pb::health_check_response::ServingStatus;

use crate::support::{Server, SqliteFile};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_preflights_follow_the_allowed_origins() {
    let file = SqliteFile::new();
    let server = Server::start(
        &[
            "--demo",
            "--database-url",
            &file.url(),
            "--cors-allowed-origins",
            "https://app.example,https://admin.example",
        ],
        &[],
    );
    server
        .wait_for_health(ServingStatus::Serving, Duration::from_secs(20))
        .await;
    let client = reqwest::Client::new();
    let preflight = |origin: &'static str| {
        client
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/jobpay.v1.BalanceService/GetBalance", server.url()),
            )
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "content-type,profile_id,x-grpc-web",
            )
            .send()
    };
    let allowed = preflight("https://app.example").await.expect("preflight");
    let header = |name: &str| {
        allowed
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_ascii_lowercase())
            .unwrap_or_default()
    };
    assert_eq!(header("access-control-allow-origin"), "https://app.example");
    assert!(header("access-control-allow-headers").contains("profile_id"));
    assert!(header("access-control-allow-methods").contains("post"));

    let refused = preflight("https://evil.example").await.expect("preflight");
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );

    // An allowed origin's call exposes the gRPC status headers.
    let response = client
        .post(format!(
            "{}/jobpay.v1.BalanceService/GetBalance",
            server.url()
        ))
        .header("origin", "https://app.example")
        .header("content-type", "application/json")
        .header("profile_id", "1")
        .body("{}")
        .send()
        .await
        .expect("call");
    assert_eq!(response.status().as_u16(), 200);
    let exposed = response
        .headers()
        .get("access-control-expose-headers")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert!(exposed.contains("grpc-status"), "{exposed}");
}
