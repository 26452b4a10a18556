from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.audio_stream import AudioStream
    from ..models.sidecar import Sidecar
    from ..models.subtitle_stream import SubtitleStream
    from ..models.text_track import TextTrack
    from ..models.user_data import UserData


T = TypeVar("T", bound="Video")


@_attrs_define
class Video:
    """A video in the catalog, with everything the scanner learned about it.

    Attributes:
        added_at (datetime.datetime): When the scanner first found the file.
        audio (list[AudioStream]):
        container (str): `mp4`, `mkv`, `webm`, `avi`, `mov`, `m4v` or `ts`.
        content_type (str): The MIME type the file is served with.
        filename (str):
        has_thumbnail (bool): Whether `GET /api/videos/{id}/thumbnail` has an image.
        id (UUID):
        library (str): The library's name.
        path (str): The path inside the library, '/'-separated.
        sidecars (list[Sidecar]): Subtitle files beside the video.
        size (int): Bytes.
        subtitles (list[SubtitleStream]):
        text_tracks (list[TextTrack]): The text subtitles (embedded and beside the file) served as WebVTT.
        title (str): The container's title tag, or one made from the file name.
        updated_at (datetime.datetime):
        bit_rate (int | None | Unset): Bits per second of the whole file.
        duration (float | None | Unset): Seconds.
        frame_rate (float | None | Unset): Frames per second.
        height (int | None | Unset):
        user_data (None | Unset | UserData): The caller's progress, resume position and rating; only on `GET
            /api/videos/{id}`, and only once the caller played or rated the video.
        video_codec (None | str | Unset):
        video_level (int | None | Unset): As ffprobe reports it (41 is H.264 level 4.1).
        video_profile (None | str | Unset):
        width (int | None | Unset):
    """

    added_at: datetime.datetime
    audio: list[AudioStream]
    container: str
    content_type: str
    filename: str
    has_thumbnail: bool
    id: UUID
    library: str
    path: str
    sidecars: list[Sidecar]
    size: int
    subtitles: list[SubtitleStream]
    text_tracks: list[TextTrack]
    title: str
    updated_at: datetime.datetime
    bit_rate: int | None | Unset = UNSET
    duration: float | None | Unset = UNSET
    frame_rate: float | None | Unset = UNSET
    height: int | None | Unset = UNSET
    user_data: None | Unset | UserData = UNSET
    video_codec: None | str | Unset = UNSET
    video_level: int | None | Unset = UNSET
    video_profile: None | str | Unset = UNSET
    width: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.user_data import UserData

        added_at = self.added_at.isoformat()

        audio = []
        for audio_item_data in self.audio:
            audio_item = audio_item_data.to_dict()
            audio.append(audio_item)

        container = self.container

        content_type = self.content_type

        filename = self.filename

        has_thumbnail = self.has_thumbnail

        id = str(self.id)

        library = self.library

        path = self.path

        sidecars = []
        for sidecars_item_data in self.sidecars:
            sidecars_item = sidecars_item_data.to_dict()
            sidecars.append(sidecars_item)

        size = self.size

        subtitles = []
        for subtitles_item_data in self.subtitles:
            subtitles_item = subtitles_item_data.to_dict()
            subtitles.append(subtitles_item)

        text_tracks = []
        for text_tracks_item_data in self.text_tracks:
            text_tracks_item = text_tracks_item_data.to_dict()
            text_tracks.append(text_tracks_item)

        title = self.title

        updated_at = self.updated_at.isoformat()

        bit_rate: int | None | Unset
        if isinstance(self.bit_rate, Unset):
            bit_rate = UNSET
        else:
            bit_rate = self.bit_rate

        duration: float | None | Unset
        if isinstance(self.duration, Unset):
            duration = UNSET
        else:
            duration = self.duration

        frame_rate: float | None | Unset
        if isinstance(self.frame_rate, Unset):
            frame_rate = UNSET
        else:
            frame_rate = self.frame_rate

        height: int | None | Unset
        if isinstance(self.height, Unset):
            height = UNSET
        else:
            height = self.height

        user_data: dict[str, Any] | None | Unset
        if isinstance(self.user_data, Unset):
            user_data = UNSET
        elif isinstance(self.user_data, UserData):
            user_data = self.user_data.to_dict()
        else:
            user_data = self.user_data

        video_codec: None | str | Unset
        if isinstance(self.video_codec, Unset):
            video_codec = UNSET
        else:
            video_codec = self.video_codec

        video_level: int | None | Unset
        if isinstance(self.video_level, Unset):
            video_level = UNSET
        else:
            video_level = self.video_level

        video_profile: None | str | Unset
        if isinstance(self.video_profile, Unset):
            video_profile = UNSET
        else:
            video_profile = self.video_profile

        width: int | None | Unset
        if isinstance(self.width, Unset):
            width = UNSET
        else:
            width = self.width

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "added_at": added_at,
                "audio": audio,
                "container": container,
                "content_type": content_type,
                "filename": filename,
                "has_thumbnail": has_thumbnail,
                "id": id,
                "library": library,
                "path": path,
                "sidecars": sidecars,
                "size": size,
                "subtitles": subtitles,
                "text_tracks": text_tracks,
                "title": title,
                "updated_at": updated_at,
            }
        )
        if bit_rate is not UNSET:
            field_dict["bit_rate"] = bit_rate
        if duration is not UNSET:
            field_dict["duration"] = duration
        if frame_rate is not UNSET:
            field_dict["frame_rate"] = frame_rate
        if height is not UNSET:
            field_dict["height"] = height
        if user_data is not UNSET:
            field_dict["user_data"] = user_data
        if video_codec is not UNSET:
            field_dict["video_codec"] = video_codec
        if video_level is not UNSET:
            field_dict["video_level"] = video_level
        if video_profile is not UNSET:
            field_dict["video_profile"] = video_profile
        if width is not UNSET:
            field_dict["width"] = width

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.audio_stream import AudioStream
        from ..models.sidecar import Sidecar
        from ..models.subtitle_stream import SubtitleStream
        from ..models.text_track import TextTrack
        from ..models.user_data import UserData

        d = dict(src_dict)
        added_at = datetime.datetime.fromisoformat(d.pop("added_at"))

        audio = []
        _audio = d.pop("audio")
        for audio_item_data in _audio:
            audio_item = AudioStream.from_dict(audio_item_data)

            audio.append(audio_item)

        container = d.pop("container")

        content_type = d.pop("content_type")

        filename = d.pop("filename")

        has_thumbnail = d.pop("has_thumbnail")

        id = UUID(d.pop("id"))

        library = d.pop("library")

        path = d.pop("path")

        sidecars = []
        _sidecars = d.pop("sidecars")
        for sidecars_item_data in _sidecars:
            sidecars_item = Sidecar.from_dict(sidecars_item_data)

            sidecars.append(sidecars_item)

        size = d.pop("size")

        subtitles = []
        _subtitles = d.pop("subtitles")
        for subtitles_item_data in _subtitles:
            subtitles_item = SubtitleStream.from_dict(subtitles_item_data)

            subtitles.append(subtitles_item)

        text_tracks = []
        _text_tracks = d.pop("text_tracks")
        for text_tracks_item_data in _text_tracks:
            text_tracks_item = TextTrack.from_dict(text_tracks_item_data)

            text_tracks.append(text_tracks_item)

        title = d.pop("title")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_bit_rate(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        bit_rate = _parse_bit_rate(d.pop("bit_rate", UNSET))

        def _parse_duration(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        duration = _parse_duration(d.pop("duration", UNSET))

        def _parse_frame_rate(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        frame_rate = _parse_frame_rate(d.pop("frame_rate", UNSET))

        def _parse_height(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        height = _parse_height(d.pop("height", UNSET))

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

        def _parse_video_codec(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        video_codec = _parse_video_codec(d.pop("video_codec", UNSET))

        def _parse_video_level(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        video_level = _parse_video_level(d.pop("video_level", UNSET))

        def _parse_video_profile(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        video_profile = _parse_video_profile(d.pop("video_profile", UNSET))

        def _parse_width(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        width = _parse_width(d.pop("width", UNSET))

        video = cls(
            added_at=added_at,
            audio=audio,
            container=container,
            content_type=content_type,
            filename=filename,
            has_thumbnail=has_thumbnail,
            id=id,
            library=library,
            path=path,
            sidecars=sidecars,
            size=size,
            subtitles=subtitles,
            text_tracks=text_tracks,
            title=title,
            updated_at=updated_at,
            bit_rate=bit_rate,
            duration=duration,
            frame_rate=frame_rate,
            height=height,
            user_data=user_data,
            video_codec=video_codec,
            video_level=video_level,
            video_profile=video_profile,
            width=width,
        )

        video.additional_properties = d
        return video

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
