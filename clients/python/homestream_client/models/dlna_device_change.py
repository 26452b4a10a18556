from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="DlnaDeviceChange")


@_attrs_define
class DlnaDeviceChange:
    """A change to a DLNA device.

    Attributes:
        blocked (bool): `true` blocks it: its media URLs fail at once, its running streams stop, and its
            requests get 403. `false` allows it again with new URLs (those it had stay
            dead).
    """

    blocked: bool

    def to_dict(self) -> dict[str, Any]:
        blocked = self.blocked

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "blocked": blocked,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        blocked = d.pop("blocked")

        dlna_device_change = cls(
            blocked=blocked,
        )

        return dlna_device_change
