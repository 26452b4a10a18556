from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="TopVideo")


@_attrs_define
class TopVideo:
    """A video's share of a report.

    Attributes:
        plays (int):
        video_id (UUID):
        watch_hours (float):
        title (None | str | Unset): Absent when the video has left the catalog.
    """

    plays: int
    video_id: UUID
    watch_hours: float
    title: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        plays = self.plays

        video_id = str(self.video_id)

        watch_hours = self.watch_hours

        title: None | str | Unset
        if isinstance(self.title, Unset):
            title = UNSET
        else:
            title = self.title

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "plays": plays,
                "video_id": video_id,
                "watch_hours": watch_hours,
            }
        )
        if title is not UNSET:
            field_dict["title"] = title

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        plays = d.pop("plays")

        video_id = UUID(d.pop("video_id"))

        watch_hours = d.pop("watch_hours")

        def _parse_title(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        title = _parse_title(d.pop("title", UNSET))

        top_video = cls(
            plays=plays,
            video_id=video_id,
            watch_hours=watch_hours,
            title=title,
        )

        top_video.additional_properties = d
        return top_video

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
