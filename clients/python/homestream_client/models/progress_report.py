from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.player_state import PlayerState
from ..types import UNSET, Unset

T = TypeVar("T", bound="ProgressReport")


@_attrs_define
class ProgressReport:
    """A position report.

    Attributes:
        position_seconds (float): The playback position in seconds, from 0 to the video's duration.
        state (None | PlayerState | Unset): What the player is doing: `playing` (the default) and `paused` keep the
            session's stream of the video open; `stopped` (the player closed) frees its
            stream slot at once.
    """

    position_seconds: float
    state: None | PlayerState | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        position_seconds = self.position_seconds

        state: None | str | Unset
        if isinstance(self.state, Unset):
            state = UNSET
        elif isinstance(self.state, PlayerState):
            state = self.state.value
        else:
            state = self.state

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "position_seconds": position_seconds,
            }
        )
        if state is not UNSET:
            field_dict["state"] = state

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        position_seconds = d.pop("position_seconds")

        def _parse_state(data: object) -> None | PlayerState | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                state_type_1 = PlayerState(data)

                return state_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PlayerState | Unset, data)

        state = _parse_state(d.pop("state", UNSET))

        progress_report = cls(
            position_seconds=position_seconds,
            state=state,
        )

        return progress_report
