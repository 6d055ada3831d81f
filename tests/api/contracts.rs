use jobpay::proto::pb;
use tonic::Code;

use crate::on_both_backends;
use crate::support::{Backend, TestApp, as_profile, assert_error, assert_invalid};

async fn get_contract_returns_own_contract_in_any_status(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    // Contract 1 is terminated; its client and contractor still see it.
    for caller in [1, 5] {
        let contract = app
            .contracts()
            .get_contract(as_profile(caller, pb::GetContractRequest { id: 1 }))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(contract.id, 1);
        assert_eq!(contract.status(), pb::ContractStatus::Terminated);
        assert_eq!((contract.client_id, contract.contractor_id), (1, 5));
        assert_eq!(contract.terms, "bla bla bla");
        assert!(contract.create_time.is_some() && contract.update_time.is_some());
    }
}

async fn get_contract_hides_contracts_of_others(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    // Profile 2 is not a party of contract 1: same answer as for a contract
    // that does not exist.
    let outsider = app
        .contracts()
        .get_contract(as_profile(2, pb::GetContractRequest { id: 1 }))
        .await;
    let missing = app
        .contracts()
        .get_contract(as_profile(2, pb::GetContractRequest { id: 999 }))
        .await;
    let a = assert_error(outsider, Code::NotFound, "CONTRACT_NOT_FOUND");
    let b = assert_error(missing, Code::NotFound, "CONTRACT_NOT_FOUND");
    assert_eq!(
        a.message().replace('1', "N"),
        b.message().replace("999", "N")
    );
    for id in [0, -1] {
        assert_invalid(
            app.contracts()
                .get_contract(as_profile(2, pb::GetContractRequest { id }))
                .await,
            "id",
        );
    }
}

async fn list_contracts_returns_the_callers_non_terminated_contracts(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    for (caller, expected) in [
        (1, vec![2]),
        (6, vec![2, 3, 8]),
        (7, vec![4, 6, 7]),
        (3, vec![5, 6]),
        (5, vec![]),
    ] {
        let page = app
            .contracts()
            .list_contracts(as_profile(caller, pb::ListContractsRequest::default()))
            .await
            .unwrap()
            .into_inner();
        let ids: Vec<i64> = page.contracts.iter().map(|c| c.id).collect();
        assert_eq!(ids, expected, "profile {caller}");
        assert!(
            page.contracts
                .iter()
                .all(|c| c.status() != pb::ContractStatus::Terminated)
        );
        assert_eq!(page.next_page_token, "");
    }
}

async fn list_contracts_paginates(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    let mut ids = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let page = app
            .contracts()
            .list_contracts(as_profile(
                6,
                pb::ListContractsRequest {
                    page_size: 1,
                    page_token: token.clone(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        pages += 1;
        ids.extend(page.contracts.iter().map(|c| c.id));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(ids, vec![2, 3, 8]);
    assert_eq!(pages, 3);

    let list = async |page_size, page_token: &str| {
        app.contracts()
            .list_contracts(as_profile(
                6,
                pb::ListContractsRequest {
                    page_size,
                    page_token: page_token.to_owned(),
                },
            ))
            .await
    };
    assert_invalid(list(-1, "").await, "page_size");
    assert_invalid(list(10, "not a token").await, "page_token");
    // A token of another list is refused too.
    let jobs_page = app
        .jobs()
        .list_unpaid_jobs(as_profile(
            6,
            pb::ListUnpaidJobsRequest {
                page_size: 1,
                page_token: String::new(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(!jobs_page.next_page_token.is_empty());
    assert_invalid(list(10, &jobs_page.next_page_token).await, "page_token");
    // Above 1000 means 1000, not an error.
    assert_eq!(
        list(5000, "").await.unwrap().into_inner().contracts.len(),
        3
    );
}

async fn create_contract_by_a_client_starts_new(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    let contract = app
        .contracts()
        .create_contract(as_profile(
            1,
            pb::CreateContractRequest {
                contractor_id: 8,
                terms: "  build a castle  ".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(contract.id > 9, "ids continue after the seeded ones");
    assert_eq!(contract.status(), pb::ContractStatus::New);
    assert_eq!((contract.client_id, contract.contractor_id), (1, 8));
    assert_eq!(contract.terms, "build a castle");
    let fetched = app
        .contracts()
        .get_contract(as_profile(8, pb::GetContractRequest { id: contract.id }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(fetched, contract);
}

async fn create_contract_refuses_contractors_and_bad_counterparties(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    let create = async |caller, contractor_id, terms: &str| {
        app.contracts()
            .create_contract(as_profile(
                caller,
                pb::CreateContractRequest {
                    contractor_id,
                    terms: terms.to_owned(),
                    ..Default::default()
                },
            ))
            .await
    };
    assert_error(
        create(6, 7, "x").await,
        Code::PermissionDenied,
        "CALLER_NOT_CLIENT",
    );
    // A client, a missing profile and a non-positive id are not contractors.
    for contractor_id in [2, 999] {
        assert_invalid(create(1, contractor_id, "x").await, "contractor_id");
    }
    assert_invalid(create(1, 0, "x").await, "contractor_id");
    assert_invalid(create(1, 6, "").await, "terms");
    assert_invalid(create(1, 6, "   ").await, "terms");
    assert_invalid(create(1, 6, &"x".repeat(10_001)).await, "terms");
    // Nothing was created by the refused calls.
    let page = app
        .contracts()
        .list_contracts(as_profile(1, pb::ListContractsRequest::default()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.contracts.len(), 1);
}

async fn start_contract_only_by_its_contractor_from_new(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    let start = async |caller, id| {
        app.contracts()
            .start_contract(as_profile(caller, pb::StartContractRequest { id }))
            .await
    };
    // Contract 5: client 3, contractor 8, NEW.
    assert_error(start(3, 5).await, Code::PermissionDenied, "WRONG_PARTY");
    assert_error(start(1, 5).await, Code::NotFound, "CONTRACT_NOT_FOUND");
    assert_error(start(8, 999).await, Code::NotFound, "CONTRACT_NOT_FOUND");
    let started = start(8, 5).await.unwrap().into_inner();
    assert_eq!(started.status(), pb::ContractStatus::InProgress);
    let before = started.update_time.unwrap();
    assert!(before.seconds >= started.create_time.unwrap().seconds);
    // Only from NEW: not again, not from TERMINATED.
    let again = assert_error(
        start(8, 5).await,
        Code::FailedPrecondition,
        "INVALID_CONTRACT_TRANSITION",
    );
    assert!(again.message().contains("in_progress"), "{again:?}");
    assert_error(
        start(5, 1).await,
        Code::FailedPrecondition,
        "INVALID_CONTRACT_TRANSITION",
    );
}

async fn terminate_contract_by_either_party_once(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    let terminate = async |caller, id| {
        app.contracts()
            .terminate_contract(as_profile(caller, pb::TerminateContractRequest { id }))
            .await
    };
    // From IN_PROGRESS by the client, from NEW by the contractor.
    let by_client = terminate(1, 2).await.unwrap().into_inner();
    assert_eq!(by_client.status(), pb::ContractStatus::Terminated);
    let by_contractor = terminate(8, 5).await.unwrap().into_inner();
    assert_eq!(by_contractor.status(), pb::ContractStatus::Terminated);
    assert_error(
        terminate(1, 2).await,
        Code::FailedPrecondition,
        "INVALID_CONTRACT_TRANSITION",
    );
    assert_error(
        terminate(2, 4 + 5).await,
        Code::NotFound,
        "CONTRACT_NOT_FOUND",
    );
    // Its jobs stop being outstanding.
    let jobs = app
        .jobs()
        .list_unpaid_jobs(as_profile(1, pb::ListUnpaidJobsRequest::default()))
        .await
        .unwrap()
        .into_inner();
    assert!(jobs.jobs.is_empty());
    let contracts = app
        .contracts()
        .list_contracts(as_profile(1, pb::ListContractsRequest::default()))
        .await
        .unwrap()
        .into_inner();
    assert!(contracts.contracts.is_empty());
}

on_both_backends!(
    get_contract_returns_own_contract_in_any_status,
    get_contract_hides_contracts_of_others,
    list_contracts_returns_the_callers_non_terminated_contracts,
    list_contracts_paginates,
    create_contract_by_a_client_starts_new,
    create_contract_refuses_contractors_and_bad_counterparties,
    start_contract_only_by_its_contractor_from_new,
    terminate_contract_by_either_party_once,
);
