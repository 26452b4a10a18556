from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.guest_pass import GuestPass


T = TypeVar("T", bound="IssuedGuestPass")


@_attrs_define
class IssuedGuestPass:
    """A pass just made, with its code: shown this once.

    Attributes:
        code (str): The secret to give the guest; only its hash is kept.
        pass_ (GuestPass): A guest pass, without its code.
        url (str): The web app's page that opens a guest session with the code.
    """

    code: str
    pass_: GuestPass
    url: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        pass_ = self.pass_.to_dict()

        url = self.url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
                "pass": pass_,
                "url": url,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.guest_pass import GuestPass

        d = dict(src_dict)
        code = d.pop("code")

        pass_ = GuestPass.from_dict(d.pop("pass"))

        url = d.pop("url")

        issued_guest_pass = cls(
            code=code,
            pass_=pass_,
            url=url,
        )

        issued_guest_pass.additional_properties = d
        return issued_guest_pass

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
