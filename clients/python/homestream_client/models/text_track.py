from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="TextTrack")


@_attrs_define
class TextTrack:
    """One text subtitle track a player can pick.

    Attributes:
        forced (bool):
        id (str): The id in subtitle URLs: `e3` for stream 3 of the file, `s0` for its first
            subtitle file.
        label (str): A name to show: the stream's title, the language, or the file name.
        source (str): `embedded` or `sidecar`.
        url (str): The WebVTT, as a path on this server (add a signed link's `?token=` for players).
        language (None | str | Unset): ISO 639 language, when known.
    """

    forced: bool
    id: str
    label: str
    source: str
    url: str
    language: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        forced = self.forced

        id = self.id

        label = self.label

        source = self.source

        url = self.url

        language: None | str | Unset
        if isinstance(self.language, Unset):
            language = UNSET
        else:
            language = self.language

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "forced": forced,
                "id": id,
                "label": label,
                "source": source,
                "url": url,
            }
        )
        if language is not UNSET:
            field_dict["language"] = language

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        forced = d.pop("forced")

        id = d.pop("id")

        label = d.pop("label")

        source = d.pop("source")

        url = d.pop("url")

        def _parse_language(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        language = _parse_language(d.pop("language", UNSET))

        text_track = cls(
            forced=forced,
            id=id,
            label=label,
            source=source,
            url=url,
            language=language,
        )

        text_track.additional_properties = d
        return text_track

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
