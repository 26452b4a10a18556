from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ActiveStream")


@_attrs_define
class ActiveStream:
    """An open stream: one session playing one video.

    Attributes:
        bytes_sent (int):
        connections (int): Requests transferring now.
        id (UUID):
        last_activity_at (datetime.datetime):
        started_at (datetime.datetime):
        user_id (UUID):
        username (str):
        video_id (UUID):
        client_address (None | str | Unset):
        user_agent (None | str | Unset):
    """

    bytes_sent: int
    connections: int
    id: UUID
    last_activity_at: datetime.datetime
    started_at: datetime.datetime
    user_id: UUID
    username: str
    video_id: UUID
    client_address: None | str | Unset = UNSET
    user_agent: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        bytes_sent = self.bytes_sent

        connections = self.connections

        id = str(self.id)

        last_activity_at = self.last_activity_at.isoformat()

        started_at = self.started_at.isoformat()

        user_id = str(self.user_id)

        username = self.username

        video_id = str(self.video_id)

        client_address: None | str | Unset
        if isinstance(self.client_address, Unset):
            client_address = UNSET
        else:
            client_address = self.client_address

        user_agent: None | str | Unset
        if isinstance(self.user_agent, Unset):
            user_agent = UNSET
        else:
            user_agent = self.user_agent

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "bytes_sent": bytes_sent,
                "connections": connections,
                "id": id,
                "last_activity_at": last_activity_at,
                "started_at": started_at,
                "user_id": user_id,
                "username": username,
                "video_id": video_id,
            }
        )
        if client_address is not UNSET:
            field_dict["client_address"] = client_address
        if user_agent is not UNSET:
            field_dict["user_agent"] = user_agent

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        bytes_sent = d.pop("bytes_sent")

        connections = d.pop("connections")

        id = UUID(d.pop("id"))

        last_activity_at = datetime.datetime.fromisoformat(d.pop("last_activity_at"))

        started_at = datetime.datetime.fromisoformat(d.pop("started_at"))

        user_id = UUID(d.pop("user_id"))

        username = d.pop("username")

        video_id = UUID(d.pop("video_id"))

        def _parse_client_address(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        client_address = _parse_client_address(d.pop("client_address", UNSET))

        def _parse_user_agent(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user_agent = _parse_user_agent(d.pop("user_agent", UNSET))

        active_stream = cls(
            bytes_sent=bytes_sent,
            connections=connections,
            id=id,
            last_activity_at=last_activity_at,
            started_at=started_at,
            user_id=user_id,
            username=username,
            video_id=video_id,
            client_address=client_address,
            user_agent=user_agent,
        )

        active_stream.additional_properties = d
        return active_stream

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
