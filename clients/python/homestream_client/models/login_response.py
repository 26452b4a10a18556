from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.account import Account


T = TypeVar("T", bound="LoginResponse")


@_attrs_define
class LoginResponse:
    """A token for the new session.

    Attributes:
        access_token (str): A JWT to send as `Authorization: Bearer <token>`.
        expires_in (int): Seconds until the token expires and a new login is needed (`auth.reauth_after`).
            The session also ends after `auth.session_timeout` without requests.
        session_id (UUID): The server-side session the token belongs to.
        token_type (str): Always `Bearer`.
        user (Account): An account as shown to clients (never with its password hash).
    """

    access_token: str
    expires_in: int
    session_id: UUID
    token_type: str
    user: Account
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        access_token = self.access_token

        expires_in = self.expires_in

        session_id = str(self.session_id)

        token_type = self.token_type

        user = self.user.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "access_token": access_token,
                "expires_in": expires_in,
                "session_id": session_id,
                "token_type": token_type,
                "user": user,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.account import Account

        d = dict(src_dict)
        access_token = d.pop("access_token")

        expires_in = d.pop("expires_in")

        session_id = UUID(d.pop("session_id"))

        token_type = d.pop("token_type")

        user = Account.from_dict(d.pop("user"))

        login_response = cls(
            access_token=access_token,
            expires_in=expires_in,
            session_id=session_id,
            token_type=token_type,
            user=user,
        )

        login_response.additional_properties = d
        return login_response

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
