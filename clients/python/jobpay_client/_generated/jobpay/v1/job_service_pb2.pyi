from google.api import annotations_pb2 as _annotations_pb2
from jobpay_client._generated.jobpay.v1 import resources_pb2 as _resources_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ListUnpaidJobsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListUnpaidJobsResponse(_message.Message):
    __slots__ = ("jobs", "next_page_token")
    JOBS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    jobs: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Job]
    next_page_token: str
    def __init__(self, jobs: _Optional[_Iterable[_Union[_resources_pb2.Job, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CreateJobRequest(_message.Message):
    __slots__ = ("contract_id", "description", "price")
    CONTRACT_ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    contract_id: int
    description: str
    price: str
    def __init__(self, contract_id: _Optional[int] = ..., description: _Optional[str] = ..., price: _Optional[str] = ...) -> None: ...

class PayJobRequest(_message.Message):
    __slots__ = ("job_id", "request_id")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: int
    request_id: str
    def __init__(self, job_id: _Optional[int] = ..., request_id: _Optional[str] = ...) -> None: ...

class PayJobResponse(_message.Message):
    __slots__ = ("job", "client_balance")
    JOB_FIELD_NUMBER: _ClassVar[int]
    CLIENT_BALANCE_FIELD_NUMBER: _ClassVar[int]
    job: _resources_pb2.Job
    client_balance: str
    def __init__(self, job: _Optional[_Union[_resources_pb2.Job, _Mapping]] = ..., client_balance: _Optional[str] = ...) -> None: ...

class RefundJobPaymentRequest(_message.Message):
    __slots__ = ("job_id", "amount", "request_id")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: int
    amount: str
    request_id: str
    def __init__(self, job_id: _Optional[int] = ..., amount: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class RefundJobPaymentResponse(_message.Message):
    __slots__ = ("job", "reversal", "contractor_balance")
    JOB_FIELD_NUMBER: _ClassVar[int]
    REVERSAL_FIELD_NUMBER: _ClassVar[int]
    CONTRACTOR_BALANCE_FIELD_NUMBER: _ClassVar[int]
    job: _resources_pb2.Job
    reversal: _resources_pb2.LedgerEntry
    contractor_balance: str
    def __init__(self, job: _Optional[_Union[_resources_pb2.Job, _Mapping]] = ..., reversal: _Optional[_Union[_resources_pb2.LedgerEntry, _Mapping]] = ..., contractor_balance: _Optional[str] = ...) -> None: ...
