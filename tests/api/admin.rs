use jobpay::proto::pb;
use tonic::Code;

use crate::on_both_backends;
use crate::support::{Backend, TestApp, as_admin, assert_error, assert_invalid};

async fn best_profession(
    app: &TestApp,
    start: &str,
    end: &str,
) -> Result<(String, String), tonic::Status> {
    app.admin()
        .get_best_profession(as_admin(pb::GetBestProfessionRequest {
            start: start.into(),
            end: end.into(),
            ..Default::default()
        }))
        .await
        .map(|r| {
            let r = r.into_inner();
            (r.profession, r.earned)
        })
}

async fn best_clients(
    app: &TestApp,
    start: &str,
    end: &str,
    limit: i32,
) -> Result<Vec<(i64, String, String)>, tonic::Status> {
    app.admin()
        .list_best_clients(as_admin(pb::ListBestClientsRequest {
            start: start.into(),
            end: end.into(),
            limit,
            ..Default::default()
        }))
        .await
        .map(|r| {
            r.into_inner()
                .clients
                .into_iter()
                .map(|c| (c.id, c.full_name, c.paid))
                .collect()
        })
}

fn owned(rows: &[(i64, &str, &str)]) -> Vec<(i64, String, String)> {
    rows.iter()
        .map(|(id, name, paid)| (*id, name.to_string(), paid.to_string()))
        .collect()
}

async fn best_profession_sums_paid_jobs_in_range(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    let best = |s: &'static str, e: &'static str| best_profession(&app, s, e);
    assert_eq!(
        best("2020-08-10", "2020-08-17").await.unwrap(),
        ("Programmer".into(), "2683.00".into())
    );
    // A date end includes its whole day; a date start begins at midnight.
    assert_eq!(
        best("2020-08-10", "2020-08-10").await.unwrap(),
        ("Musician".into(), "21.00".into())
    );
    // Instants are inclusive bounds: only job 14 was paid at this instant.
    assert_eq!(
        best("2020-08-14T23:11:26.737Z", "2020-08-14T23:11:26.737Z")
            .await
            .unwrap(),
        ("Programmer".into(), "121.00".into())
    );
    assert_eq!(
        best("2020-08-15T01:11:26.737+02:00", "2020-08-15T00:00:00Z")
            .await
            .unwrap(),
        ("Programmer".into(), "121.00".into())
    );
    // Musician and Fighter both earned 200.00 on the 17th: alphabetical.
    assert_eq!(
        best("2020-08-17", "2020-08-17").await.unwrap(),
        ("Fighter".into(), "200.00".into())
    );
    assert_error(
        best("2021-01-01", "2021-12-31").await,
        Code::NotFound,
        "NO_PAID_JOBS",
    );
    // A payment made now counts in today's range.
    app.jobs()
        .pay_job(crate::support::as_profile(
            2,
            pb::PayJobRequest {
                job_id: 3,
                request_id: String::new(),
            },
        ))
        .await
        .unwrap();
    let today = chrono::Utc::now().date_naive().to_string();
    assert_eq!(
        best_profession(&app, &today, &today).await.unwrap(),
        ("Programmer".into(), "202.00".into())
    );
}

async fn report_ranges_are_validated(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    for (start, end, field) in [
        ("", "2020-08-17", "start"),
        ("2020-08-10", "", "end"),
        ("2020-02-30", "2020-08-17", "start"),
        ("2020-08-10", "tomorrow", "end"),
        ("2020-08-10T25:00:00Z", "2020-08-17", "start"),
        ("2020-08-18", "2020-08-17", "start"),
        ("2020-08-17T00:00:01Z", "2020-08-17T00:00:00Z", "start"),
    ] {
        assert_invalid(best_profession(&app, start, end).await, field);
        assert_invalid(best_clients(&app, start, end, 0).await, field);
    }
    // An instant without a zone gets told how to add one.
    let status = assert_invalid(
        best_profession(&app, "2020-08-10T00:00:00", "2020-08-17").await,
        "start",
    );
    assert!(status.message().contains("has no time zone"), "{status:?}");
}

async fn best_clients_ranks_by_total_paid(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    // Default limit is 2; ties (clients 1 and 2 paid 442.00 each) by id.
    assert_eq!(
        best_clients(&app, "2020-08-10", "2020-08-17", 0)
            .await
            .unwrap(),
        owned(&[(4, "Ash Kethcum", "2020.00"), (1, "Harry Potter", "442.00")])
    );
    assert_eq!(
        best_clients(&app, "2020-08-10", "2020-08-17", 10)
            .await
            .unwrap(),
        owned(&[
            (4, "Ash Kethcum", "2020.00"),
            (1, "Harry Potter", "442.00"),
            (2, "Mr Robot", "442.00"),
            (3, "John Snow", "200.00"),
        ])
    );
    assert_eq!(
        best_clients(&app, "2020-08-16", "2020-08-17", 1)
            .await
            .unwrap(),
        owned(&[(1, "Harry Potter", "200.00")])
    );
    assert_eq!(
        best_clients(&app, "2021-01-01", "2021-01-31", 5)
            .await
            .unwrap(),
        vec![]
    );
    for limit in [-1, 1001] {
        assert_invalid(
            best_clients(&app, "2020-08-10", "2020-08-17", limit).await,
            "limit",
        );
    }
}

async fn create_profile_starts_with_a_zero_balance(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    let profile = app
        .admin()
        .create_profile(as_admin(pb::CreateProfileRequest {
            first_name: "Ada".into(),
            last_name: "Lovelace".into(),
            profession: "Mathematician".into(),
            r#type: pb::ProfileType::Contractor.into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(profile.id > 8);
    assert_eq!(profile.balance, "0.00");
    assert_eq!(profile.r#type(), pb::ProfileType::Contractor);
    assert!(profile.create_time.is_some());
    assert_eq!(app.balance(profile.id).await, "0.00");

    let status = assert_invalid(
        app.admin()
            .create_profile(as_admin(pb::CreateProfileRequest {
                first_name: " ".into(),
                last_name: String::new(),
                profession: "x".into(),
                r#type: 0,
                ..Default::default()
            }))
            .await,
        "first_name",
    );
    use tonic_types::StatusExt;
    let fields: Vec<String> = status
        .get_details_bad_request()
        .unwrap()
        .field_violations
        .into_iter()
        .map(|v| v.field)
        .collect();
    assert_eq!(fields, vec!["first_name", "last_name", "type"]);
    assert_invalid(
        app.admin()
            .create_profile(as_admin(pb::CreateProfileRequest {
                first_name: "A".into(),
                last_name: "B".into(),
                profession: "C".into(),
                r#type: 7,
                ..Default::default()
            }))
            .await,
        "type",
    );
}

on_both_backends!(
    best_profession_sums_paid_jobs_in_range,
    report_ranges_are_validated,
    best_clients_ranks_by_total_paid,
    create_profile_starts_with_a_zero_balance,
);
