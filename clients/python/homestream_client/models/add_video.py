from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="AddVideo")


@_attrs_define
class AddVideo:
    """A video to add.

    Attributes:
        video_id (UUID):
        position (int | None | Unset): Where to insert it (0 is first); the end when absent or past the end.
    """

    video_id: UUID
    position: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        video_id = str(self.video_id)

        position: int | None | Unset
        if isinstance(self.position, Unset):
            position = UNSET
        else:
            position = self.position

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "video_id": video_id,
            }
        )
        if position is not UNSET:
            field_dict["position"] = position

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        video_id = UUID(d.pop("video_id"))

        def _parse_position(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        position = _parse_position(d.pop("position", UNSET))

        add_video = cls(
            video_id=video_id,
            position=position,
        )

        return add_video
