from jobpay_client._generated.jobpay.v1 import resources_pb2 as _resources_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateProfileRequest(_message.Message):
    __slots__ = ("first_name", "last_name", "profession", "type")
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    PROFESSION_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    first_name: str
    last_name: str
    profession: str
    type: _resources_pb2.ProfileType
    def __init__(self, first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., profession: _Optional[str] = ..., type: _Optional[_Union[_resources_pb2.ProfileType, str]] = ...) -> None: ...

class GetBestProfessionRequest(_message.Message):
    __slots__ = ("start", "end")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    start: str
    end: str
    def __init__(self, start: _Optional[str] = ..., end: _Optional[str] = ...) -> None: ...

class GetBestProfessionResponse(_message.Message):
    __slots__ = ("profession", "earned")
    PROFESSION_FIELD_NUMBER: _ClassVar[int]
    EARNED_FIELD_NUMBER: _ClassVar[int]
    profession: str
    earned: str
    def __init__(self, profession: _Optional[str] = ..., earned: _Optional[str] = ...) -> None: ...

class ListBestClientsRequest(_message.Message):
    __slots__ = ("start", "end", "limit")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    start: str
    end: str
    limit: int
    def __init__(self, start: _Optional[str] = ..., end: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

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
    __slots__ = ("clients",)
    CLIENTS_FIELD_NUMBER: _ClassVar[int]
    clients: _containers.RepeatedCompositeFieldContainer[BestClient]
    def __init__(self, clients: _Optional[_Iterable[_Union[BestClient, _Mapping]]] = ...) -> None: ...
