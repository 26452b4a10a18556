from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.device_type import DeviceType
from ..types import UNSET, Unset

T = TypeVar("T", bound="LoginRequest")


@_attrs_define
class LoginRequest:
    """A username and password.

    Attributes:
        password (str):
        username (str): Compared without regard to case.
        device_name (None | str | Unset): A name for this device, shown in the session list ("Living room TV").
        device_type (DeviceType | None | Unset): What kind of device this session plays on; guessed from the `User-
            Agent` (then
            taken from the user's preferences) when absent.
    """

    password: str
    username: str
    device_name: None | str | Unset = UNSET
    device_type: DeviceType | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        password = self.password

        username = self.username

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
                "password": password,
                "username": username,
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
        password = d.pop("password")

        username = d.pop("username")

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

        login_request = cls(
            password=password,
            username=username,
            device_name=device_name,
            device_type=device_type,
        )

        return login_request
