from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.episode import Episode
    from ..models.season import Season
    from ..models.series import Series


T = TypeVar("T", bound="SeriesDetail")


@_attrs_define
class SeriesDetail:
    """A series with its seasons.

    Attributes:
        seasons (list[Season]):
        series (Series): A series: a folder (or a name) of episodes, with what its `tvshow.nfo` says.
        next_episode (Episode | None | Unset): That episode, with the caller's state of it (its resume point).
        next_episode_id (None | Unset | UUID): The episode "play" starts: the first one after the last the caller
            finished that
            they have not finished, else the first.
    """

    seasons: list[Season]
    series: Series
    next_episode: Episode | None | Unset = UNSET
    next_episode_id: None | Unset | UUID = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.episode import Episode

        seasons = []
        for seasons_item_data in self.seasons:
            seasons_item = seasons_item_data.to_dict()
            seasons.append(seasons_item)

        series = self.series.to_dict()

        next_episode: dict[str, Any] | None | Unset
        if isinstance(self.next_episode, Unset):
            next_episode = UNSET
        elif isinstance(self.next_episode, Episode):
            next_episode = self.next_episode.to_dict()
        else:
            next_episode = self.next_episode

        next_episode_id: None | str | Unset
        if isinstance(self.next_episode_id, Unset):
            next_episode_id = UNSET
        elif isinstance(self.next_episode_id, UUID):
            next_episode_id = str(self.next_episode_id)
        else:
            next_episode_id = self.next_episode_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "seasons": seasons,
                "series": series,
            }
        )
        if next_episode is not UNSET:
            field_dict["next_episode"] = next_episode
        if next_episode_id is not UNSET:
            field_dict["next_episode_id"] = next_episode_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.episode import Episode
        from ..models.season import Season
        from ..models.series import Series

        d = dict(src_dict)
        seasons = []
        _seasons = d.pop("seasons")
        for seasons_item_data in _seasons:
            seasons_item = Season.from_dict(seasons_item_data)

            seasons.append(seasons_item)

        series = Series.from_dict(d.pop("series"))

        def _parse_next_episode(data: object) -> Episode | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                next_episode_type_1 = Episode.from_dict(data)

                return next_episode_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Episode | None | Unset, data)

        next_episode = _parse_next_episode(d.pop("next_episode", UNSET))

        def _parse_next_episode_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_episode_id_type_0 = UUID(data)

                return next_episode_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        next_episode_id = _parse_next_episode_id(d.pop("next_episode_id", UNSET))

        series_detail = cls(
            seasons=seasons,
            series=series,
            next_episode=next_episode,
            next_episode_id=next_episode_id,
        )

        series_detail.additional_properties = d
        return series_detail

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
