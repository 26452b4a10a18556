from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="PeriodFigures")


@_attrs_define
class PeriodFigures:
    """The figures of one period.

    Attributes:
        active_users (int): Users who played something.
        bytes_streamed (int):
        direct_share (float): Shares of the playbacks started, 0 to 1 (0 when none started).
        peak_concurrent_streams (int): The most playbacks open at once.
        plays (int): Playbacks started.
        remux_share (float):
        sessions (int): Sessions that played something.
        transcode_share (float):
        watch_hours (float): Hours from each playback's start to its last request, for playbacks that ended.
    """

    active_users: int
    bytes_streamed: int
    direct_share: float
    peak_concurrent_streams: int
    plays: int
    remux_share: float
    sessions: int
    transcode_share: float
    watch_hours: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        active_users = self.active_users

        bytes_streamed = self.bytes_streamed

        direct_share = self.direct_share

        peak_concurrent_streams = self.peak_concurrent_streams

        plays = self.plays

        remux_share = self.remux_share

        sessions = self.sessions

        transcode_share = self.transcode_share

        watch_hours = self.watch_hours

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "active_users": active_users,
                "bytes_streamed": bytes_streamed,
                "direct_share": direct_share,
                "peak_concurrent_streams": peak_concurrent_streams,
                "plays": plays,
                "remux_share": remux_share,
                "sessions": sessions,
                "transcode_share": transcode_share,
                "watch_hours": watch_hours,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        active_users = d.pop("active_users")

        bytes_streamed = d.pop("bytes_streamed")

        direct_share = d.pop("direct_share")

        peak_concurrent_streams = d.pop("peak_concurrent_streams")

        plays = d.pop("plays")

        remux_share = d.pop("remux_share")

        sessions = d.pop("sessions")

        transcode_share = d.pop("transcode_share")

        watch_hours = d.pop("watch_hours")

        period_figures = cls(
            active_users=active_users,
            bytes_streamed=bytes_streamed,
            direct_share=direct_share,
            peak_concurrent_streams=peak_concurrent_streams,
            plays=plays,
            remux_share=remux_share,
            sessions=sessions,
            transcode_share=transcode_share,
            watch_hours=watch_hours,
        )

        period_figures.additional_properties = d
        return period_figures

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
