from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.video_kind import VideoKind
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
        display_title (str): The title to show in a list of mixed entries: `Series - S01E02 - Title` for an
            episode, `Title (Year)` for a film.
        filename (str):
        genres (list[str]):
        has_backdrop (bool): Whether `GET /api/videos/{id}/image/backdrop` has an image.
        has_poster (bool): Whether `GET /api/videos/{id}/image/poster` has a poster (a film's poster, an
            episode's own thumb) rather than the grabbed frame.
        has_thumbnail (bool): Whether `GET /api/videos/{id}/thumbnail` has an image.
        id (UUID):
        kind (VideoKind): What a catalog entry is.
        library (str): The library's name.
        path (str): The path inside the library, '/'-separated.
        sidecars (list[Sidecar]): Subtitle files beside the video.
        size (int): Bytes.
        subtitles (list[SubtitleStream]):
        text_tracks (list[TextTrack]): The text subtitles (embedded and beside the file) served as WebVTT.
        title (str): An episode's or film's own title: from its `.nfo`, else its file name (cleaned of
            numbers, years and release tags), else the container's title tag.
        updated_at (datetime.datetime):
        bit_rate (int | None | Unset): Bits per second of the whole file.
        community_rating (float | None | Unset): The rating in the `.nfo`, 0 to 10.
        duration (float | None | Unset): Seconds.
        episode (int | None | Unset): An episode's number in its season (its absolute number when the season is
            unknown).
        episode_end (int | None | Unset): The last episode of a file covering several (`S01E23-E24`).
        frame_rate (float | None | Unset): Frames per second.
        height (int | None | Unset):
        original_title (None | str | Unset):
        part (int | None | Unset): Which part of a film split over files this is.
        plot (None | str | Unset): The plot, from the `.nfo`.
        premiered (None | str | Unset): A film's release or an episode's air date, `YYYY-MM-DD`.
        season (int | None | Unset): An episode's season: 0 for specials; absent when unknown.
        series_id (None | Unset | UUID): The series of an episode.
        series_title (None | str | Unset):
        user_data (None | Unset | UserData): The caller's progress, resume position and rating; only on `GET
            /api/videos/{id}`, and only once the caller played or rated the video.
        version (None | str | Unset): What tells this file from other versions of its film (`1080p`, `Director's Cut`).
        video_codec (None | str | Unset):
        video_level (int | None | Unset): As ffprobe reports it (41 is H.264 level 4.1).
        video_profile (None | str | Unset):
        width (int | None | Unset):
        year (int | None | Unset): A film's year.
    """

    added_at: datetime.datetime
    audio: list[AudioStream]
    container: str
    content_type: str
    display_title: str
    filename: str
    genres: list[str]
    has_backdrop: bool
    has_poster: bool
    has_thumbnail: bool
    id: UUID
    kind: VideoKind
    library: str
    path: str
    sidecars: list[Sidecar]
    size: int
    subtitles: list[SubtitleStream]
    text_tracks: list[TextTrack]
    title: str
    updated_at: datetime.datetime
    bit_rate: int | None | Unset = UNSET
    community_rating: float | None | Unset = UNSET
    duration: float | None | Unset = UNSET
    episode: int | None | Unset = UNSET
    episode_end: int | None | Unset = UNSET
    frame_rate: float | None | Unset = UNSET
    height: int | None | Unset = UNSET
    original_title: None | str | Unset = UNSET
    part: int | None | Unset = UNSET
    plot: None | str | Unset = UNSET
    premiered: None | str | Unset = UNSET
    season: int | None | Unset = UNSET
    series_id: None | Unset | UUID = UNSET
    series_title: None | str | Unset = UNSET
    user_data: None | Unset | UserData = UNSET
    version: None | str | Unset = UNSET
    video_codec: None | str | Unset = UNSET
    video_level: int | None | Unset = UNSET
    video_profile: None | str | Unset = UNSET
    width: int | None | Unset = UNSET
    year: int | None | Unset = UNSET
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

        display_title = self.display_title

        filename = self.filename

        genres = self.genres

        has_backdrop = self.has_backdrop

        has_poster = self.has_poster

        has_thumbnail = self.has_thumbnail

        id = str(self.id)

        kind = self.kind.value

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

        community_rating: float | None | Unset
        if isinstance(self.community_rating, Unset):
            community_rating = UNSET
        else:
            community_rating = self.community_rating

        duration: float | None | Unset
        if isinstance(self.duration, Unset):
            duration = UNSET
        else:
            duration = self.duration

        episode: int | None | Unset
        if isinstance(self.episode, Unset):
            episode = UNSET
        else:
            episode = self.episode

        episode_end: int | None | Unset
        if isinstance(self.episode_end, Unset):
            episode_end = UNSET
        else:
            episode_end = self.episode_end

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

        original_title: None | str | Unset
        if isinstance(self.original_title, Unset):
            original_title = UNSET
        else:
            original_title = self.original_title

        part: int | None | Unset
        if isinstance(self.part, Unset):
            part = UNSET
        else:
            part = self.part

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

        season: int | None | Unset
        if isinstance(self.season, Unset):
            season = UNSET
        else:
            season = self.season

        series_id: None | str | Unset
        if isinstance(self.series_id, Unset):
            series_id = UNSET
        elif isinstance(self.series_id, UUID):
            series_id = str(self.series_id)
        else:
            series_id = self.series_id

        series_title: None | str | Unset
        if isinstance(self.series_title, Unset):
            series_title = UNSET
        else:
            series_title = self.series_title

        user_data: dict[str, Any] | None | Unset
        if isinstance(self.user_data, Unset):
            user_data = UNSET
        elif isinstance(self.user_data, UserData):
            user_data = self.user_data.to_dict()
        else:
            user_data = self.user_data

        version: None | str | Unset
        if isinstance(self.version, Unset):
            version = UNSET
        else:
            version = self.version

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

        year: int | None | Unset
        if isinstance(self.year, Unset):
            year = UNSET
        else:
            year = self.year

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "added_at": added_at,
                "audio": audio,
                "container": container,
                "content_type": content_type,
                "display_title": display_title,
                "filename": filename,
                "genres": genres,
                "has_backdrop": has_backdrop,
                "has_poster": has_poster,
                "has_thumbnail": has_thumbnail,
                "id": id,
                "kind": kind,
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
        if community_rating is not UNSET:
            field_dict["community_rating"] = community_rating
        if duration is not UNSET:
            field_dict["duration"] = duration
        if episode is not UNSET:
            field_dict["episode"] = episode
        if episode_end is not UNSET:
            field_dict["episode_end"] = episode_end
        if frame_rate is not UNSET:
            field_dict["frame_rate"] = frame_rate
        if height is not UNSET:
            field_dict["height"] = height
        if original_title is not UNSET:
            field_dict["original_title"] = original_title
        if part is not UNSET:
            field_dict["part"] = part
        if plot is not UNSET:
            field_dict["plot"] = plot
        if premiered is not UNSET:
            field_dict["premiered"] = premiered
        if season is not UNSET:
            field_dict["season"] = season
        if series_id is not UNSET:
            field_dict["series_id"] = series_id
        if series_title is not UNSET:
            field_dict["series_title"] = series_title
        if user_data is not UNSET:
            field_dict["user_data"] = user_data
        if version is not UNSET:
            field_dict["version"] = version
        if video_codec is not UNSET:
            field_dict["video_codec"] = video_codec
        if video_level is not UNSET:
            field_dict["video_level"] = video_level
        if video_profile is not UNSET:
            field_dict["video_profile"] = video_profile
        if width is not UNSET:
            field_dict["width"] = width
        if year is not UNSET:
            field_dict["year"] = year

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

        display_title = d.pop("display_title")

        filename = d.pop("filename")

        genres = cast(list[str], d.pop("genres"))

        has_backdrop = d.pop("has_backdrop")

        has_poster = d.pop("has_poster")

        has_thumbnail = d.pop("has_thumbnail")

        id = UUID(d.pop("id"))

        kind = VideoKind(d.pop("kind"))

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

        def _parse_community_rating(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        community_rating = _parse_community_rating(d.pop("community_rating", UNSET))

        def _parse_duration(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        duration = _parse_duration(d.pop("duration", UNSET))

        def _parse_episode(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        episode = _parse_episode(d.pop("episode", UNSET))

        def _parse_episode_end(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        episode_end = _parse_episode_end(d.pop("episode_end", UNSET))

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

        def _parse_original_title(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        original_title = _parse_original_title(d.pop("original_title", UNSET))

        def _parse_part(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        part = _parse_part(d.pop("part", UNSET))

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

        def _parse_season(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        season = _parse_season(d.pop("season", UNSET))

        def _parse_series_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                series_id_type_0 = UUID(data)

                return series_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        series_id = _parse_series_id(d.pop("series_id", UNSET))

        def _parse_series_title(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        series_title = _parse_series_title(d.pop("series_title", UNSET))

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

        def _parse_version(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        version = _parse_version(d.pop("version", UNSET))

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

        def _parse_year(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        year = _parse_year(d.pop("year", UNSET))

        video = cls(
            added_at=added_at,
            audio=audio,
            container=container,
            content_type=content_type,
            display_title=display_title,
            filename=filename,
            genres=genres,
            has_backdrop=has_backdrop,
            has_poster=has_poster,
            has_thumbnail=has_thumbnail,
            id=id,
            kind=kind,
            library=library,
            path=path,
            sidecars=sidecars,
            size=size,
            subtitles=subtitles,
            text_tracks=text_tracks,
            title=title,
            updated_at=updated_at,
            bit_rate=bit_rate,
            community_rating=community_rating,
            duration=duration,
            episode=episode,
            episode_end=episode_end,
            frame_rate=frame_rate,
            height=height,
            original_title=original_title,
            part=part,
            plot=plot,
            premiered=premiered,
            season=season,
            series_id=series_id,
            series_title=series_title,
            user_data=user_data,
            version=version,
            video_codec=video_codec,
            video_level=video_level,
            video_profile=video_profile,
            width=width,
            year=year,
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
