from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Season")


@_attrs_define
class Season:
    """A season of a series, as its page lists it.

    Attributes:
        episode_count (int):
        has_poster (bool): Whether `GET /api/series/{id}/image/poster?season=N` has the season's own poster.
        name (str): `Season 1`, `Specials`, `Episodes`.
        watched_count (int): Episodes the caller watched to the end.
        number (int | None | Unset): 0 for specials; absent for episodes whose season is unknown.
    """

    episode_count: int
    has_poster: bool
    name: str
    watched_count: int
    number: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        episode_count = self.episode_count

        has_poster = self.has_poster

        name = self.name

        watched_count = self.watched_count

        number: int | None | Unset
        if isinstance(self.number, Unset):
            number = UNSET
        else:
            number = self.number

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "episode_count": episode_count,
                "has_poster": has_poster,
                "name": name,
                "watched_count": watched_count,
            }
        )
        if number is not UNSET:
            field_dict["number"] = number

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        episode_count = d.pop("episode_count")

        has_poster = d.pop("has_poster")

        name = d.pop("name")

        watched_count = d.pop("watched_count")

        def _parse_number(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        number = _parse_number(d.pop("number", UNSET))

        season = cls(
            episode_count=episode_count,
            has_poster=has_poster,
            name=name,
            watched_count=watched_count,
            number=number,
        )

        season.additional_properties = d
        return season

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
