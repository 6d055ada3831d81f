import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ProfileType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROFILE_TYPE_UNSPECIFIED: _ClassVar[ProfileType]
    PROFILE_TYPE_CLIENT: _ClassVar[ProfileType]
    PROFILE_TYPE_CONTRACTOR: _ClassVar[ProfileType]

class ContractStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONTRACT_STATUS_UNSPECIFIED: _ClassVar[ContractStatus]
    CONTRACT_STATUS_NEW: _ClassVar[ContractStatus]
    CONTRACT_STATUS_IN_PROGRESS: _ClassVar[ContractStatus]
    CONTRACT_STATUS_TERMINATED: _ClassVar[ContractStatus]

class LedgerEntryKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LEDGER_ENTRY_KIND_UNSPECIFIED: _ClassVar[LedgerEntryKind]
    LEDGER_ENTRY_KIND_OPENING: _ClassVar[LedgerEntryKind]
    LEDGER_ENTRY_KIND_DEPOSIT: _ClassVar[LedgerEntryKind]
    LEDGER_ENTRY_KIND_JOB_PAYMENT: _ClassVar[LedgerEntryKind]
    LEDGER_ENTRY_KIND_WITHDRAWAL: _ClassVar[LedgerEntryKind]
    LEDGER_ENTRY_KIND_TRANSFER: _ClassVar[LedgerEntryKind]
PROFILE_TYPE_UNSPECIFIED: ProfileType
PROFILE_TYPE_CLIENT: ProfileType
PROFILE_TYPE_CONTRACTOR: ProfileType
CONTRACT_STATUS_UNSPECIFIED: ContractStatus
CONTRACT_STATUS_NEW: ContractStatus
CONTRACT_STATUS_IN_PROGRESS: ContractStatus
CONTRACT_STATUS_TERMINATED: ContractStatus
LEDGER_ENTRY_KIND_UNSPECIFIED: LedgerEntryKind
LEDGER_ENTRY_KIND_OPENING: LedgerEntryKind
LEDGER_ENTRY_KIND_DEPOSIT: LedgerEntryKind
LEDGER_ENTRY_KIND_JOB_PAYMENT: LedgerEntryKind
LEDGER_ENTRY_KIND_WITHDRAWAL: LedgerEntryKind
LEDGER_ENTRY_KIND_TRANSFER: LedgerEntryKind

class Profile(_message.Message):
    __slots__ = ("id", "first_name", "last_name", "profession", "type", "balance", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    PROFESSION_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: int
    first_name: str
    last_name: str
    profession: str
    type: ProfileType
    balance: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[int] = ..., first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., profession: _Optional[str] = ..., type: _Optional[_Union[ProfileType, str]] = ..., balance: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Contract(_message.Message):
    __slots__ = ("id", "terms", "status", "client_id", "contractor_id", "create_time", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    TERMS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    CONTRACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: int
    terms: str
    status: ContractStatus
    client_id: int
    contractor_id: int
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[int] = ..., terms: _Optional[str] = ..., status: _Optional[_Union[ContractStatus, str]] = ..., client_id: _Optional[int] = ..., contractor_id: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Job(_message.Message):
    __slots__ = ("id", "description", "price", "paid", "payment_time", "contract_id", "create_time", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    PAID_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_TIME_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: int
    description: str
    price: str
    paid: bool
    payment_time: _timestamp_pb2.Timestamp
    contract_id: int
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[int] = ..., description: _Optional[str] = ..., price: _Optional[str] = ..., paid: _Optional[bool] = ..., payment_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., contract_id: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class LedgerEntry(_message.Message):
    __slots__ = ("id", "kind", "debit_profile_id", "credit_profile_id", "amount", "job_id", "debit_balance_after", "credit_balance_after", "request_id", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DEBIT_PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    CREDIT_PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    DEBIT_BALANCE_AFTER_FIELD_NUMBER: _ClassVar[int]
    CREDIT_BALANCE_AFTER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: int
    kind: LedgerEntryKind
    debit_profile_id: int
    credit_profile_id: int
    amount: str
    job_id: int
    debit_balance_after: str
    credit_balance_after: str
    request_id: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[int] = ..., kind: _Optional[_Union[LedgerEntryKind, str]] = ..., debit_profile_id: _Optional[int] = ..., credit_profile_id: _Optional[int] = ..., amount: _Optional[str] = ..., job_id: _Optional[int] = ..., debit_balance_after: _Optional[str] = ..., credit_balance_after: _Optional[str] = ..., request_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
