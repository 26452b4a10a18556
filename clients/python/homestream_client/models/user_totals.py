from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="UserTotals")


@_attrs_define
class UserTotals:
    """One user's totals in a report.

    Attributes:
        bytes_streamed (int):
        plays (int):
        user_id (UUID):
        watch_hours (float):
        username (None | str | Unset): Absent when the account is gone.
    """

    bytes_streamed: int
    plays: int
    user_id: UUID
    watch_hours: float
    username: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        bytes_streamed = self.bytes_streamed

        plays = self.plays

        user_id = str(self.user_id)

        watch_hours = self.watch_hours

        username: None | str | Unset
        if isinstance(self.username, Unset):
            username = UNSET
        else:
            username = self.username

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "bytes_streamed": bytes_streamed,
                "plays": plays,
                "user_id": user_id,
                "watch_hours": watch_hours,
            }
        )
        if username is not UNSET:
            field_dict["username"] = username

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        bytes_streamed = d.pop("bytes_streamed")

        plays = d.pop("plays")

        user_id = UUID(d.pop("user_id"))

        watch_hours = d.pop("watch_hours")

        def _parse_username(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        username = _parse_username(d.pop("username", UNSET))

        user_totals = cls(
            bytes_streamed=bytes_streamed,
            plays=plays,
            user_id=user_id,
            watch_hours=watch_hours,
            username=username,
        )

        user_totals.additional_properties = d
        return user_totals

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
