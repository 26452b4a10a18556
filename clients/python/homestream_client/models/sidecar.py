from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Sidecar")


@_attrs_define
class Sidecar:
    """A subtitle file next to a video (`Film.srt`, `Film.en.srt`, `Film.fra.forced.ass`).

    Attributes:
        file (str): The file name, in the video's folder.
        forced (bool):
        format_ (str): `srt`, `vtt`, `ass`, `ssa` or `sub`.
        language (None | str | Unset): The language tag between the video's name and the extension, if any.
    """

    file: str
    forced: bool
    format_: str
    language: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        file = self.file

        forced = self.forced

        format_ = self.format_

        language: None | str | Unset
        if isinstance(self.language, Unset):
            language = UNSET
        else:
            language = self.language

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "file": file,
                "forced": forced,
                "format": format_,
            }
        )
        if language is not UNSET:
            field_dict["language"] = language

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        file = d.pop("file")

        forced = d.pop("forced")

        format_ = d.pop("format")

        def _parse_language(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        language = _parse_language(d.pop("language", UNSET))

        sidecar = cls(
            file=file,
            forced=forced,
            format_=format_,
            language=language,
        )

        sidecar.additional_properties = d
        return sidecar

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
