"""The generated protobuf and gRPC modules of ``jobpay.v1``, for callers who
want the raw messages or stubs (``pb.resources_pb2.Contract``,
``pb.job_service_pb2_grpc.JobServiceStub``, ...)."""

from ._generated.jobpay.v1 import (  # noqa: F401
    admin_service_pb2,
    admin_service_pb2_grpc,
    balance_service_pb2,
    balance_service_pb2_grpc,
    contract_service_pb2,
    contract_service_pb2_grpc,
    job_service_pb2,
    job_service_pb2_grpc,
    loan_service_pb2,
    loan_service_pb2_grpc,
    payout_service_pb2,
    payout_service_pb2_grpc,
    resources_pb2,
)
