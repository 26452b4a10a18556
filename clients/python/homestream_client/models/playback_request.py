from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.client_preset import ClientPreset
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.video_codec_support import VideoCodecSupport


T = TypeVar("T", bound="PlaybackRequest")


@_attrs_define
class PlaybackRequest:
    """What the client can play. A preset fills in what is not given; without a preset
    and without lists, the session's device type picks one.

        Attributes:
            audio_codecs (list[str] | None | Unset): ffprobe's audio codec names (`aac`, `mp3`, `opus`, `ac3`, ...).
            containers (list[str] | None | Unset): Containers by file extension (`mp4`, `mkv`, `webm`, ...).
            max_bitrate_kbps (int | None | Unset):
            max_height (int | None | Unset):
            preset (ClientPreset | None | Unset):
            video_codecs (list[VideoCodecSupport] | None | Unset):
    """

    audio_codecs: list[str] | None | Unset = UNSET
    containers: list[str] | None | Unset = UNSET
    max_bitrate_kbps: int | None | Unset = UNSET
    max_height: int | None | Unset = UNSET
    preset: ClientPreset | None | Unset = UNSET
    video_codecs: list[VideoCodecSupport] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        audio_codecs: list[str] | None | Unset
        if isinstance(self.audio_codecs, Unset):
            audio_codecs = UNSET
        elif isinstance(self.audio_codecs, list):
            audio_codecs = self.audio_codecs

        else:
            audio_codecs = self.audio_codecs

        containers: list[str] | None | Unset
        if isinstance(self.containers, Unset):
            containers = UNSET
        elif isinstance(self.containers, list):
            containers = self.containers

        else:
            containers = self.containers

        max_bitrate_kbps: int | None | Unset
        if isinstance(self.max_bitrate_kbps, Unset):
            max_bitrate_kbps = UNSET
        else:
            max_bitrate_kbps = self.max_bitrate_kbps

        max_height: int | None | Unset
        if isinstance(self.max_height, Unset):
            max_height = UNSET
        else:
            max_height = self.max_height

        preset: None | str | Unset
        if isinstance(self.preset, Unset):
            preset = UNSET
        elif isinstance(self.preset, ClientPreset):
            preset = self.preset.value
        else:
            preset = self.preset

        video_codecs: list[dict[str, Any]] | None | Unset
        if isinstance(self.video_codecs, Unset):
            video_codecs = UNSET
        elif isinstance(self.video_codecs, list):
            video_codecs = []
            for video_codecs_type_0_item_data in self.video_codecs:
                video_codecs_type_0_item = video_codecs_type_0_item_data.to_dict()
                video_codecs.append(video_codecs_type_0_item)

        else:
            video_codecs = self.video_codecs

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if audio_codecs is not UNSET:
            field_dict["audio_codecs"] = audio_codecs
        if containers is not UNSET:
            field_dict["containers"] = containers
        if max_bitrate_kbps is not UNSET:
            field_dict["max_bitrate_kbps"] = max_bitrate_kbps
        if max_height is not UNSET:
            field_dict["max_height"] = max_height
        if preset is not UNSET:
            field_dict["preset"] = preset
        if video_codecs is not UNSET:
            field_dict["video_codecs"] = video_codecs

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.video_codec_support import VideoCodecSupport

        d = dict(src_dict)

        def _parse_audio_codecs(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                audio_codecs_type_0 = cast(list[str], data)

                return audio_codecs_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        audio_codecs = _parse_audio_codecs(d.pop("audio_codecs", UNSET))

        def _parse_containers(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                containers_type_0 = cast(list[str], data)

                return containers_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        containers = _parse_containers(d.pop("containers", UNSET))

        def _parse_max_bitrate_kbps(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_bitrate_kbps = _parse_max_bitrate_kbps(d.pop("max_bitrate_kbps", UNSET))

        def _parse_max_height(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_height = _parse_max_height(d.pop("max_height", UNSET))

        def _parse_preset(data: object) -> ClientPreset | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                preset_type_1 = ClientPreset(data)

                return preset_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ClientPreset | None | Unset, data)

        preset = _parse_preset(d.pop("preset", UNSET))

        def _parse_video_codecs(data: object) -> list[VideoCodecSupport] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                video_codecs_type_0 = []
                _video_codecs_type_0 = data
                for video_codecs_type_0_item_data in _video_codecs_type_0:
                    video_codecs_type_0_item = VideoCodecSupport.from_dict(
                        video_codecs_type_0_item_data
                    )

                    video_codecs_type_0.append(video_codecs_type_0_item)

                return video_codecs_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[VideoCodecSupport] | None | Unset, data)

        video_codecs = _parse_video_codecs(d.pop("video_codecs", UNSET))

        playback_request = cls(
            audio_codecs=audio_codecs,
            containers=containers,
            max_bitrate_kbps=max_bitrate_kbps,
            max_height=max_height,
            preset=preset,
            video_codecs=video_codecs,
        )

        return playback_request
