from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.user_data import UserData
    from ..models.video import Video


T = TypeVar("T", bound="NextVideo")


@_attrs_define
class NextVideo:
    """What plays after a video.

    Attributes:
        user_data (None | Unset | UserData): The caller's state of it, once they played or marked it (where to resume).
        video (None | Unset | Video): The next episode of its series or the next part of its film; absent after the
            last.
    """

    user_data: None | Unset | UserData = UNSET
    video: None | Unset | Video = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.user_data import UserData
        from ..models.video import Video

        user_data: dict[str, Any] | None | Unset
        if isinstance(self.user_data, Unset):
            user_data = UNSET
        elif isinstance(self.user_data, UserData):
            user_data = self.user_data.to_dict()
        else:
            user_data = self.user_data

        video: dict[str, Any] | None | Unset
        if isinstance(self.video, Unset):
            video = UNSET
        elif isinstance(self.video, Video):
            video = self.video.to_dict()
        else:
            video = self.video

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if user_data is not UNSET:
            field_dict["user_data"] = user_data
        if video is not UNSET:
            field_dict["video"] = video

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.user_data import UserData
        from ..models.video import Video

        d = dict(src_dict)

        def _parse_user_data(data: object) -> None | Unset | UserData:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                user_data_type_1 = UserData.from_dict(data)

                return user_data_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UserData, data)

        user_data = _parse_user_data(d.pop("user_data", UNSET))

        def _parse_video(data: object) -> None | Unset | Video:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                video_type_1 = Video.from_dict(data)

                return video_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | Video, data)

        video = _parse_video(d.pop("video", UNSET))

        next_video = cls(
            user_data=user_data,
            video=video,
        )

        next_video.additional_properties = d
        return next_video

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
