from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.role import Role
from ..types import UNSET, Unset

T = TypeVar("T", bound="UpdateUser")


@_attrs_define
class UpdateUser:
    """Changes to an account's access; absent fields stay as they are.

    Attributes:
        all_libraries (bool | None | Unset): `true`: every library, now and later (the default for new accounts). Cannot
            be
            sent with `libraries`.
        is_active (bool | None | Unset): `false` blocks logins and ends the account's sessions.
        libraries (list[str] | None | Unset): Only these libraries, by their configured names (an empty list hides every
            one): the catalog, search, popular, continue watching, playlists, playback and
            thumbnails show nothing else to this account.
        role (None | Role | Unset):
    """

    all_libraries: bool | None | Unset = UNSET
    is_active: bool | None | Unset = UNSET
    libraries: list[str] | None | Unset = UNSET
    role: None | Role | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        all_libraries: bool | None | Unset
        if isinstance(self.all_libraries, Unset):
            all_libraries = UNSET
        else:
            all_libraries = self.all_libraries

        is_active: bool | None | Unset
        if isinstance(self.is_active, Unset):
            is_active = UNSET
        else:
            is_active = self.is_active

        libraries: list[str] | None | Unset
        if isinstance(self.libraries, Unset):
            libraries = UNSET
        elif isinstance(self.libraries, list):
            libraries = self.libraries

        else:
            libraries = self.libraries

        role: None | str | Unset
        if isinstance(self.role, Unset):
            role = UNSET
        elif isinstance(self.role, Role):
            role = self.role.value
        else:
            role = self.role

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if all_libraries is not UNSET:
            field_dict["all_libraries"] = all_libraries
        if is_active is not UNSET:
            field_dict["is_active"] = is_active
        if libraries is not UNSET:
            field_dict["libraries"] = libraries
        if role is not UNSET:
            field_dict["role"] = role

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_all_libraries(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        all_libraries = _parse_all_libraries(d.pop("all_libraries", UNSET))

        def _parse_is_active(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        is_active = _parse_is_active(d.pop("is_active", UNSET))

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

        def _parse_role(data: object) -> None | Role | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                role_type_1 = Role(data)

                return role_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Role | Unset, data)

        role = _parse_role(d.pop("role", UNSET))

        update_user = cls(
            all_libraries=all_libraries,
            is_active=is_active,
            libraries=libraries,
            role=role,
        )

        return update_user
