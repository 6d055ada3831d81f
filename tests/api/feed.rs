//! The upstream transaction feed against a fake upstream (the simulator's
//! scripted mode, a real HTTP server): every effect and rejection, exact
//! amounts, the rate limit never exceeded (the fake counts), failures
//! retried to an exact result, a worker stopped mid-way and restarted, and
//! two replicas with one ingesting.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use feed_sim::{Fault, SimItem, Upstream};
use jobpay::feed::{FeedMetrics, FeedSettings};
use jobpay::money::Currency;
use jobpay::proto::pb;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::on_both_backends;
use crate::support::{Backend, TestApp, as_admin, as_profile};

/// Requests per rate window, as the real upstream allows per minute.
const LIMIT: u32 = 5;
/// The time-scaled rate window: 5 requests per 2 s instead of per minute.
const WINDOW: Duration = Duration::from_secs(2);

/// A fixed instant in the past the items are placed after.
fn base() -> DateTime<Utc> {
    (Utc::now() - TimeDelta::minutes(30))
        .duration_trunc(TimeDelta::seconds(1))
        .unwrap()
}

fn item(base: DateTime<Utc>, at: i64, id: &str, user: &str, kind: &str, amount: &str) -> SimItem {
    SimItem {
        id: id.into(),
        user_id: user.into(),
        created_at: base + TimeDelta::seconds(at),
        kind: kind.into(),
        amount: amount.into(),
    }
}

/// The fake upstream on 127.0.0.1:0 and its base URL.
async fn upstream(items: Vec<SimItem>) -> (Arc<Upstream>, String) {
    let upstream = Arc::new(Upstream::scripted(items, LIMIT, WINDOW));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    feed_sim::spawn(Arc::clone(&upstream), listener);
    (upstream, url)
}

fn settings(url: &str, start: DateTime<Utc>, page_size: u32) -> FeedSettings {
    FeedSettings {
        url: url.into(),
        requests_per_minute: LIMIT,
        rate_window: WINDOW,
        page_size,
        currency: Currency::usd(),
        start: Some(start),
        delay: Duration::ZERO,
        timeout: Duration::from_secs(5),
    }
}

fn start_worker(
    store: &jobpay::store::Store,
    settings: FeedSettings,
) -> (JoinHandle<()>, Arc<FeedMetrics>) {
    let metrics = Arc::new(FeedMetrics::default());
    let worker =
        jobpay::feed::spawn(store.clone(), settings, Arc::clone(&metrics)).expect("feed starts");
    (worker, metrics)
}

async fn status(app: &TestApp) -> pb::FeedStatus {
    app.admin()
        .get_feed_status(as_admin(pb::GetFeedStatusRequest {}))
        .await
        .expect("GetFeedStatus")
        .into_inner()
}

/// Waits (bounded: a safety net, not a speed assertion) until `handled`
/// items were applied, rejected or skipped, and the cursor passed `after`.
async fn wait_for(app: &TestApp, handled: i64, after: DateTime<Utc>) -> pb::FeedStatus {
    for _ in 0..1200 {
        let status = status(app).await;
        let seen = status.items_applied + status.items_rejected + status.items_duplicate;
        let cursor = status.cursor_time.map(|t| t.seconds).unwrap_or_default();
        if seen >= handled && cursor > after.timestamp() {
            assert_eq!(seen, handled, "more items handled than sent: {status:?}");
            return status;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the feed did not catch up: {:?}", status(app).await);
}

async fn items(app: &TestApp, state: pb::FeedItemState) -> Vec<pb::FeedItem> {
    let mut all = Vec::new();
    let mut token = String::new();
    loop {
        let page = app
            .admin()
            .list_feed_items(as_admin(pb::ListFeedItemsRequest {
                state: state.into(),
                page_size: 1,
                page_token: token.clone(),
            }))
            .await
            .expect("ListFeedItems")
            .into_inner();
        all.extend(page.items);
        if page.next_page_token.is_empty() {
            return all;
        }
        token = page.next_page_token;
    }
}

/// Profile id of a feed user (external_id), from ListProfiles.
async fn profiles_by_user(app: &TestApp) -> BTreeMap<String, pb::Profile> {
    let profiles = app
        .admin()
        .list_profiles(as_admin(pb::ListProfilesRequest {
            page_size: 1000,
            ..Default::default()
        }))
        .await
        .expect("ListProfiles")
        .into_inner()
        .profiles;
    profiles
        .into_iter()
        .filter(|p| !p.external_id.is_empty())
        .map(|p| (p.external_id.clone(), p))
        .collect()
}

async fn summary(app: &TestApp, profile_id: i64) -> pb::BalanceSummary {
    app.balances()
        .get_balance_summary(as_profile(
            profile_id,
            pb::GetBalanceSummaryRequest::default(),
        ))
        .await
        .expect("GetBalanceSummary")
        .into_inner()
}

async fn every_effect_and_rejection(backend: Backend) {
    let app = TestApp::empty(backend).await;
    // A member known before the feed, by its external_id.
    let known = app
        .admin()
        .create_profile(as_admin(pb::CreateProfileRequest {
            first_name: "Known".into(),
            last_name: "Member".into(),
            profession: "Tester".into(),
            r#type: pb::ProfileType::Contractor.into(),
            external_id: "u-known".into(),
        }))
        .await
        .expect("CreateProfile")
        .into_inner()
        .id;
    let b = base();
    let script = vec![
        item(b, 1, "t01", "u1", "earned", "100"),
        item(b, 2, "t02", "u1", "spent", "30.5"),
        item(b, 3, "t03", "u1", "payout", "50.00"),
        // Available is 19.50 now: 100 - 30.50 spent - 50 held.
        item(b, 4, "t04", "u1", "spent", "30"),
        item(b, 5, "t05", "u1", "paid_out", "50"),
        item(b, 6, "t06", "u1", "paid_out", "7"),
        item(b, 7, "t07", "u2", "earned", "12.345"),
        item(b, 8, "t08", "u2", "gift", "1"),
        item(b, 9, "t09", "u2", "earned", "\"5\""),
        item(b, 10, "t10", "u2", "earned", "-5"),
        item(b, 11, "t01", "u1", "earned", "100"),
        item(b, 12, "t12", "u-known", "earned", "0.1e2"),
        item(b, 13, "t13", "u2", "earned", "0.1"),
        item(b, 14, "t14", "u2", "payout", "0.2"),
        item(b, 15, "t15", "u2", "earned", "0.2"),
        item(b, 16, "t16", "u2", "payout", "0.2"),
        item(b, 17, "t17", "u2", "paid_out", "0.2"),
    ];
    let (_upstream, url) = upstream(script).await;
    let (worker, _) = start_worker(&app.store, settings(&url, b, 4));
    let status = wait_for(&app, 17, b + TimeDelta::seconds(17)).await;
    worker.abort();

    assert_eq!(
        (
            status.items_applied,
            status.items_rejected,
            status.items_duplicate
        ),
        (9, 7, 1),
        "{status:?}"
    );
    assert!(status.last_error.is_empty());
    assert!(status.last_success_time.is_some());

    let users = profiles_by_user(&app).await;
    let u1 = &users["u1"];
    assert_eq!(u1.r#type, i32::from(pb::ProfileType::Contractor));
    assert_eq!(u1.last_name, "u1");
    assert_eq!(users["u-known"].id, known);

    let s1 = summary(&app, u1.id).await;
    assert_eq!(
        (s1.balance.as_str(), s1.held.as_str(), s1.available.as_str()),
        ("19.50", "0.00", "19.50")
    );
    assert_eq!(
        (s1.earned.as_str(), s1.spent.as_str(), s1.paid_out.as_str()),
        ("100.00", "30.50", "50.00")
    );
    let s_known = summary(&app, known).await;
    assert_eq!(s_known.earned, "10.00");
    // u2: 0.1 + 0.2 earned exactly; a 0.2 payout refused while only 0.1
    // was available, the second one requested and paid out.
    let s2 = summary(&app, users["u2"].id).await;
    assert_eq!(
        (s2.balance.as_str(), s2.held.as_str(), s2.available.as_str()),
        ("0.10", "0.00", "0.10")
    );
    assert_eq!((s2.earned.as_str(), s2.paid_out.as_str()), ("0.30", "0.20"));

    // The payout asked for upstream remembers its item.
    let payouts = app
        .payouts()
        .list_payouts(as_profile(u1.id, pb::ListPayoutsRequest::default()))
        .await
        .expect("ListPayouts")
        .into_inner()
        .payouts;
    assert_eq!(payouts.len(), 1);
    assert_eq!(payouts[0].external_id, "t03");
    assert_eq!(payouts[0].state, i32::from(pb::PayoutState::PaidOut));

    let rejected: Vec<(String, String, String)> = items(&app, pb::FeedItemState::Rejected)
        .await
        .into_iter()
        .map(|i| (i.id, i.reason, i.amount))
        .collect();
    let expected = [
        ("t04", "INSUFFICIENT_FUNDS", "30.00"),
        ("t06", "NO_MATCHING_PAYOUT", "7.00"),
        ("t07", "AMOUNT_INVALID", "12.345"),
        ("t08", "TYPE_UNKNOWN", "1.00"),
        ("t09", "AMOUNT_INVALID", "\"5\""),
        ("t10", "AMOUNT_INVALID", "-5"),
        ("t14", "INSUFFICIENT_FUNDS", "0.20"),
    ]
    .map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()));
    assert_eq!(rejected, expected);
    let applied = items(&app, pb::FeedItemState::Applied).await;
    assert_eq!(applied.len(), 9);
    assert_eq!(applied[0].id, "t01");
    assert_eq!(applied[0].amount, "100.00");
    assert_eq!(applied[0].currency_code, "USD");
    assert_eq!(applied[0].profile_id, u1.id);
    assert_eq!(
        applied[0].create_time.as_ref().unwrap().seconds,
        (b + TimeDelta::seconds(1)).timestamp()
    );
    let all = items(&app, pb::FeedItemState::Unspecified).await;
    assert_eq!(all.len(), 16, "a duplicate is counted, not stored twice");

    // The ledger holds exactly the feed's entries, and the audit is clean.
    assert!(app.audit().await.passed());

    // A bad filter is a clear INVALID_ARGUMENT.
    let bad = app
        .admin()
        .list_feed_items(as_admin(pb::ListFeedItemsRequest {
            state: 99,
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert_eq!(bad.code(), tonic::Code::InvalidArgument);
    // Without the admin key, nothing.
    let anonymous = app
        .admin()
        .get_feed_status(tonic::Request::new(pb::GetFeedStatusRequest {}))
        .await
        .unwrap_err();
    assert_eq!(anonymous.code(), tonic::Code::Unauthenticated);
}

/// Amounts and users for a generated-looking script: `count` items over
/// `users` users, all applicable (earned, then spent less than earned).
fn busy_script(
    b: DateTime<Utc>,
    count: usize,
    users: usize,
) -> (Vec<SimItem>, BTreeMap<String, i64>) {
    let mut script = Vec::new();
    let mut cents: BTreeMap<String, i64> = BTreeMap::new();
    for i in 0..count {
        let user = format!("user-{}", i % users);
        let round = i / users;
        let (kind, amount) = if round % 3 == 2 {
            ("spent", 100 + i as i64)
        } else {
            ("earned", 1000 + 7 * i as i64)
        };
        let balance = cents.entry(user.clone()).or_default();
        *balance += if kind == "earned" { amount } else { -amount };
        script.push(SimItem {
            id: format!("x{i:05}"),
            user_id: user,
            created_at: b + TimeDelta::milliseconds(250 * i as i64),
            kind: kind.into(),
            amount: format!("{}.{:02}", amount / 100, amount % 100),
        });
    }
    (script, cents)
}

async fn assert_balances(app: &TestApp, expected: &BTreeMap<String, i64>) {
    let users = profiles_by_user(app).await;
    assert_eq!(users.len(), expected.len());
    for (user, cents) in expected {
        let balance = app.balance(users[user].id).await;
        assert_eq!(
            balance,
            format!("{}.{:02}", cents / 100, cents % 100),
            "{user}"
        );
    }
}

async fn rate_limit_holds_through_failures(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let b = base();
    let (script, expected) = busy_script(b, 24, 4);
    let (upstream, url) = upstream(script).await;
    upstream.push_fault(Fault::ServerError);
    upstream.push_fault(Fault::Malformed);
    upstream.push_fault(Fault::TooManyRequests {
        retry_after_secs: 1,
    });
    upstream.push_fault(Fault::ServerError);
    upstream.push_fault(Fault::Delay(Duration::from_secs(3)));
    let mut settings = settings(&url, b, 3);
    settings.timeout = Duration::from_millis(500);
    let (worker, metrics) = start_worker(&app.store, settings);
    let status = wait_for(&app, 24, b + TimeDelta::seconds(7)).await;
    worker.abort();

    assert_eq!(
        (
            status.items_applied,
            status.items_rejected,
            status.items_duplicate
        ),
        (24, 0, 0)
    );
    assert!(status.last_error.is_empty(), "{status:?}");
    // 8 pages and 5 failures: every request was counted, none beyond
    // the limit in any window, and the only 429 was the injected one.
    let requests = upstream.requests();
    assert!(requests.len() >= 13, "{}", requests.len());
    assert_eq!(status.requests as usize, requests.len());
    assert!(
        upstream.max_in_any_window() <= LIMIT as usize,
        "{}",
        upstream.max_in_any_window()
    );
    assert_eq!(requests.iter().filter(|r| r.status == 429).count(), 1);
    let mut rendered = String::new();
    metrics.render(&mut rendered);
    assert!(
        rendered.contains("jobpay_feed_requests_total{outcome=\"server_error\"} 2"),
        "{rendered}"
    );
    assert!(rendered.contains("jobpay_feed_requests_total{outcome=\"malformed\"} 1"));
    assert!(rendered.contains("jobpay_feed_requests_total{outcome=\"rate_limited\"} 1"));
    assert!(
        rendered.contains("jobpay_feed_requests_total{outcome=\"timeout\"} 1"),
        "{rendered}"
    );
    assert!(rendered.contains("jobpay_feed_items_total{state=\"applied\"} 24"));
    assert_balances(&app, &expected).await;
    assert!(app.audit().await.passed());
}

async fn a_stopped_worker_resumes_exactly(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let b = base();
    let (script, expected) = busy_script(b, 60, 5);
    let (_upstream, url) = upstream(script).await;
    // Stopped (the task dropped mid-flight, as a crash would) several
    // times; each restart continues from the stored cursor.
    for round in 0..4 {
        let (worker, _) = start_worker(&app.store, settings(&url, b, 5));
        tokio::time::sleep(Duration::from_millis(300 + 170 * round)).await;
        worker.abort();
        let _ = worker.await;
    }
    let (worker, _) = start_worker(&app.store, settings(&url, b, 5));
    let status = wait_for(&app, 60, b + TimeDelta::seconds(15)).await;
    worker.abort();
    assert_eq!(
        (
            status.items_applied,
            status.items_rejected,
            status.items_duplicate
        ),
        (60, 0, 0)
    );
    assert_balances(&app, &expected).await;
    assert!(app.audit().await.passed());
}

on_both_backends!(
    every_effect_and_rejection,
    rate_limit_holds_through_failures,
    a_stopped_worker_resumes_exactly,
);

/// Two replicas on one PostgreSQL database: one ingests, the other
/// waits; when the ingesting one dies, the other takes over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_one_ingests() {
    let app = TestApp::empty(Backend::Postgres).await;
    let second = app.second_replica().await;
    let b = base();
    let (script, mut expected) = busy_script(b, 30, 3);
    let (upstream, url) = upstream(script).await;
    let (first_worker, first) = start_worker(&app.store, settings(&url, b, 5));
    let (second_worker, other) = start_worker(&second.store, settings(&url, b, 5));
    wait_for(&app, 30, b + TimeDelta::seconds(7)).await;
    let leaders = [&first, &other]
        .iter()
        .filter(|m| {
            let mut text = String::new();
            m.render(&mut text);
            text.lines().any(|line| line == "jobpay_feed_leader 1")
        })
        .count();
    let texts: Vec<String> = [&first, &other]
        .iter()
        .map(|m| {
            let mut text = String::new();
            m.render(&mut text);
            text
        })
        .collect();
    assert_eq!(leaders, 1, "exactly one replica ingests: {texts:#?}");
    assert_balances(&app, &expected).await;

    // The ingesting replica dies; the other picks up new items.
    let mut first_text = String::new();
    first.render(&mut first_text);
    let (dead, survivor) = if first_text
        .lines()
        .any(|line| line == "jobpay_feed_leader 1")
    {
        (first_worker, second_worker)
    } else {
        (second_worker, first_worker)
    };
    dead.abort();
    let now = Utc::now().duration_trunc(TimeDelta::seconds(1)).unwrap();
    upstream.add_items(vec![item(now, 1, "late-1", "user-0", "earned", "1.00")]);
    *expected.get_mut("user-0").unwrap() += 100;
    wait_for(&app, 31, now + TimeDelta::seconds(1)).await;
    survivor.abort();
    assert_balances(&app, &expected).await;
    assert!(app.audit().await.passed());
}
