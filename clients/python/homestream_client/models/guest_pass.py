from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="GuestPass")


@_attrs_define
class GuestPass:
    """A guest pass, without its code.

    Attributes:
        created_at (datetime.datetime):
        expires_at (datetime.datetime): Its sessions end then at the latest.
        id (UUID):
        max_uses (int):
        open_sessions (int): Guest sessions open now from this pass.
        uses (int):
        created_by (None | Unset | UUID): The administrator who made it (absent once deleted).
        label (None | str | Unset):
        libraries (list[str] | None | Unset): The libraries its guests see; absent: every library.
        revoked_at (datetime.datetime | None | Unset):
    """

    created_at: datetime.datetime
    expires_at: datetime.datetime
    id: UUID
    max_uses: int
    open_sessions: int
    uses: int
    created_by: None | Unset | UUID = UNSET
    label: None | str | Unset = UNSET
    libraries: list[str] | None | Unset = UNSET
    revoked_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        expires_at = self.expires_at.isoformat()

        id = str(self.id)

        max_uses = self.max_uses

        open_sessions = self.open_sessions

        uses = self.uses

        created_by: None | str | Unset
        if isinstance(self.created_by, Unset):
            created_by = UNSET
        elif isinstance(self.created_by, UUID):
            created_by = str(self.created_by)
        else:
            created_by = self.created_by

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

        revoked_at: None | str | Unset
        if isinstance(self.revoked_at, Unset):
            revoked_at = UNSET
        elif isinstance(self.revoked_at, datetime.datetime):
            revoked_at = self.revoked_at.isoformat()
        else:
            revoked_at = self.revoked_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "expires_at": expires_at,
                "id": id,
                "max_uses": max_uses,
                "open_sessions": open_sessions,
                "uses": uses,
            }
        )
        if created_by is not UNSET:
            field_dict["created_by"] = created_by
        if label is not UNSET:
            field_dict["label"] = label
        if libraries is not UNSET:
            field_dict["libraries"] = libraries
        if revoked_at is not UNSET:
            field_dict["revoked_at"] = revoked_at

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        id = UUID(d.pop("id"))

        max_uses = d.pop("max_uses")

        open_sessions = d.pop("open_sessions")

        uses = d.pop("uses")

        def _parse_created_by(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                created_by_type_0 = UUID(data)

                return created_by_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        created_by = _parse_created_by(d.pop("created_by", UNSET))

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

        def _parse_revoked_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                revoked_at_type_0 = datetime.datetime.fromisoformat(data)

                return revoked_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        revoked_at = _parse_revoked_at(d.pop("revoked_at", UNSET))

        guest_pass = cls(
            created_at=created_at,
            expires_at=expires_at,
            id=id,
            max_uses=max_uses,
            open_sessions=open_sessions,
            uses=uses,
            created_by=created_by,
            label=label,
            libraries=libraries,
            revoked_at=revoked_at,
        )

        guest_pass.additional_properties = d
        return guest_pass

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
