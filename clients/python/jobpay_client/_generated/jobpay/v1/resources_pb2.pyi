import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ProfileType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROFILE_TYPE_UNSPECIFIED: _ClassVar[ProfileType]
    PROFILE_TYPE_CLIENT: _ClassVar[ProfileType]
    PROFILE_TYPE_CONTRACTOR: _ClassVar[ProfileType]

class Rounding(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROUNDING_UNSPECIFIED: _ClassVar[Rounding]
    ROUNDING_HALF_AWAY_FROM_ZERO: _ClassVar[Rounding]

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
    LEDGER_ENTRY_KIND_PAYOUT: _ClassVar[LedgerEntryKind]
    LEDGER_ENTRY_KIND_EXTERNAL_CREDIT: _ClassVar[LedgerEntryKind]
    LEDGER_ENTRY_KIND_EXTERNAL_DEBIT: _ClassVar[LedgerEntryKind]
    LEDGER_ENTRY_KIND_LOAN_DISBURSEMENT: _ClassVar[LedgerEntryKind]
    LEDGER_ENTRY_KIND_LOAN_REPAYMENT: _ClassVar[LedgerEntryKind]
    LEDGER_ENTRY_KIND_REVERSAL: _ClassVar[LedgerEntryKind]

class PayoutState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PAYOUT_STATE_UNSPECIFIED: _ClassVar[PayoutState]
    PAYOUT_STATE_REQUESTED: _ClassVar[PayoutState]
    PAYOUT_STATE_CANCELLED: _ClassVar[PayoutState]
    PAYOUT_STATE_PAID_OUT: _ClassVar[PayoutState]

class FeedItemState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FEED_ITEM_STATE_UNSPECIFIED: _ClassVar[FeedItemState]
    FEED_ITEM_STATE_APPLIED: _ClassVar[FeedItemState]
    FEED_ITEM_STATE_REJECTED: _ClassVar[FeedItemState]
PROFILE_TYPE_UNSPECIFIED: ProfileType
PROFILE_TYPE_CLIENT: ProfileType
PROFILE_TYPE_CONTRACTOR: ProfileType
ROUNDING_UNSPECIFIED: Rounding
ROUNDING_HALF_AWAY_FROM_ZERO: Rounding
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
LEDGER_ENTRY_KIND_PAYOUT: LedgerEntryKind
LEDGER_ENTRY_KIND_EXTERNAL_CREDIT: LedgerEntryKind
LEDGER_ENTRY_KIND_EXTERNAL_DEBIT: LedgerEntryKind
LEDGER_ENTRY_KIND_LOAN_DISBURSEMENT: LedgerEntryKind
LEDGER_ENTRY_KIND_LOAN_REPAYMENT: LedgerEntryKind
LEDGER_ENTRY_KIND_REVERSAL: LedgerEntryKind
PAYOUT_STATE_UNSPECIFIED: PayoutState
PAYOUT_STATE_REQUESTED: PayoutState
PAYOUT_STATE_CANCELLED: PayoutState
PAYOUT_STATE_PAID_OUT: PayoutState
FEED_ITEM_STATE_UNSPECIFIED: FeedItemState
FEED_ITEM_STATE_APPLIED: FeedItemState
FEED_ITEM_STATE_REJECTED: FeedItemState

class Profile(_message.Message):
    __slots__ = ("id", "first_name", "last_name", "profession", "type", "balance", "create_time", "balances", "external_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    PROFESSION_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    BALANCES_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    first_name: str
    last_name: str
    profession: str
    type: ProfileType
    balance: str
    create_time: _timestamp_pb2.Timestamp
    balances: _containers.RepeatedCompositeFieldContainer[Balance]
    external_id: str
    def __init__(self, id: _Optional[int] = ..., first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., profession: _Optional[str] = ..., type: _Optional[_Union[ProfileType, str]] = ..., balance: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., balances: _Optional[_Iterable[_Union[Balance, _Mapping]]] = ..., external_id: _Optional[str] = ...) -> None: ...

class Currency(_message.Message):
    __slots__ = ("code", "precision")
    CODE_FIELD_NUMBER: _ClassVar[int]
    PRECISION_FIELD_NUMBER: _ClassVar[int]
    code: str
    precision: int
    def __init__(self, code: _Optional[str] = ..., precision: _Optional[int] = ...) -> None: ...

class Balance(_message.Message):
    __slots__ = ("currency_code", "balance", "held", "available")
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    HELD_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    currency_code: str
    balance: str
    held: str
    available: str
    def __init__(self, currency_code: _Optional[str] = ..., balance: _Optional[str] = ..., held: _Optional[str] = ..., available: _Optional[str] = ...) -> None: ...

class Contract(_message.Message):
    __slots__ = ("id", "terms", "status", "client_id", "contractor_id", "create_time", "update_time", "currency_code")
    ID_FIELD_NUMBER: _ClassVar[int]
    TERMS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    CONTRACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    id: int
    terms: str
    status: ContractStatus
    client_id: int
    contractor_id: int
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    currency_code: str
    def __init__(self, id: _Optional[int] = ..., terms: _Optional[str] = ..., status: _Optional[_Union[ContractStatus, str]] = ..., client_id: _Optional[int] = ..., contractor_id: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., currency_code: _Optional[str] = ...) -> None: ...

class Job(_message.Message):
    __slots__ = ("id", "description", "price", "paid", "payment_time", "contract_id", "create_time", "update_time", "currency_code", "refunded")
    ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    PAID_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_TIME_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    REFUNDED_FIELD_NUMBER: _ClassVar[int]
    id: int
    description: str
    price: str
    paid: bool
    payment_time: _timestamp_pb2.Timestamp
    contract_id: int
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    currency_code: str
    refunded: str
    def __init__(self, id: _Optional[int] = ..., description: _Optional[str] = ..., price: _Optional[str] = ..., paid: _Optional[bool] = ..., payment_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., contract_id: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., currency_code: _Optional[str] = ..., refunded: _Optional[str] = ...) -> None: ...

class LedgerEntry(_message.Message):
    __slots__ = ("id", "kind", "debit_profile_id", "credit_profile_id", "amount", "job_id", "debit_balance_after", "credit_balance_after", "request_id", "create_time", "currency_code", "reversal_of", "reversed", "reason")
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
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    REVERSAL_OF_FIELD_NUMBER: _ClassVar[int]
    REVERSED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
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
    currency_code: str
    reversal_of: int
    reversed: str
    reason: str
    def __init__(self, id: _Optional[int] = ..., kind: _Optional[_Union[LedgerEntryKind, str]] = ..., debit_profile_id: _Optional[int] = ..., credit_profile_id: _Optional[int] = ..., amount: _Optional[str] = ..., job_id: _Optional[int] = ..., debit_balance_after: _Optional[str] = ..., credit_balance_after: _Optional[str] = ..., request_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., currency_code: _Optional[str] = ..., reversal_of: _Optional[int] = ..., reversed: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class Payout(_message.Message):
    __slots__ = ("id", "profile_id", "amount", "currency_code", "state", "ledger_entry_id", "external_id", "create_time", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: int
    profile_id: int
    amount: str
    currency_code: str
    state: PayoutState
    ledger_entry_id: int
    external_id: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[int] = ..., profile_id: _Optional[int] = ..., amount: _Optional[str] = ..., currency_code: _Optional[str] = ..., state: _Optional[_Union[PayoutState, str]] = ..., ledger_entry_id: _Optional[int] = ..., external_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class BalanceSummary(_message.Message):
    __slots__ = ("profile_id", "currency_code", "balance", "held", "available", "opening", "deposited", "withdrawn", "earned", "spent", "transferred_in", "transferred_out", "payout", "paid_out", "borrowed", "repaid", "reversed_in", "reversed_out")
    PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    HELD_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    OPENING_FIELD_NUMBER: _ClassVar[int]
    DEPOSITED_FIELD_NUMBER: _ClassVar[int]
    WITHDRAWN_FIELD_NUMBER: _ClassVar[int]
    EARNED_FIELD_NUMBER: _ClassVar[int]
    SPENT_FIELD_NUMBER: _ClassVar[int]
    TRANSFERRED_IN_FIELD_NUMBER: _ClassVar[int]
    TRANSFERRED_OUT_FIELD_NUMBER: _ClassVar[int]
    PAYOUT_FIELD_NUMBER: _ClassVar[int]
    PAID_OUT_FIELD_NUMBER: _ClassVar[int]
    BORROWED_FIELD_NUMBER: _ClassVar[int]
    REPAID_FIELD_NUMBER: _ClassVar[int]
    REVERSED_IN_FIELD_NUMBER: _ClassVar[int]
    REVERSED_OUT_FIELD_NUMBER: _ClassVar[int]
    profile_id: int
    currency_code: str
    balance: str
    held: str
    available: str
    opening: str
    deposited: str
    withdrawn: str
    earned: str
    spent: str
    transferred_in: str
    transferred_out: str
    payout: str
    paid_out: str
    borrowed: str
    repaid: str
    reversed_in: str
    reversed_out: str
    def __init__(self, profile_id: _Optional[int] = ..., currency_code: _Optional[str] = ..., balance: _Optional[str] = ..., held: _Optional[str] = ..., available: _Optional[str] = ..., opening: _Optional[str] = ..., deposited: _Optional[str] = ..., withdrawn: _Optional[str] = ..., earned: _Optional[str] = ..., spent: _Optional[str] = ..., transferred_in: _Optional[str] = ..., transferred_out: _Optional[str] = ..., payout: _Optional[str] = ..., paid_out: _Optional[str] = ..., borrowed: _Optional[str] = ..., repaid: _Optional[str] = ..., reversed_in: _Optional[str] = ..., reversed_out: _Optional[str] = ...) -> None: ...

class FeedItem(_message.Message):
    __slots__ = ("id", "user_id", "type", "amount", "currency_code", "create_time", "state", "reason", "profile_id", "apply_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    APPLY_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    user_id: str
    type: str
    amount: str
    currency_code: str
    create_time: _timestamp_pb2.Timestamp
    state: FeedItemState
    reason: str
    profile_id: int
    apply_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., user_id: _Optional[str] = ..., type: _Optional[str] = ..., amount: _Optional[str] = ..., currency_code: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state: _Optional[_Union[FeedItemState, str]] = ..., reason: _Optional[str] = ..., profile_id: _Optional[int] = ..., apply_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class FeedStatus(_message.Message):
    __slots__ = ("enabled", "cursor_time", "lag_seconds", "items_applied", "items_rejected", "items_duplicate", "requests", "last_error", "last_success_time")
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    CURSOR_TIME_FIELD_NUMBER: _ClassVar[int]
    LAG_SECONDS_FIELD_NUMBER: _ClassVar[int]
    ITEMS_APPLIED_FIELD_NUMBER: _ClassVar[int]
    ITEMS_REJECTED_FIELD_NUMBER: _ClassVar[int]
    ITEMS_DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    LAST_SUCCESS_TIME_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    cursor_time: _timestamp_pb2.Timestamp
    lag_seconds: int
    items_applied: int
    items_rejected: int
    items_duplicate: int
    requests: int
    last_error: str
    last_success_time: _timestamp_pb2.Timestamp
    def __init__(self, enabled: _Optional[bool] = ..., cursor_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., lag_seconds: _Optional[int] = ..., items_applied: _Optional[int] = ..., items_rejected: _Optional[int] = ..., items_duplicate: _Optional[int] = ..., requests: _Optional[int] = ..., last_error: _Optional[str] = ..., last_success_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Statement(_message.Message):
    __slots__ = ("profile_id", "currency_code", "start_time", "end_time", "opening_balance", "closing_balance", "credits", "debits", "entries", "next_page_token")
    PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    OPENING_BALANCE_FIELD_NUMBER: _ClassVar[int]
    CLOSING_BALANCE_FIELD_NUMBER: _ClassVar[int]
    CREDITS_FIELD_NUMBER: _ClassVar[int]
    DEBITS_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    profile_id: int
    currency_code: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    opening_balance: str
    closing_balance: str
    credits: str
    debits: str
    entries: _containers.RepeatedCompositeFieldContainer[LedgerEntry]
    next_page_token: str
    def __init__(self, profile_id: _Optional[int] = ..., currency_code: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., opening_balance: _Optional[str] = ..., closing_balance: _Optional[str] = ..., credits: _Optional[str] = ..., debits: _Optional[str] = ..., entries: _Optional[_Iterable[_Union[LedgerEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
