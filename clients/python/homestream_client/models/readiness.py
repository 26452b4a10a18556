from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.database_status import DatabaseStatus
from ..models.ready_status import ReadyStatus
from ..models.redis_status import RedisStatus

if TYPE_CHECKING:
    from ..models.cache_counts import CacheCounts


T = TypeVar("T", bound="Readiness")


@_attrs_define
class Readiness:
    """Whether this instance can serve requests, and the state of what it depends on.

    Attributes:
        caches (list[CacheCounts]): Hits and misses of each cache since start-up.
        database (str): `sqlite` or `postgres`.
        database_status (DatabaseStatus): The database's state.
        redis (RedisStatus): Redis's state.
        status (ReadyStatus): Whether the instance serves.
    """

    caches: list[CacheCounts]
    database: str
    database_status: DatabaseStatus
    redis: RedisStatus
    status: ReadyStatus
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        caches = []
        for caches_item_data in self.caches:
            caches_item = caches_item_data.to_dict()
            caches.append(caches_item)

        database = self.database

        database_status = self.database_status.value

        redis = self.redis.value

        status = self.status.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "caches": caches,
                "database": database,
                "database_status": database_status,
                "redis": redis,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.cache_counts import CacheCounts

        d = dict(src_dict)
        caches = []
        _caches = d.pop("caches")
        for caches_item_data in _caches:
            caches_item = CacheCounts.from_dict(caches_item_data)

            caches.append(caches_item)

        database = d.pop("database")

        database_status = DatabaseStatus(d.pop("database_status"))

        redis = RedisStatus(d.pop("redis"))

        status = ReadyStatus(d.pop("status"))

        readiness = cls(
            caches=caches,
            database=database,
            database_status=database_status,
            redis=redis,
            status=status,
        )

        readiness.additional_properties = d
        return readiness

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
