use jobpay::proto::pb;
use tonic::Code;

use crate::on_both_backends;
use crate::support::{Backend, TestApp, as_profile, assert_error, assert_invalid};

async fn unpaid(app: &TestApp, caller: i64) -> Vec<i64> {
    app.jobs()
        .list_unpaid_jobs(as_profile(caller, pb::ListUnpaidJobsRequest::default()))
        .await
        .unwrap()
        .into_inner()
        .jobs
        .iter()
        .map(|j| j.id)
        .collect()
}

async fn list_unpaid_jobs_returns_outstanding_jobs_of_either_role(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    // Job 1 is unpaid but its contract is terminated: not outstanding.
    assert_eq!(unpaid(&app, 1).await, vec![2]);
    assert_eq!(unpaid(&app, 2).await, vec![3, 4]);
    assert_eq!(unpaid(&app, 3).await, Vec::<i64>::new());
    assert_eq!(unpaid(&app, 4).await, vec![5]);
    assert_eq!(unpaid(&app, 5).await, Vec::<i64>::new());
    assert_eq!(unpaid(&app, 6).await, vec![2, 3]);
    assert_eq!(unpaid(&app, 7).await, vec![4, 5]);
    let page = app
        .jobs()
        .list_unpaid_jobs(as_profile(6, pb::ListUnpaidJobsRequest::default()))
        .await
        .unwrap()
        .into_inner();
    let job = &page.jobs[0];
    assert_eq!(job.price, "201.00");
    assert!(!job.paid);
    assert_eq!(job.payment_time, None);
    assert_eq!(job.contract_id, 2);
}

async fn list_unpaid_jobs_paginates(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    let list = async |page_size, page_token: String| {
        app.jobs()
            .list_unpaid_jobs(as_profile(
                7,
                pb::ListUnpaidJobsRequest {
                    page_size,
                    page_token,
                },
            ))
            .await
    };
    let first = list(1, String::new()).await.unwrap().into_inner();
    assert_eq!(first.jobs.iter().map(|j| j.id).collect::<Vec<_>>(), vec![4]);
    let second = list(1, first.next_page_token).await.unwrap().into_inner();
    assert_eq!(
        second.jobs.iter().map(|j| j.id).collect::<Vec<_>>(),
        vec![5]
    );
    assert_eq!(second.next_page_token, "");
    assert_invalid(list(-5, String::new()).await, "page_size");
    assert_invalid(list(1, "%%%".into()).await, "page_token");
}

async fn create_job_by_either_party_on_a_live_contract(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    let create = async |caller, contract_id, description: &str, price: &str| {
        app.jobs()
            .create_job(as_profile(
                caller,
                pb::CreateJobRequest {
                    contract_id,
                    description: description.to_owned(),
                    price: price.to_owned(),
                },
            ))
            .await
    };
    // Client on an IN_PROGRESS contract, contractor on a NEW one.
    let job = create(1, 2, "paint the fence", "99.5")
        .await
        .unwrap()
        .into_inner();
    assert_eq!(job.price, "99.50");
    assert_eq!(job.contract_id, 2);
    assert!(!job.paid && job.payment_time.is_none());
    assert!(job.id > 14, "ids continue after the seeded ones");
    let on_new = create(8, 5, "sharpen the sword", "10").await.unwrap();
    assert_eq!(on_new.into_inner().price, "10.00");
    assert_eq!(unpaid(&app, 1).await, vec![2, job.id]);

    assert_error(
        create(1, 1, "x", "1").await,
        Code::FailedPrecondition,
        "CONTRACT_TERMINATED",
    );
    assert_error(
        create(2, 2, "x", "1").await,
        Code::NotFound,
        "CONTRACT_NOT_FOUND",
    );
    assert_error(
        create(1, 999, "x", "1").await,
        Code::NotFound,
        "CONTRACT_NOT_FOUND",
    );
    for bad_price in [
        "0",
        "0.00",
        "-1",
        "1.234",
        "abc",
        "",
        " 1",
        "1e3",
        "92233720368547758.08",
    ] {
        assert_invalid(create(1, 2, "x", bad_price).await, "price");
    }
    assert_invalid(create(1, 2, "", "1").await, "description");
    assert_invalid(create(1, 0, "x", "1").await, "contract_id");
    assert_eq!(
        unpaid(&app, 1).await,
        vec![2, job.id],
        "nothing else created"
    );
}

async fn pay_job_moves_the_price_atomically(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    let paid = app
        .jobs()
        .pay_job(as_profile(
            1,
            pb::PayJobRequest {
                job_id: 2,
                request_id: String::new(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(paid.client_balance, "949.00");
    let job = paid.job.unwrap();
    assert!(job.paid);
    assert_eq!(job.id, 2);
    assert_eq!(job.price, "201.00");
    assert!(job.payment_time.is_some());
    assert_eq!(app.balance(1).await, "949.00");
    assert_eq!(app.balance(6).await, "1415.00");
    assert_eq!(unpaid(&app, 1).await, Vec::<i64>::new());

    // One ledger entry, seen by both sides.
    let entries = app
        .balances()
        .list_ledger_entries(as_profile(6, pb::ListLedgerEntriesRequest::default()))
        .await
        .unwrap()
        .into_inner()
        .entries;
    let payment = &entries[0];
    assert_eq!(payment.kind(), pb::LedgerEntryKind::JobPayment);
    assert_eq!(
        (payment.debit_profile_id, payment.credit_profile_id),
        (1, 6)
    );
    assert_eq!(payment.amount, "201.00");
    assert_eq!(payment.job_id, 2);
    assert_eq!(payment.debit_balance_after, "949.00");
    assert_eq!(payment.credit_balance_after, "1415.00");
    assert!(app.audit().await.passed());
}

async fn pay_job_refusals_move_nothing(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    let pay = async |caller, job_id| {
        app.jobs()
            .pay_job(as_profile(
                caller,
                pb::PayJobRequest {
                    job_id,
                    request_id: String::new(),
                },
            ))
            .await
    };
    assert_error(pay(2, 2).await, Code::NotFound, "JOB_NOT_FOUND");
    assert_error(pay(1, 999).await, Code::NotFound, "JOB_NOT_FOUND");
    assert_error(pay(6, 2).await, Code::PermissionDenied, "WRONG_PARTY");
    assert_error(
        pay(1, 7).await,
        Code::FailedPrecondition,
        "JOB_ALREADY_PAID",
    );
    assert_error(
        pay(1, 1).await,
        Code::FailedPrecondition,
        "CONTRACT_NOT_ACTIVE",
    );
    let poor = assert_error(
        pay(4, 5).await,
        Code::FailedPrecondition,
        "INSUFFICIENT_FUNDS",
    );
    assert!(poor.message().contains("1.30"), "{poor:?}");
    assert_invalid(pay(1, 0).await, "job_id");
    // A NEW contract is not active either.
    let job = app
        .jobs()
        .create_job(as_profile(
            3,
            pb::CreateJobRequest {
                contract_id: 5,
                description: "x".into(),
                price: "1".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_error(
        pay(3, job.id).await,
        Code::FailedPrecondition,
        "CONTRACT_NOT_ACTIVE",
    );
    for (profile, balance) in [(1, "1150.00"), (4, "1.30"), (6, "1214.00"), (7, "22.00")] {
        assert_eq!(app.balance(profile).await, balance);
    }
    assert_eq!(unpaid(&app, 4).await, vec![5]);
    assert!(app.audit().await.passed());
}

on_both_backends!(
    list_unpaid_jobs_returns_outstanding_jobs_of_either_role,
    list_unpaid_jobs_paginates,
    create_job_by_either_party_on_a_live_contract,
    pay_job_moves_the_price_atomically,
    pay_job_refusals_move_nothing,
);
