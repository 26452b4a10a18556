from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="DlnaDevice")


@_attrs_define
class DlnaDevice:
    """A TV or player that browsed the DLNA server (one per address: a LAN device has no
    login).

        Attributes:
            address (str): The address it browses from.
            first_seen_at (datetime.datetime):
            id (UUID):
            last_seen_at (datetime.datetime):
            name (str): What it calls itself (its model, else its User-Agent's product).
            blocked_at (datetime.datetime | None | Unset): Since when an administrator has blocked it; `null` when it may
                browse and play.
            user_agent (None | str | Unset):
    """

    address: str
    first_seen_at: datetime.datetime
    id: UUID
    last_seen_at: datetime.datetime
    name: str
    blocked_at: datetime.datetime | None | Unset = UNSET
    user_agent: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        address = self.address

        first_seen_at = self.first_seen_at.isoformat()

        id = str(self.id)

        last_seen_at = self.last_seen_at.isoformat()

        name = self.name

        blocked_at: None | str | Unset
        if isinstance(self.blocked_at, Unset):
            blocked_at = UNSET
        elif isinstance(self.blocked_at, datetime.datetime):
            blocked_at = self.blocked_at.isoformat()
        else:
            blocked_at = self.blocked_at

        user_agent: None | str | Unset
        if isinstance(self.user_agent, Unset):
            user_agent = UNSET
        else:
            user_agent = self.user_agent

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "address": address,
                "first_seen_at": first_seen_at,
                "id": id,
                "last_seen_at": last_seen_at,
                "name": name,
            }
        )
        if blocked_at is not UNSET:
            field_dict["blocked_at"] = blocked_at
        if user_agent is not UNSET:
            field_dict["user_agent"] = user_agent

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        address = d.pop("address")

        first_seen_at = datetime.datetime.fromisoformat(d.pop("first_seen_at"))

        id = UUID(d.pop("id"))

        last_seen_at = datetime.datetime.fromisoformat(d.pop("last_seen_at"))

        name = d.pop("name")

        def _parse_blocked_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                blocked_at_type_0 = datetime.datetime.fromisoformat(data)

                return blocked_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        blocked_at = _parse_blocked_at(d.pop("blocked_at", UNSET))

        def _parse_user_agent(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user_agent = _parse_user_agent(d.pop("user_agent", UNSET))

        dlna_device = cls(
            address=address,
            first_seen_at=first_seen_at,
            id=id,
            last_seen_at=last_seen_at,
            name=name,
            blocked_at=blocked_at,
            user_agent=user_agent,
        )

        dlna_device.additional_properties = d
        return dlna_device

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
