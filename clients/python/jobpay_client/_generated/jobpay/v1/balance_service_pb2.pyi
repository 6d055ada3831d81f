import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from jobpay_client._generated.jobpay.v1 import resources_pb2 as _resources_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetBalanceRequest(_message.Message):
    __slots__ = ("currency_code", "as_of")
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    currency_code: str
    as_of: _timestamp_pb2.Timestamp
    def __init__(self, currency_code: _Optional[str] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetBalanceResponse(_message.Message):
    __slots__ = ("profile_id", "balance", "currency_code", "available", "held", "as_of")
    PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    HELD_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    profile_id: int
    balance: str
    currency_code: str
    available: str
    held: str
    as_of: _timestamp_pb2.Timestamp
    def __init__(self, profile_id: _Optional[int] = ..., balance: _Optional[str] = ..., currency_code: _Optional[str] = ..., available: _Optional[str] = ..., held: _Optional[str] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DepositRequest(_message.Message):
    __slots__ = ("profile_id", "amount", "request_id", "currency_code", "rounding")
    PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    ROUNDING_FIELD_NUMBER: _ClassVar[int]
    profile_id: int
    amount: str
    request_id: str
    currency_code: str
    rounding: _resources_pb2.Rounding
    def __init__(self, profile_id: _Optional[int] = ..., amount: _Optional[str] = ..., request_id: _Optional[str] = ..., currency_code: _Optional[str] = ..., rounding: _Optional[_Union[_resources_pb2.Rounding, str]] = ...) -> None: ...

class DepositResponse(_message.Message):
    __slots__ = ("balance", "currency_code")
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    balance: str
    currency_code: str
    def __init__(self, balance: _Optional[str] = ..., currency_code: _Optional[str] = ...) -> None: ...

class WithdrawRequest(_message.Message):
    __slots__ = ("amount", "request_id", "currency_code", "rounding")
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    ROUNDING_FIELD_NUMBER: _ClassVar[int]
    amount: str
    request_id: str
    currency_code: str
    rounding: _resources_pb2.Rounding
    def __init__(self, amount: _Optional[str] = ..., request_id: _Optional[str] = ..., currency_code: _Optional[str] = ..., rounding: _Optional[_Union[_resources_pb2.Rounding, str]] = ...) -> None: ...

class WithdrawResponse(_message.Message):
    __slots__ = ("balance", "currency_code")
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    balance: str
    currency_code: str
    def __init__(self, balance: _Optional[str] = ..., currency_code: _Optional[str] = ...) -> None: ...

class TransferRequest(_message.Message):
    __slots__ = ("to_profile_id", "amount", "request_id", "currency_code", "rounding")
    TO_PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    ROUNDING_FIELD_NUMBER: _ClassVar[int]
    to_profile_id: int
    amount: str
    request_id: str
    currency_code: str
    rounding: _resources_pb2.Rounding
    def __init__(self, to_profile_id: _Optional[int] = ..., amount: _Optional[str] = ..., request_id: _Optional[str] = ..., currency_code: _Optional[str] = ..., rounding: _Optional[_Union[_resources_pb2.Rounding, str]] = ...) -> None: ...

class TransferResponse(_message.Message):
    __slots__ = ("balance", "currency_code")
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    balance: str
    currency_code: str
    def __init__(self, balance: _Optional[str] = ..., currency_code: _Optional[str] = ...) -> None: ...

class ListLedgerEntriesRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "currency_code")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    currency_code: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., currency_code: _Optional[str] = ...) -> None: ...

class ListLedgerEntriesResponse(_message.Message):
    __slots__ = ("entries", "next_page_token")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[_resources_pb2.LedgerEntry]
    next_page_token: str
    def __init__(self, entries: _Optional[_Iterable[_Union[_resources_pb2.LedgerEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListBalancesRequest(_message.Message):
    __slots__ = ("as_of",)
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    as_of: _timestamp_pb2.Timestamp
    def __init__(self, as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListBalancesResponse(_message.Message):
    __slots__ = ("balances", "as_of")
    BALANCES_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    balances: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Balance]
    as_of: _timestamp_pb2.Timestamp
    def __init__(self, balances: _Optional[_Iterable[_Union[_resources_pb2.Balance, _Mapping]]] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListCurrenciesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListCurrenciesResponse(_message.Message):
    __slots__ = ("currencies",)
    CURRENCIES_FIELD_NUMBER: _ClassVar[int]
    currencies: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Currency]
    def __init__(self, currencies: _Optional[_Iterable[_Union[_resources_pb2.Currency, _Mapping]]] = ...) -> None: ...

class GetBalanceSummaryRequest(_message.Message):
    __slots__ = ("currency_code",)
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    currency_code: str
    def __init__(self, currency_code: _Optional[str] = ...) -> None: ...

class GetStatementRequest(_message.Message):
    __slots__ = ("currency_code", "start", "end", "page_size", "page_token")
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    currency_code: str
    start: str
    end: str
    page_size: int
    page_token: str
    def __init__(self, currency_code: _Optional[str] = ..., start: _Optional[str] = ..., end: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...
