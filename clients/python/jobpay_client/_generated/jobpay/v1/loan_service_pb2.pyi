import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LoanPaymentStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LOAN_PAYMENT_STATUS_UNSPECIFIED: _ClassVar[LoanPaymentStatus]
    LOAN_PAYMENT_STATUS_MADE: _ClassVar[LoanPaymentStatus]
    LOAN_PAYMENT_STATUS_MISSED: _ClassVar[LoanPaymentStatus]
LOAN_PAYMENT_STATUS_UNSPECIFIED: LoanPaymentStatus
LOAN_PAYMENT_STATUS_MADE: LoanPaymentStatus
LOAN_PAYMENT_STATUS_MISSED: LoanPaymentStatus

class Loan(_message.Message):
    __slots__ = ("id", "borrower_id", "amount", "currency_code", "term_months", "annual_rate", "installment", "total_repayable", "outstanding", "payments_made", "payments_missed", "origination_time", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    BORROWER_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    TERM_MONTHS_FIELD_NUMBER: _ClassVar[int]
    ANNUAL_RATE_FIELD_NUMBER: _ClassVar[int]
    INSTALLMENT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_REPAYABLE_FIELD_NUMBER: _ClassVar[int]
    OUTSTANDING_FIELD_NUMBER: _ClassVar[int]
    PAYMENTS_MADE_FIELD_NUMBER: _ClassVar[int]
    PAYMENTS_MISSED_FIELD_NUMBER: _ClassVar[int]
    ORIGINATION_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: int
    borrower_id: int
    amount: str
    currency_code: str
    term_months: int
    annual_rate: str
    installment: str
    total_repayable: str
    outstanding: str
    payments_made: int
    payments_missed: int
    origination_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[int] = ..., borrower_id: _Optional[int] = ..., amount: _Optional[str] = ..., currency_code: _Optional[str] = ..., term_months: _Optional[int] = ..., annual_rate: _Optional[str] = ..., installment: _Optional[str] = ..., total_repayable: _Optional[str] = ..., outstanding: _Optional[str] = ..., payments_made: _Optional[int] = ..., payments_missed: _Optional[int] = ..., origination_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class LoanPayment(_message.Message):
    __slots__ = ("id", "loan_id", "status", "amount", "payment_time", "ledger_entry_id", "create_time", "currency_code")
    ID_FIELD_NUMBER: _ClassVar[int]
    LOAN_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_TIME_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    id: int
    loan_id: int
    status: LoanPaymentStatus
    amount: str
    payment_time: _timestamp_pb2.Timestamp
    ledger_entry_id: int
    create_time: _timestamp_pb2.Timestamp
    currency_code: str
    def __init__(self, id: _Optional[int] = ..., loan_id: _Optional[int] = ..., status: _Optional[_Union[LoanPaymentStatus, str]] = ..., amount: _Optional[str] = ..., payment_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ledger_entry_id: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., currency_code: _Optional[str] = ...) -> None: ...

class CreateLoanRequest(_message.Message):
    __slots__ = ("borrower_id", "amount", "currency_code", "term_months", "annual_rate", "origination_time", "request_id")
    BORROWER_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    TERM_MONTHS_FIELD_NUMBER: _ClassVar[int]
    ANNUAL_RATE_FIELD_NUMBER: _ClassVar[int]
    ORIGINATION_TIME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    borrower_id: int
    amount: str
    currency_code: str
    term_months: int
    annual_rate: str
    origination_time: _timestamp_pb2.Timestamp
    request_id: str
    def __init__(self, borrower_id: _Optional[int] = ..., amount: _Optional[str] = ..., currency_code: _Optional[str] = ..., term_months: _Optional[int] = ..., annual_rate: _Optional[str] = ..., origination_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetLoanRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class ListLoansRequest(_message.Message):
    __slots__ = ("borrower_id", "page_size", "page_token")
    BORROWER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    borrower_id: int
    page_size: int
    page_token: str
    def __init__(self, borrower_id: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListLoansResponse(_message.Message):
    __slots__ = ("loans", "next_page_token")
    LOANS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    loans: _containers.RepeatedCompositeFieldContainer[Loan]
    next_page_token: str
    def __init__(self, loans: _Optional[_Iterable[_Union[Loan, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RecordLoanPaymentRequest(_message.Message):
    __slots__ = ("loan_id", "status", "amount", "payment_time", "request_id")
    LOAN_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_TIME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    loan_id: int
    status: LoanPaymentStatus
    amount: str
    payment_time: _timestamp_pb2.Timestamp
    request_id: str
    def __init__(self, loan_id: _Optional[int] = ..., status: _Optional[_Union[LoanPaymentStatus, str]] = ..., amount: _Optional[str] = ..., payment_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class ListLoanPaymentsRequest(_message.Message):
    __slots__ = ("loan_id", "page_size", "page_token")
    LOAN_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    loan_id: int
    page_size: int
    page_token: str
    def __init__(self, loan_id: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListLoanPaymentsResponse(_message.Message):
    __slots__ = ("payments", "next_page_token")
    PAYMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    payments: _containers.RepeatedCompositeFieldContainer[LoanPayment]
    next_page_token: str
    def __init__(self, payments: _Optional[_Iterable[_Union[LoanPayment, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetLoanBalanceRequest(_message.Message):
    __slots__ = ("loan_id", "as_of")
    LOAN_ID_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    loan_id: int
    as_of: _timestamp_pb2.Timestamp
    def __init__(self, loan_id: _Optional[int] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetLoanBalanceResponse(_message.Message):
    __slots__ = ("loan_id", "outstanding", "currency_code", "as_of")
    LOAN_ID_FIELD_NUMBER: _ClassVar[int]
    OUTSTANDING_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    loan_id: int
    outstanding: str
    currency_code: str
    as_of: _timestamp_pb2.Timestamp
    def __init__(self, loan_id: _Optional[int] = ..., outstanding: _Optional[str] = ..., currency_code: _Optional[str] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetOutstandingDebtRequest(_message.Message):
    __slots__ = ("as_of", "currency_code")
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    as_of: _timestamp_pb2.Timestamp
    currency_code: str
    def __init__(self, as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., currency_code: _Optional[str] = ...) -> None: ...

class GetOutstandingDebtResponse(_message.Message):
    __slots__ = ("value", "volume", "currency_code", "as_of")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    VOLUME_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    value: str
    volume: int
    currency_code: str
    as_of: _timestamp_pb2.Timestamp
    def __init__(self, value: _Optional[str] = ..., volume: _Optional[int] = ..., currency_code: _Optional[str] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
