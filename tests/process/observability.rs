//! JSON logs with one line per RPC, and Prometheus metrics.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::time::Duration;

use jobpay::proto::pb;
use jobpay::proto::pb::balance_service_client::BalanceServiceClient;
use tonic_health::pb::health_check_response::ServingStatus;

use crate::support::{Server, SqliteFile, as_profile, free_port};

fn scrape(port: u16) -> String {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.to_lowercase().contains("content-type: text/plain"));
    body.to_owned()
}

/// Prometheus text: `name{labels}` -> value, for every sample line.
fn parse_samples(text: &str) -> HashMap<String, f64> {
    let mut samples = HashMap::new();
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            assert!(
                line.is_empty() || line.starts_with("# HELP ") || line.starts_with("# TYPE "),
                "{line}"
            );
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("{line}"));
        samples.insert(series.to_owned(), value);
    }
    samples
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_are_json_lines_with_one_event_per_rpc() {
    let sqlite = SqliteFile::new();
    let mut server = Server::start(
        &[
            "--demo",
            "--database-url",
            &sqlite.url(),
            "--log-format",
            "json",
        ],
        &[],
    );
    server
        .wait_for_health(ServingStatus::Serving, Duration::from_secs(15))
        .await;
    let mut balances = BalanceServiceClient::new(server.channel().await);
    balances
        .get_balance(as_profile(2, pb::GetBalanceRequest::default()))
        .await
        .unwrap();
    balances
        .withdraw(as_profile(
            4,
            pb::WithdrawRequest {
                amount: "100".into(),
                request_id: String::new(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    server.signal("TERM");
    assert!(server.wait_exit(Duration::from_secs(10)).success());
    std::thread::sleep(Duration::from_millis(100));

    let lines = server.stderr();
    let events: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let rpcs: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["message"] == "rpc finished")
        .collect();
    assert_eq!(rpcs.len(), 2, "{lines:#?}");
    let ok = rpcs
        .iter()
        .find(|e| e["span"]["method"] == "/jobpay.v1.BalanceService/GetBalance")
        .expect("GetBalance logged");
    assert_eq!(ok["code"], "OK");
    assert_eq!(ok["span"]["caller"], "2");
    assert_eq!(ok["level"], "INFO");
    assert!(ok["latency_ms"].as_f64().unwrap() >= 0.0);
    let refused = rpcs
        .iter()
        .find(|e| e["span"]["method"] == "/jobpay.v1.BalanceService/Withdraw")
        .expect("Withdraw logged");
    assert_eq!(refused["code"], "FAILED_PRECONDITION");
    assert_eq!(
        refused["level"], "INFO",
        "client errors are not logged as errors"
    );
    assert!(events.iter().all(|e| e["level"] != "ERROR"), "{lines:#?}");
    // No SQL statements by default.
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("SELECT") || l.contains("INSERT")),
        "{lines:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_served_in_prometheus_text() {
    let sqlite = SqliteFile::new();
    let port = free_port();
    let metrics_address = format!("127.0.0.1:{port}");
    let server = Server::start(
        &[
            "--demo",
            "--database-url",
            &sqlite.url(),
            "--metrics-listen",
            &metrics_address,
        ],
        &[],
    );
    server
        .wait_for_health(ServingStatus::Serving, Duration::from_secs(15))
        .await;
    let mut balances = BalanceServiceClient::new(server.channel().await);
    for _ in 0..3 {
        balances
            .get_balance(as_profile(1, pb::GetBalanceRequest::default()))
            .await
            .unwrap();
    }
    balances
        .get_balance(as_profile(999, pb::GetBalanceRequest::default()))
        .await
        .unwrap_err();

    let samples = parse_samples(&scrape(port));
    let get_balance = "method=\"/jobpay.v1.BalanceService/GetBalance\"";
    assert_eq!(
        samples[&format!("jobpay_rpc_requests_total{{{get_balance},code=\"OK\"}}")],
        3.0
    );
    assert_eq!(
        samples[&format!("jobpay_rpc_requests_total{{{get_balance},code=\"UNAUTHENTICATED\"}}")],
        1.0
    );
    let count = samples[&format!("jobpay_rpc_duration_seconds_count{{{get_balance},code=\"OK\"}}")];
    let infinite = samples
        [&format!("jobpay_rpc_duration_seconds_bucket{{{get_balance},code=\"OK\",le=\"+Inf\"}}")];
    assert_eq!((count, infinite), (3.0, 3.0));
    assert!(samples.contains_key("jobpay_transaction_retries_total"));
    assert!(samples.contains_key("jobpay_transactions_aborted_total"));
    assert!(samples.contains_key("jobpay_db_pool_connections{state=\"in_use\"}"));
    assert!(samples.contains_key("jobpay_db_pool_connections{state=\"idle\"}"));
    assert_eq!(samples["jobpay_health_serving"], 1.0);
}
