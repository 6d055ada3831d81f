//! Health checks and server reflection, as grpcurl, buf curl and Kubernetes
//! probes use them.

use jobpay::proto::pb;
use tokio_stream::StreamExt;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use crate::on_both_backends;
use crate::support::{Backend, TestApp, as_profile};

async fn health_is_serving_overall_and_per_service(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let mut health = HealthClient::new(app.channel());
    for service in [
        "",
        "jobpay.v1.ContractService",
        "jobpay.v1.JobService",
        "jobpay.v1.BalanceService",
        "jobpay.v1.AdminService",
    ] {
        let response = health
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(response.status(), ServingStatus::Serving, "{service:?}");
    }
    let unknown = health
        .check(HealthCheckRequest {
            service: "nope.v1.Nothing".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), tonic::Code::NotFound);
}

async fn reflection_v1_and_v1alpha_describe_the_api(backend: Backend) {
    let app = TestApp::empty(backend).await;
    {
        use tonic_reflection::pb::v1::ServerReflectionRequest;
        use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
        use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
        use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
        let mut client = ServerReflectionClient::new(app.channel());
        let requests = tokio_stream::iter(vec![
            ServerReflectionRequest {
                host: String::new(),
                message_request: Some(MessageRequest::ListServices(String::new())),
            },
            ServerReflectionRequest {
                host: String::new(),
                message_request: Some(MessageRequest::FileContainingSymbol(
                    "jobpay.v1.JobService".into(),
                )),
            },
        ]);
        let mut responses = client
            .server_reflection_info(requests)
            .await
            .unwrap()
            .into_inner();
        let first = responses.next().await.unwrap().unwrap();
        let Some(MessageResponse::ListServicesResponse(list)) = first.message_response else {
            panic!("unexpected {first:?}");
        };
        let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
        for expected in [
            "jobpay.v1.ContractService",
            "jobpay.v1.JobService",
            "jobpay.v1.BalanceService",
            "jobpay.v1.AdminService",
            "grpc.health.v1.Health",
        ] {
            assert!(
                names.iter().any(|n| n == expected),
                "{expected} in {names:?}"
            );
        }
        let second = responses.next().await.unwrap().unwrap();
        let Some(MessageResponse::FileDescriptorResponse(files)) = second.message_response else {
            panic!("unexpected {second:?}");
        };
        use prost::Message;
        let descriptor =
            prost_types::FileDescriptorProto::decode(files.file_descriptor_proto[0].as_slice())
                .unwrap();
        assert_eq!(descriptor.name(), "jobpay/v1/job_service.proto");
        // Comments travel with the descriptors, for client authors.
        let comments: String = descriptor
            .source_code_info
            .unwrap()
            .location
            .into_iter()
            .map(|l| l.leading_comments().to_owned())
            .collect();
        assert!(comments.contains("Pays for a job"), "{comments}");
    }
    {
        use tonic_reflection::pb::v1alpha::ServerReflectionRequest;
        use tonic_reflection::pb::v1alpha::server_reflection_client::ServerReflectionClient;
        use tonic_reflection::pb::v1alpha::server_reflection_request::MessageRequest;
        use tonic_reflection::pb::v1alpha::server_reflection_response::MessageResponse;
        let mut client = ServerReflectionClient::new(app.channel());
        let requests = tokio_stream::iter(vec![ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::ListServices(String::new())),
        }]);
        let mut responses = client
            .server_reflection_info(requests)
            .await
            .unwrap()
            .into_inner();
        let first = responses.next().await.unwrap().unwrap();
        let Some(MessageResponse::ListServicesResponse(list)) = first.message_response else {
            panic!("unexpected {first:?}");
        };
        assert!(
            list.service
                .iter()
                .any(|s| s.name == "jobpay.v1.BalanceService")
        );
    }
}

async fn money_is_always_two_decimals_out(backend: Backend) {
    let app = TestApp::with_demo_data(backend).await;
    let (client, _, _) = app.funded_client("0.5").await;
    assert_eq!(app.balance(client).await, "0.50");
    let response = app
        .balances()
        .withdraw(as_profile(
            client,
            pb::WithdrawRequest {
                amount: "0.05".into(),
                request_id: String::new(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(response.balance, "0.45");
    // The largest amount a request can carry is accepted as a price.
    let contracts = app
        .contracts()
        .list_contracts(as_profile(client, pb::ListContractsRequest::default()))
        .await
        .unwrap()
        .into_inner();
    let job = app
        .jobs()
        .create_job(as_profile(
            client,
            pb::CreateJobRequest {
                contract_id: contracts.contracts[0].id,
                description: "priceless".into(),
                price: "92233720368547758.07".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(job.price, "92233720368547758.07");
    // Outstanding totals beyond i64 do not break the deposit limit.
    let deposit = app
        .balances()
        .deposit(as_profile(
            client,
            pb::DepositRequest {
                profile_id: client,
                amount: "1000".into(),
                request_id: String::new(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(deposit.balance, "1000.45");
}

on_both_backends!(
    health_is_serving_overall_and_per_service,
    reflection_v1_and_v1alpha_describe_the_api,
    money_is_always_two_decimals_out,
);
