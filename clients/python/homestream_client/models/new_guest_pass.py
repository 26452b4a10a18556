from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="NewGuestPass")


@_attrs_define
class NewGuestPass:
    """A new guest pass.

    Attributes:
        max_uses (int): Guest sessions the pass can open (1 to 1,000).
        valid_hours (int): Hours the pass can be used for, and that its sessions last at most (1 to 720).
        label (None | str | Unset): A note for administrators ("Grandma's visit").
        libraries (list[str] | None | Unset): The libraries its guests see, by name; absent: every library.
    """

    max_uses: int
    valid_hours: int
    label: None | str | Unset = UNSET
    libraries: list[str] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        max_uses = self.max_uses

        valid_hours = self.valid_hours

        label: None | str | Unset
        if isinstance(self.label, Unset):
            label = UNSET
        else:
            label = self.label

        libraries: list[str] | None | Unset
        if isinstance(self.libraries, Unset):
            libraries = UNSET
        elif isinstance(self.libraries, list):
            libraries = self.libraries

        else:
            libraries = self.libraries

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "max_uses": max_uses,
                "valid_hours": valid_hours,
            }
        )
        if label is not UNSET:
            field_dict["label"] = label
        if libraries is not UNSET:
            field_dict["libraries"] = libraries

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        max_uses = d.pop("max_uses")

        valid_hours = d.pop("valid_hours")

        def _parse_label(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        label = _parse_label(d.pop("label", UNSET))

        def _parse_libraries(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                libraries_type_0 = cast(list[str], data)

                return libraries_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        libraries = _parse_libraries(d.pop("libraries", UNSET))

        new_guest_pass = cls(
            max_uses=max_uses,
            valid_hours=valid_hours,
            label=label,
            libraries=libraries,
        )

        return new_guest_pass
