from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.device_type import DeviceType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.preferences import Preferences


T = TypeVar("T", bound="Session")


@_attrs_define
class Session:
    """An open login session: one device of one user.

    Attributes:
        active_streams (int): Streams open now on this instance.
        bytes_streamed (int): Bytes sent in this session's streams (those still open included).
        created_at (datetime.datetime):
        current (bool): Whether this is the session of the token making the request.
        device_type (DeviceType): The kind of device a session plays on.
        expires_at (datetime.datetime): When the session ends at the latest (`auth.reauth_after` after login); it ends
            earlier after `auth.session_timeout` without requests.
        id (UUID):
        last_activity (datetime.datetime):
        preferences (Preferences): How a user likes to watch.
        streams_started (int): Streams opened in this session.
        user_id (UUID):
        username (str):
        client_address (None | str | Unset): The address the login came from.
        device_name (None | str | Unset): The name the client gave at login, if any.
        user_agent (None | str | Unset):
    """

    active_streams: int
    bytes_streamed: int
    created_at: datetime.datetime
    current: bool
    device_type: DeviceType
    expires_at: datetime.datetime
    id: UUID
    last_activity: datetime.datetime
    preferences: Preferences
    streams_started: int
    user_id: UUID
    username: str
    client_address: None | str | Unset = UNSET
    device_name: None | str | Unset = UNSET
    user_agent: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        active_streams = self.active_streams

        bytes_streamed = self.bytes_streamed

        created_at = self.created_at.isoformat()

        current = self.current

        device_type = self.device_type.value

        expires_at = self.expires_at.isoformat()

        id = str(self.id)

        last_activity = self.last_activity.isoformat()

        preferences = self.preferences.to_dict()

        streams_started = self.streams_started

        user_id = str(self.user_id)

        username = self.username

        client_address: None | str | Unset
        if isinstance(self.client_address, Unset):
            client_address = UNSET
        else:
            client_address = self.client_address

        device_name: None | str | Unset
        if isinstance(self.device_name, Unset):
            device_name = UNSET
        else:
            device_name = self.device_name

        user_agent: None | str | Unset
        if isinstance(self.user_agent, Unset):
            user_agent = UNSET
        else:
            user_agent = self.user_agent

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "active_streams": active_streams,
                "bytes_streamed": bytes_streamed,
                "created_at": created_at,
                "current": current,
                "device_type": device_type,
                "expires_at": expires_at,
                "id": id,
                "last_activity": last_activity,
                "preferences": preferences,
                "streams_started": streams_started,
                "user_id": user_id,
                "username": username,
            }
        )
        if client_address is not UNSET:
            field_dict["client_address"] = client_address
        if device_name is not UNSET:
            field_dict["device_name"] = device_name
        if user_agent is not UNSET:
            field_dict["user_agent"] = user_agent

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.preferences import Preferences

        d = dict(src_dict)
        active_streams = d.pop("active_streams")

        bytes_streamed = d.pop("bytes_streamed")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        current = d.pop("current")

        device_type = DeviceType(d.pop("device_type"))

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        id = UUID(d.pop("id"))

        last_activity = datetime.datetime.fromisoformat(d.pop("last_activity"))

        preferences = Preferences.from_dict(d.pop("preferences"))

        streams_started = d.pop("streams_started")

        user_id = UUID(d.pop("user_id"))

        username = d.pop("username")

        def _parse_client_address(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        client_address = _parse_client_address(d.pop("client_address", UNSET))

        def _parse_device_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        device_name = _parse_device_name(d.pop("device_name", UNSET))

        def _parse_user_agent(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user_agent = _parse_user_agent(d.pop("user_agent", UNSET))

        session = cls(
            active_streams=active_streams,
            bytes_streamed=bytes_streamed,
            created_at=created_at,
            current=current,
            device_type=device_type,
            expires_at=expires_at,
            id=id,
            last_activity=last_activity,
            preferences=preferences,
            streams_started=streams_started,
            user_id=user_id,
            username=username,
            client_address=client_address,
            device_name=device_name,
            user_agent=user_agent,
        )

        session.additional_properties = d
        return session

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
