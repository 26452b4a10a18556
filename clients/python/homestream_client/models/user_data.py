from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="UserData")


@_attrs_define
class UserData:
    """The caller's state of one video.

    Attributes:
        play_count (int): How many times the video was watched to the end (90%).
        position_seconds (float): The last reported position, in seconds.
        progress_percent (float): How far into the video that is, 0 to 100.
        watch_time_seconds (int): Seconds spent watching, over every report.
        watched (bool): Watched to 90% or more.
        last_watched (datetime.datetime | None | Unset):
        rating (int | None | Unset): The caller's rating, 1 to 5.
        resume_seconds (float | None | Unset): Where to resume, in seconds; absent once watched or never started.
    """

    play_count: int
    position_seconds: float
    progress_percent: float
    watch_time_seconds: int
    watched: bool
    last_watched: datetime.datetime | None | Unset = UNSET
    rating: int | None | Unset = UNSET
    resume_seconds: float | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        play_count = self.play_count

        position_seconds = self.position_seconds

        progress_percent = self.progress_percent

        watch_time_seconds = self.watch_time_seconds

        watched = self.watched

        last_watched: None | str | Unset
        if isinstance(self.last_watched, Unset):
            last_watched = UNSET
        elif isinstance(self.last_watched, datetime.datetime):
            last_watched = self.last_watched.isoformat()
        else:
            last_watched = self.last_watched

        rating: int | None | Unset
        if isinstance(self.rating, Unset):
            rating = UNSET
        else:
            rating = self.rating

        resume_seconds: float | None | Unset
        if isinstance(self.resume_seconds, Unset):
            resume_seconds = UNSET
        else:
            resume_seconds = self.resume_seconds

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "play_count": play_count,
                "position_seconds": position_seconds,
                "progress_percent": progress_percent,
                "watch_time_seconds": watch_time_seconds,
                "watched": watched,
            }
        )
        if last_watched is not UNSET:
            field_dict["last_watched"] = last_watched
        if rating is not UNSET:
            field_dict["rating"] = rating
        if resume_seconds is not UNSET:
            field_dict["resume_seconds"] = resume_seconds

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        play_count = d.pop("play_count")

        position_seconds = d.pop("position_seconds")

        progress_percent = d.pop("progress_percent")

        watch_time_seconds = d.pop("watch_time_seconds")

        watched = d.pop("watched")

        def _parse_last_watched(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_watched_type_0 = datetime.datetime.fromisoformat(data)

                return last_watched_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        last_watched = _parse_last_watched(d.pop("last_watched", UNSET))

        def _parse_rating(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        rating = _parse_rating(d.pop("rating", UNSET))

        def _parse_resume_seconds(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        resume_seconds = _parse_resume_seconds(d.pop("resume_seconds", UNSET))

        user_data = cls(
            play_count=play_count,
            position_seconds=position_seconds,
            progress_percent=progress_percent,
            watch_time_seconds=watch_time_seconds,
            watched=watched,
            last_watched=last_watched,
            rating=rating,
            resume_seconds=resume_seconds,
        )

        user_data.additional_properties = d
        return user_data

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
