from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Playlist")


@_attrs_define
class Playlist:
    """A playlist.

    Attributes:
        created_at (datetime.datetime):
        id (UUID):
        is_public (bool): Visible to every user (read-only for all but the owner and administrators).
        name (str):
        owner (str):
        owner_id (UUID): The owner's user id and name.
        updated_at (datetime.datetime):
        video_count (int):
        description (None | str | Unset):
    """

    created_at: datetime.datetime
    id: UUID
    is_public: bool
    name: str
    owner: str
    owner_id: UUID
    updated_at: datetime.datetime
    video_count: int
    description: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        id = str(self.id)

        is_public = self.is_public

        name = self.name

        owner = self.owner

        owner_id = str(self.owner_id)

        updated_at = self.updated_at.isoformat()

        video_count = self.video_count

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "id": id,
                "is_public": is_public,
                "name": name,
                "owner": owner,
                "owner_id": owner_id,
                "updated_at": updated_at,
                "video_count": video_count,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        id = UUID(d.pop("id"))

        is_public = d.pop("is_public")

        name = d.pop("name")

        owner = d.pop("owner")

        owner_id = UUID(d.pop("owner_id"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        video_count = d.pop("video_count")

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        playlist = cls(
            created_at=created_at,
            id=id,
            is_public=is_public,
            name=name,
            owner=owner,
            owner_id=owner_id,
            updated_at=updated_at,
            video_count=video_count,
            description=description,
        )

        playlist.additional_properties = d
        return playlist

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
