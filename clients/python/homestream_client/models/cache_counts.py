from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CacheCounts")


@_attrs_define
class CacheCounts:
    """Hits and misses of one cache.

    Attributes:
        hits (int):
        misses (int):
        name (str): `video:metadata`, `video:popular`, `user:recently_watched`, `user:preferences`.
    """

    hits: int
    misses: int
    name: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        hits = self.hits

        misses = self.misses

        name = self.name

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "hits": hits,
                "misses": misses,
                "name": name,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        hits = d.pop("hits")

        misses = d.pop("misses")

        name = d.pop("name")

        cache_counts = cls(
            hits=hits,
            misses=misses,
            name=name,
        )

        cache_counts.additional_properties = d
        return cache_counts

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
