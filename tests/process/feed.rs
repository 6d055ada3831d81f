//! The upstream feed in real `jobpay serve` processes: a `kill -9` in the
//! middle of ingestion and a restart reach exactly the state of an
//! uninterrupted run; the `jobpay-feed-sim` tool feeds `serve --demo
//! --feed-url`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use feed_sim::{SimItem, Upstream};
use jobpay::proto::pb;
use jobpay::proto::pb::admin_service_client::AdminServiceClient;
use tokio::net::TcpListener;
use tonic_health::pb::health_check_response::ServingStatus;

use crate::support::{
    PgDatabase, Server, SqliteFile, admin_key_sha256, as_admin, free_port, run_jobpay,
};

const ITEMS: usize = 3000;

/// `ITEMS` applicable items over 40 users, all in the past.
fn script(base: DateTime<Utc>) -> Vec<SimItem> {
    (0..ITEMS)
        .map(|i| {
            let (kind, cents) = if i % 4 == 3 {
                ("spent", 50 + (i % 7) as i64)
            } else {
                ("earned", 1000 + (i % 13) as i64)
            };
            SimItem {
                id: format!("k{i:05}"),
                // Blocks of four for one member: three earned, one spent.
                user_id: format!("member-{}", (i / 4) % 40),
                created_at: base + TimeDelta::milliseconds(10 * i as i64),
                kind: kind.into(),
                amount: format!("{}.{:02}", cents / 100, cents % 100),
            }
        })
        .collect()
}

async fn fake_upstream(items: Vec<SimItem>) -> String {
    let upstream = Arc::new(Upstream::scripted(items, 100, Duration::from_secs(2)));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    feed_sim::spawn(upstream, listener);
    url
}

async fn serve_feed(database: &PgDatabase, url: &str, start: DateTime<Utc>) -> Server {
    let start = start.to_rfc3339();
    let key_hash = admin_key_sha256();
    let server = Server::start(
        &[
            "--database-url",
            &database.url,
            "--log-level",
            "warn",
            "--feed-url",
            url,
            "--feed-start",
            &start,
            "--feed-delay",
            "0s",
            "--feed-page-size",
            "40",
            "--feed-requests-per-minute",
            "100",
            "--feed-rate-window",
            "2s",
        ],
        &[("JOBPAY_ADMIN_KEY_SHA256", &key_hash)],
    );
    server
        .wait_for_health(ServingStatus::Serving, Duration::from_secs(20))
        .await;
    server
}

async fn status(server: &Server) -> pb::FeedStatus {
    AdminServiceClient::new(server.channel().await)
        .get_feed_status(as_admin(pb::GetFeedStatusRequest {}))
        .await
        .expect("GetFeedStatus")
        .into_inner()
}

async fn wait_until(server: &Server, done: impl Fn(&pb::FeedStatus) -> bool) -> pb::FeedStatus {
    let started = Instant::now();
    loop {
        let status = status(server).await;
        if done(&status) {
            return status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "feed stuck: {status:?}\n{}",
            server.stderr().join("\n")
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Every feed member's balance, by external id.
async fn balances(server: &Server) -> BTreeMap<String, String> {
    AdminServiceClient::new(server.channel().await)
        .list_profiles(as_admin(pb::ListProfilesRequest {
            page_size: 1000,
            ..Default::default()
        }))
        .await
        .expect("ListProfiles")
        .into_inner()
        .profiles
        .into_iter()
        .map(|p| (p.external_id, p.balance))
        .collect()
}

fn all_handled(status: &pb::FeedStatus) -> bool {
    status.items_applied + status.items_rejected + status.items_duplicate >= ITEMS as i64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_ingestion_then_restart_matches_an_uninterrupted_run() {
    let base = (Utc::now() - TimeDelta::minutes(10))
        .duration_trunc(TimeDelta::seconds(1))
        .unwrap();
    let url = fake_upstream(script(base)).await;

    let calm = PgDatabase::create().await;
    let server = serve_feed(&calm, &url, base).await;
    let expected_status = wait_until(&server, all_handled).await;
    let expected = balances(&server).await;
    drop(server);
    assert_eq!(
        (
            expected_status.items_applied,
            expected_status.items_rejected,
            expected_status.items_duplicate
        ),
        (ITEMS as i64, 0, 0)
    );

    let crashed = PgDatabase::create().await;
    let mut kills = 0;
    for threshold in [400, 1300, 2200] {
        let mut server = serve_feed(&crashed, &url, base).await;
        let seen = wait_until(&server, |s| s.items_applied >= threshold).await;
        if all_handled(&seen) {
            break;
        }
        server.signal("KILL");
        server.wait_exit(Duration::from_secs(10));
        kills += 1;
    }
    assert!(kills >= 1, "the run finished before any kill");
    let server = serve_feed(&crashed, &url, base).await;
    let status = wait_until(&server, all_handled).await;
    assert_eq!(
        (
            status.items_applied,
            status.items_rejected,
            status.items_duplicate
        ),
        (ITEMS as i64, 0, 0),
        "nothing skipped, nothing doubled"
    );
    assert_eq!(balances(&server).await, expected);
    assert!(status.enabled);
    drop(server);
    let (audit, out, err) = run_jobpay(&["audit", "--database-url", &crashed.url], &[]);
    assert!(audit.success(), "audit failed:\n{out}\n{err}");
}

/// The feed demo of docs/examples/feed.md: the `jobpay-feed-sim` binary and
/// `serve --demo --feed-url`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feed_sim_feeds_a_demo_server() {
    let port = free_port();
    let mut sim = std::process::Command::new(env!("CARGO_BIN_EXE_jobpay-feed-sim"))
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--backfill",
            "2m",
            "--items-per-minute",
            "600",
            "--requests-per-minute",
            "60",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn jobpay-feed-sim");
    let start = (Utc::now() - TimeDelta::minutes(2)).to_rfc3339();
    let file = SqliteFile::new();
    let database = file.url();
    let server = Server::start(
        &[
            "--demo",
            "--database-url",
            &database,
            "--feed-url",
            &format!("http://127.0.0.1:{port}"),
            "--feed-start",
            &start,
            "--feed-delay",
            "1s",
            "--feed-requests-per-minute",
            "60",
        ],
        &[],
    );
    server
        .wait_for_health(ServingStatus::Serving, Duration::from_secs(20))
        .await;
    let key = server.demo_admin_key().expect("demo admin key");
    let started = Instant::now();
    let status = loop {
        let mut request = tonic::Request::new(pb::GetFeedStatusRequest {});
        request
            .metadata_mut()
            .insert("authorization", format!("Bearer {key}").parse().unwrap());
        let status = AdminServiceClient::new(server.channel().await)
            .get_feed_status(request)
            .await
            .expect("GetFeedStatus")
            .into_inner();
        // The two-minute backlog read, and caught up with the present.
        if status.items_applied >= 1000 && status.lag_seconds < 30 {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{status:?}\n{}",
            server.stderr().join("\n")
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let _ = sim.kill();
    let _ = sim.wait();
    assert!(status.enabled);
    // The simulator's transactions are consistent: nothing is rejected.
    assert_eq!(status.items_rejected, 0, "{status:?}");
}
