from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="MoveVideo")


@_attrs_define
class MoveVideo:
    """Where to move a video.

    Attributes:
        position (int): The new position, 0 for the first; past the end is the end.
    """

    position: int

    def to_dict(self) -> dict[str, Any]:
        position = self.position

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "position": position,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        position = d.pop("position")

        move_video = cls(
            position=position,
        )

        return move_video
