from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.device_type import DeviceType
from ..types import UNSET, Unset

T = TypeVar("T", bound="GuestLogin")


@_attrs_define
class GuestLogin:
    """A guest pass's code, to open a guest session.

    Attributes:
        code (str):
        device_name (None | str | Unset): A name for this device, shown in the session list.
        device_type (DeviceType | None | Unset):
    """

    code: str
    device_name: None | str | Unset = UNSET
    device_type: DeviceType | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        device_name: None | str | Unset
        if isinstance(self.device_name, Unset):
            device_name = UNSET
        else:
            device_name = self.device_name

        device_type: None | str | Unset
        if isinstance(self.device_type, Unset):
            device_type = UNSET
        elif isinstance(self.device_type, DeviceType):
            device_type = self.device_type.value
        else:
            device_type = self.device_type

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "code": code,
            }
        )
        if device_name is not UNSET:
            field_dict["device_name"] = device_name
        if device_type is not UNSET:
            field_dict["device_type"] = device_type

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        code = d.pop("code")

        def _parse_device_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        device_name = _parse_device_name(d.pop("device_name", UNSET))

        def _parse_device_type(data: object) -> DeviceType | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                device_type_type_1 = DeviceType(data)

                return device_type_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DeviceType | None | Unset, data)

        device_type = _parse_device_type(d.pop("device_type", UNSET))

        guest_login = cls(
            code=code,
            device_name=device_name,
            device_type=device_type,
        )

        return guest_login
