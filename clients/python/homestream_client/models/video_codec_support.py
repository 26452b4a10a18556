from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="VideoCodecSupport")


@_attrs_define
class VideoCodecSupport:
    """A video codec the client decodes.

    Attributes:
        codec (str): ffprobe's name: `h264`, `hevc`, `vp9`, `av1`, `mpeg4`.
        max_level (int | None | Unset): The highest level in ffprobe's numbers (H.264 4.1 is 41, HEVC 5.1 is 153).
    """

    codec: str
    max_level: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        codec = self.codec

        max_level: int | None | Unset
        if isinstance(self.max_level, Unset):
            max_level = UNSET
        else:
            max_level = self.max_level

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "codec": codec,
            }
        )
        if max_level is not UNSET:
            field_dict["max_level"] = max_level

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        codec = d.pop("codec")

        def _parse_max_level(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_level = _parse_max_level(d.pop("max_level", UNSET))

        video_codec_support = cls(
            codec=codec,
            max_level=max_level,
        )

        return video_codec_support
