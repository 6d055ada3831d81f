from google.api import annotations_pb2 as _annotations_pb2
from jobpay_client._generated.jobpay.v1 import resources_pb2 as _resources_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateProfileRequest(_message.Message):
    __slots__ = ("first_name", "last_name", "profession", "type", "external_id")
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    PROFESSION_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    first_name: str
    last_name: str
    profession: str
    type: _resources_pb2.ProfileType
    external_id: str
    def __init__(self, first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., profession: _Optional[str] = ..., type: _Optional[_Union[_resources_pb2.ProfileType, str]] = ..., external_id: _Optional[str] = ...) -> None: ...

class GetBestProfessionRequest(_message.Message):
    __slots__ = ("start", "end", "currency_code")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    start: str
    end: str
    currency_code: str
    def __init__(self, start: _Optional[str] = ..., end: _Optional[str] = ..., currency_code: _Optional[str] = ...) -> None: ...

class GetBestProfessionResponse(_message.Message):
    __slots__ = ("profession", "earned", "currency_code")
    PROFESSION_FIELD_NUMBER: _ClassVar[int]
    EARNED_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    profession: str
    earned: str
    currency_code: str
    def __init__(self, profession: _Optional[str] = ..., earned: _Optional[str] = ..., currency_code: _Optional[str] = ...) -> None: ...

class ListBestClientsRequest(_message.Message):
    __slots__ = ("start", "end", "limit", "currency_code")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    start: str
    end: str
    limit: int
    currency_code: str
    def __init__(self, start: _Optional[str] = ..., end: _Optional[str] = ..., limit: _Optional[int] = ..., currency_code: _Optional[str] = ...) -> None: ...

class BestClient(_message.Message):
    __slots__ = ("id", "full_name", "paid")
    ID_FIELD_NUMBER: _ClassVar[int]
    FULL_NAME_FIELD_NUMBER: _ClassVar[int]
    PAID_FIELD_NUMBER: _ClassVar[int]
    id: int
    full_name: str
    paid: str
    def __init__(self, id: _Optional[int] = ..., full_name: _Optional[str] = ..., paid: _Optional[str] = ...) -> None: ...

class ListBestClientsResponse(_message.Message):
    __slots__ = ("clients", "currency_code")
    CLIENTS_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    clients: _containers.RepeatedCompositeFieldContainer[BestClient]
    currency_code: str
    def __init__(self, clients: _Optional[_Iterable[_Union[BestClient, _Mapping]]] = ..., currency_code: _Optional[str] = ...) -> None: ...

class CreateCurrencyRequest(_message.Message):
    __slots__ = ("code", "precision")
    CODE_FIELD_NUMBER: _ClassVar[int]
    PRECISION_FIELD_NUMBER: _ClassVar[int]
    code: str
    precision: int
    def __init__(self, code: _Optional[str] = ..., precision: _Optional[int] = ...) -> None: ...

class ListProfilesRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListProfilesResponse(_message.Message):
    __slots__ = ("profiles", "next_page_token")
    PROFILES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    profiles: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Profile]
    next_page_token: str
    def __init__(self, profiles: _Optional[_Iterable[_Union[_resources_pb2.Profile, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class AdminServiceGetBalanceSummaryRequest(_message.Message):
    __slots__ = ("profile_id", "currency_code")
    PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    profile_id: int
    currency_code: str
    def __init__(self, profile_id: _Optional[int] = ..., currency_code: _Optional[str] = ...) -> None: ...

class CompletePayoutRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class AdminServiceCancelPayoutRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class ListPayoutRequestsRequest(_message.Message):
    __slots__ = ("currency_code", "page_size", "page_token")
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    currency_code: str
    page_size: int
    page_token: str
    def __init__(self, currency_code: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class PayoutRequestTotal(_message.Message):
    __slots__ = ("profile_id", "full_name", "amount", "payout_count", "currency_code")
    PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    FULL_NAME_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PAYOUT_COUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    profile_id: int
    full_name: str
    amount: str
    payout_count: int
    currency_code: str
    def __init__(self, profile_id: _Optional[int] = ..., full_name: _Optional[str] = ..., amount: _Optional[str] = ..., payout_count: _Optional[int] = ..., currency_code: _Optional[str] = ...) -> None: ...

class ListPayoutRequestsResponse(_message.Message):
    __slots__ = ("requests", "next_page_token")
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[PayoutRequestTotal]
    next_page_token: str
    def __init__(self, requests: _Optional[_Iterable[_Union[PayoutRequestTotal, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetFeedStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListFeedItemsRequest(_message.Message):
    __slots__ = ("state", "page_size", "page_token")
    STATE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    state: _resources_pb2.FeedItemState
    page_size: int
    page_token: str
    def __init__(self, state: _Optional[_Union[_resources_pb2.FeedItemState, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListFeedItemsResponse(_message.Message):
    __slots__ = ("items", "next_page_token")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[_resources_pb2.FeedItem]
    next_page_token: str
    def __init__(self, items: _Optional[_Iterable[_Union[_resources_pb2.FeedItem, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ReverseLedgerEntryRequest(_message.Message):
    __slots__ = ("entry_id", "amount", "reason", "request_id")
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    entry_id: int
    amount: str
    reason: str
    request_id: str
    def __init__(self, entry_id: _Optional[int] = ..., amount: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ReverseLedgerEntryResponse(_message.Message):
    __slots__ = ("reversal", "original")
    REVERSAL_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_FIELD_NUMBER: _ClassVar[int]
    reversal: _resources_pb2.LedgerEntry
    original: _resources_pb2.LedgerEntry
    def __init__(self, reversal: _Optional[_Union[_resources_pb2.LedgerEntry, _Mapping]] = ..., original: _Optional[_Union[_resources_pb2.LedgerEntry, _Mapping]] = ...) -> None: ...

class AdminServiceGetStatementRequest(_message.Message):
    __slots__ = ("profile_id", "currency_code", "start", "end", "page_size", "page_token")
    PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    profile_id: int
    currency_code: str
    start: str
    end: str
    page_size: int
    page_token: str
    def __init__(self, profile_id: _Optional[int] = ..., currency_code: _Optional[str] = ..., start: _Optional[str] = ..., end: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...
