from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.user_data import UserData
    from ..models.video import Video


T = TypeVar("T", bound="WatchedVideo")


@_attrs_define
class WatchedVideo:
    """A video with the caller's state of it.

    Attributes:
        user_data (UserData): The caller's state of one video.
        video (Video): A video in the catalog, with everything the scanner learned about it.
    """

    user_data: UserData
    video: Video
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        user_data = self.user_data.to_dict()

        video = self.video.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "user_data": user_data,
                "video": video,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.user_data import UserData
        from ..models.video import Video

        d = dict(src_dict)
        user_data = UserData.from_dict(d.pop("user_data"))

        video = Video.from_dict(d.pop("video"))

        watched_video = cls(
            user_data=user_data,
            video=video,
        )

        watched_video.additional_properties = d
        return watched_video

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
