use jobpay::auth::AdminKey;
use jobpay::proto::pb;
use tonic::{Code, Request};

use crate::on_both_backends;
use crate::support::{
    ADMIN_KEY, Backend, TestApp, as_admin, as_profile, assert_error, with_bearer,
    with_profile_header,
};

/// Every caller-scoped method answers UNAUTHENTICATED, with the reason, for
/// a missing, malformed or unknown `profile_id`.
async fn caller_identity_is_required_everywhere(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    let cases: [(&str, Option<&str>); 5] = [
        ("MISSING_PROFILE_ID", None),
        ("MALFORMED_PROFILE_ID", Some("abc")),
        ("MALFORMED_PROFILE_ID", Some("-1")),
        ("MALFORMED_PROFILE_ID", Some("1 ")),
        ("UNKNOWN_PROFILE", Some("999")),
    ];
    for (reason, header) in cases {
        fn build<T>(header: Option<&str>, message: T) -> Request<T> {
            match header {
                Some(value) => with_profile_header(value, message),
                None => Request::new(message),
            }
        }
        let check = |result: Result<(), tonic::Status>| {
            assert_error(result, Code::Unauthenticated, reason);
        };
        check(
            app.contracts()
                .get_contract(build(header, pb::GetContractRequest { id: 1 }))
                .await
                .map(drop),
        );
        check(
            app.contracts()
                .list_contracts(build(header, pb::ListContractsRequest::default()))
                .await
                .map(drop),
        );
        check(
            app.contracts()
                .create_contract(build(
                    header,
                    pb::CreateContractRequest {
                        contractor_id: 6,
                        terms: "x".into(),
                        ..Default::default()
                    },
                ))
                .await
                .map(drop),
        );
        check(
            app.contracts()
                .start_contract(build(header, pb::StartContractRequest { id: 5 }))
                .await
                .map(drop),
        );
        check(
            app.contracts()
                .terminate_contract(build(header, pb::TerminateContractRequest { id: 2 }))
                .await
                .map(drop),
        );
        check(
            app.jobs()
                .list_unpaid_jobs(build(header, pb::ListUnpaidJobsRequest::default()))
                .await
                .map(drop),
        );
        check(
            app.jobs()
                .create_job(build(
                    header,
                    pb::CreateJobRequest {
                        contract_id: 2,
                        description: "x".into(),
                        price: "1".into(),
                    },
                ))
                .await
                .map(drop),
        );
        check(
            app.jobs()
                .pay_job(build(
                    header,
                    pb::PayJobRequest {
                        job_id: 2,
                        request_id: String::new(),
                    },
                ))
                .await
                .map(drop),
        );
        check(
            app.balances()
                .get_balance(build(header, pb::GetBalanceRequest::default()))
                .await
                .map(drop),
        );
        check(
            app.balances()
                .deposit(build(
                    header,
                    pb::DepositRequest {
                        profile_id: 1,
                        amount: "1".into(),
                        request_id: String::new(),
                        ..Default::default()
                    },
                ))
                .await
                .map(drop),
        );
        check(
            app.balances()
                .withdraw(build(
                    header,
                    pb::WithdrawRequest {
                        amount: "1".into(),
                        request_id: String::new(),
                        ..Default::default()
                    },
                ))
                .await
                .map(drop),
        );
        check(
            app.balances()
                .transfer(build(
                    header,
                    pb::TransferRequest {
                        to_profile_id: 2,
                        amount: "1".into(),
                        request_id: String::new(),
                        ..Default::default()
                    },
                ))
                .await
                .map(drop),
        );
        check(
            app.balances()
                .list_ledger_entries(build(header, pb::ListLedgerEntriesRequest::default()))
                .await
                .map(drop),
        );
    }
    // Nothing moved.
    assert!(app.audit().await.passed());
    assert_eq!(app.balance(1).await, "1150.00");
}

async fn admin_calls_need_the_admin_key(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    let range = || pb::GetBestProfessionRequest {
        start: "2020-01-01".into(),
        end: "2020-12-31".into(),
        ..Default::default()
    };
    assert_error(
        app.admin().get_best_profession(Request::new(range())).await,
        Code::Unauthenticated,
        "MISSING_ADMIN_KEY",
    );
    assert_error(
        app.admin()
            .get_best_profession(with_bearer("wrong", range()))
            .await,
        Code::Unauthenticated,
        "WRONG_ADMIN_KEY",
    );
    // A key sent without its scheme: the same reason, a message that says
    // what is missing.
    let mut without_bearer = Request::new(range());
    without_bearer
        .metadata_mut()
        .insert("authorization", ADMIN_KEY.parse().unwrap());
    let status = assert_error(
        app.admin().get_best_profession(without_bearer).await,
        Code::Unauthenticated,
        "MISSING_ADMIN_KEY",
    );
    assert!(
        status.message().contains("must be `Bearer <admin key>`"),
        "{status:?}"
    );
    // A caller profile is not an admin.
    assert_error(
        app.admin()
            .get_best_profession(as_profile(1, range()))
            .await,
        Code::Unauthenticated,
        "MISSING_ADMIN_KEY",
    );
    assert_error(
        app.admin()
            .create_profile(with_bearer("wrong", pb::CreateProfileRequest::default()))
            .await,
        Code::Unauthenticated,
        "WRONG_ADMIN_KEY",
    );
    assert_error(
        app.admin()
            .list_best_clients(with_bearer("", pb::ListBestClientsRequest::default()))
            .await,
        Code::Unauthenticated,
        "MISSING_ADMIN_KEY",
    );
    assert!(
        app.admin()
            .get_best_profession(as_admin(range()))
            .await
            .is_ok()
    );
}

async fn admin_calls_are_refused_without_a_configured_key(backend: Backend) {
    let app = TestApp::with_admin_key(backend, AdminKey::disabled()).await;
    assert_error(
        app.admin()
            .create_profile(as_admin(pb::CreateProfileRequest {
                first_name: "A".into(),
                last_name: "B".into(),
                profession: "C".into(),
                r#type: pb::ProfileType::Client.into(),
                ..Default::default()
            }))
            .await,
        Code::Unauthenticated,
        "ADMIN_DISABLED",
    );
}

on_both_backends!(
    caller_identity_is_required_everywhere,
    admin_calls_need_the_admin_key,
    admin_calls_are_refused_without_a_configured_key,
);
