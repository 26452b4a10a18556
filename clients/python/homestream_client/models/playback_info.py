from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.playback_method import PlaybackMethod
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.text_track import TextTrack


T = TypeVar("T", bound="PlaybackInfo")


@_attrs_define
class PlaybackInfo:
    """The decision and a URL a player can open as it is.

    Attributes:
        content_type (str): The MIME type at `url`.
        expires_at (datetime.datetime): When the link stops working.
        method (PlaybackMethod): How to play: `direct` (the file with ranges), `remux` (fragmented MP4, video
            copied) or `transcode` (HLS, H.264/AAC).
        path (str): The same as a path on this server.
        reasons (list[str]): Why the file cannot play directly (`video codec hevc not supported`, `height
            2160 above 1080`); empty for `direct`.
        subtitles (list[TextTrack]): Text subtitles, as WebVTT (add the link's `?token=` for players).
        url (str): The absolute URL with a signed link.
        video_id (UUID): The file that plays: the video asked for or, for a film kept in several versions
            (`1080p`, `4K`), the version that plays with the least work on this client
            (directly, then remuxed, then transcoded; then the tallest within its limits).
            Progress is reported against this id.
        max_bitrate_kbps (int | None | Unset):
        max_height (int | None | Unset): The limits applied: the client's and the user's preferences, the tighter.
    """

    content_type: str
    expires_at: datetime.datetime
    method: PlaybackMethod
    path: str
    reasons: list[str]
    subtitles: list[TextTrack]
    url: str
    video_id: UUID
    max_bitrate_kbps: int | None | Unset = UNSET
    max_height: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        content_type = self.content_type

        expires_at = self.expires_at.isoformat()

        method = self.method.value

        path = self.path

        reasons = self.reasons

        subtitles = []
        for subtitles_item_data in self.subtitles:
            subtitles_item = subtitles_item_data.to_dict()
            subtitles.append(subtitles_item)

        url = self.url

        video_id = str(self.video_id)

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

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "content_type": content_type,
                "expires_at": expires_at,
                "method": method,
                "path": path,
                "reasons": reasons,
                "subtitles": subtitles,
                "url": url,
                "video_id": video_id,
            }
        )
        if max_bitrate_kbps is not UNSET:
            field_dict["max_bitrate_kbps"] = max_bitrate_kbps
        if max_height is not UNSET:
            field_dict["max_height"] = max_height

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.text_track import TextTrack

        d = dict(src_dict)
        content_type = d.pop("content_type")

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        method = PlaybackMethod(d.pop("method"))

        path = d.pop("path")

        reasons = cast(list[str], d.pop("reasons"))

        subtitles = []
        _subtitles = d.pop("subtitles")
        for subtitles_item_data in _subtitles:
            subtitles_item = TextTrack.from_dict(subtitles_item_data)

            subtitles.append(subtitles_item)

        url = d.pop("url")

        video_id = UUID(d.pop("video_id"))

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

        playback_info = cls(
            content_type=content_type,
            expires_at=expires_at,
            method=method,
            path=path,
            reasons=reasons,
            subtitles=subtitles,
            url=url,
            video_id=video_id,
            max_bitrate_kbps=max_bitrate_kbps,
            max_height=max_height,
        )

        playback_info.additional_properties = d
        return playback_info

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
