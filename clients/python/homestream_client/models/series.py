from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Series")


@_attrs_define
class Series:
    """A series: a folder (or a name) of episodes, with what its `tvshow.nfo` says.

    Attributes:
        episode_count (int): Playable episodes (a file covering several counts once).
        genres (list[str]):
        has_backdrop (bool):
        has_poster (bool): Whether `GET /api/series/{id}/image/poster` has a poster (else the first
            episode's frame is served).
        id (UUID):
        library (str):
        season_count (int):
        title (str):
        community_rating (float | None | Unset): The rating in the `.nfo`, 0 to 10.
        latest_added (datetime.datetime | None | Unset): When its newest episode was added.
        original_title (None | str | Unset):
        plot (None | str | Unset):
        premiered (None | str | Unset): `YYYY-MM-DD`.
        year (int | None | Unset):
    """

    episode_count: int
    genres: list[str]
    has_backdrop: bool
    has_poster: bool
    id: UUID
    library: str
    season_count: int
    title: str
    community_rating: float | None | Unset = UNSET
    latest_added: datetime.datetime | None | Unset = UNSET
    original_title: None | str | Unset = UNSET
    plot: None | str | Unset = UNSET
    premiered: None | str | Unset = UNSET
    year: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        episode_count = self.episode_count

        genres = self.genres

        has_backdrop = self.has_backdrop

        has_poster = self.has_poster

        id = str(self.id)

        library = self.library

        season_count = self.season_count

        title = self.title

        community_rating: float | None | Unset
        if isinstance(self.community_rating, Unset):
            community_rating = UNSET
        else:
            community_rating = self.community_rating

        latest_added: None | str | Unset
        if isinstance(self.latest_added, Unset):
            latest_added = UNSET
        elif isinstance(self.latest_added, datetime.datetime):
            latest_added = self.latest_added.isoformat()
        else:
            latest_added = self.latest_added

        original_title: None | str | Unset
        if isinstance(self.original_title, Unset):
            original_title = UNSET
        else:
            original_title = self.original_title

        plot: None | str | Unset
        if isinstance(self.plot, Unset):
            plot = UNSET
        else:
            plot = self.plot

        premiered: None | str | Unset
        if isinstance(self.premiered, Unset):
            premiered = UNSET
        else:
            premiered = self.premiered

        year: int | None | Unset
        if isinstance(self.year, Unset):
            year = UNSET
        else:
            year = self.year

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "episode_count": episode_count,
                "genres": genres,
                "has_backdrop": has_backdrop,
                "has_poster": has_poster,
                "id": id,
                "library": library,
                "season_count": season_count,
                "title": title,
            }
        )
        if community_rating is not UNSET:
            field_dict["community_rating"] = community_rating
        if latest_added is not UNSET:
            field_dict["latest_added"] = latest_added
        if original_title is not UNSET:
            field_dict["original_title"] = original_title
        if plot is not UNSET:
            field_dict["plot"] = plot
        if premiered is not UNSET:
            field_dict["premiered"] = premiered
        if year is not UNSET:
            field_dict["year"] = year

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        episode_count = d.pop("episode_count")

        genres = cast(list[str], d.pop("genres"))

        has_backdrop = d.pop("has_backdrop")

        has_poster = d.pop("has_poster")

        id = UUID(d.pop("id"))

        library = d.pop("library")

        season_count = d.pop("season_count")

        title = d.pop("title")

        def _parse_community_rating(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        community_rating = _parse_community_rating(d.pop("community_rating", UNSET))

        def _parse_latest_added(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                latest_added_type_0 = datetime.datetime.fromisoformat(data)

                return latest_added_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        latest_added = _parse_latest_added(d.pop("latest_added", UNSET))

        def _parse_original_title(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        original_title = _parse_original_title(d.pop("original_title", UNSET))

        def _parse_plot(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        plot = _parse_plot(d.pop("plot", UNSET))

        def _parse_premiered(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        premiered = _parse_premiered(d.pop("premiered", UNSET))

        def _parse_year(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        year = _parse_year(d.pop("year", UNSET))

        series = cls(
            episode_count=episode_count,
            genres=genres,
            has_backdrop=has_backdrop,
            has_poster=has_poster,
            id=id,
            library=library,
            season_count=season_count,
            title=title,
            community_rating=community_rating,
            latest_added=latest_added,
            original_title=original_title,
            plot=plot,
            premiered=premiered,
            year=year,
        )

        series.additional_properties = d
        return series

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
