from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.device_type import DeviceType
from ..models.quality import Quality
from ..types import UNSET, Unset

T = TypeVar("T", bound="Preferences")


@_attrs_define
class Preferences:
    """How a user likes to watch.

    Attributes:
        audio_language (None | str | Unset): Preferred audio language, ISO 639 (`en`, `eng`, `fra`).
        device_type (DeviceType | None | Unset): The device this user mostly watches on; a session's own device type
            wins.
        max_bandwidth_kbps (int | None | Unset): The most bandwidth to use, in kilobits per second (64 to 1,000,000);
            absent
            means no limit.
        quality (None | Quality | Unset): The highest quality to play.
        subtitle_language (None | str | Unset): Subtitle language, ISO 639; absent means no subtitles.
    """

    audio_language: None | str | Unset = UNSET
    device_type: DeviceType | None | Unset = UNSET
    max_bandwidth_kbps: int | None | Unset = UNSET
    quality: None | Quality | Unset = UNSET
    subtitle_language: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        audio_language: None | str | Unset
        if isinstance(self.audio_language, Unset):
            audio_language = UNSET
        else:
            audio_language = self.audio_language

        device_type: None | str | Unset
        if isinstance(self.device_type, Unset):
            device_type = UNSET
        elif isinstance(self.device_type, DeviceType):
            device_type = self.device_type.value
        else:
            device_type = self.device_type

        max_bandwidth_kbps: int | None | Unset
        if isinstance(self.max_bandwidth_kbps, Unset):
            max_bandwidth_kbps = UNSET
        else:
            max_bandwidth_kbps = self.max_bandwidth_kbps

        quality: None | str | Unset
        if isinstance(self.quality, Unset):
            quality = UNSET
        elif isinstance(self.quality, Quality):
            quality = self.quality.value
        else:
            quality = self.quality

        subtitle_language: None | str | Unset
        if isinstance(self.subtitle_language, Unset):
            subtitle_language = UNSET
        else:
            subtitle_language = self.subtitle_language

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if audio_language is not UNSET:
            field_dict["audio_language"] = audio_language
        if device_type is not UNSET:
            field_dict["device_type"] = device_type
        if max_bandwidth_kbps is not UNSET:
            field_dict["max_bandwidth_kbps"] = max_bandwidth_kbps
        if quality is not UNSET:
            field_dict["quality"] = quality
        if subtitle_language is not UNSET:
            field_dict["subtitle_language"] = subtitle_language

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_audio_language(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        audio_language = _parse_audio_language(d.pop("audio_language", UNSET))

        def _parse_device_type(data: object) -> DeviceType | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                device_type_type_1 = DeviceType(data)

                return device_type_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DeviceType | None | Unset, data)

        device_type = _parse_device_type(d.pop("device_type", UNSET))

        def _parse_max_bandwidth_kbps(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_bandwidth_kbps = _parse_max_bandwidth_kbps(
            d.pop("max_bandwidth_kbps", UNSET)
        )

        def _parse_quality(data: object) -> None | Quality | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                quality_type_1 = Quality(data)

                return quality_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Quality | Unset, data)

        quality = _parse_quality(d.pop("quality", UNSET))

        def _parse_subtitle_language(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        subtitle_language = _parse_subtitle_language(d.pop("subtitle_language", UNSET))

        preferences = cls(
            audio_language=audio_language,
            device_type=device_type,
            max_bandwidth_kbps=max_bandwidth_kbps,
            quality=quality,
            subtitle_language=subtitle_language,
        )

        return preferences
