from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="StreamUrl")


@_attrs_define
class StreamUrl:
    """A signed link a media player can open without an `Authorization` header.

    Attributes:
        expires_at (datetime.datetime):
        path (str): The same link as a path on this server.
        token (str): The token alone, accepted as `?token=` by the streaming routes for this video.
        url (str): The absolute URL, built from the request's `Host` (and `X-Forwarded-Proto`).
    """

    expires_at: datetime.datetime
    path: str
    token: str
    url: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        expires_at = self.expires_at.isoformat()

        path = self.path

        token = self.token

        url = self.url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "expires_at": expires_at,
                "path": path,
                "token": token,
                "url": url,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        path = d.pop("path")

        token = d.pop("token")

        url = d.pop("url")

        stream_url = cls(
            expires_at=expires_at,
            path=path,
            token=token,
            url=url,
        )

        stream_url.additional_properties = d
        return stream_url

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
