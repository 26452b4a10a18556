from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.period_figures import PeriodFigures
    from ..models.top_video import TopVideo


T = TypeVar("T", bound="MyStats")


@_attrs_define
class MyStats:
    """One's own viewing over a period.

    Attributes:
        from_ (datetime.datetime):
        to (datetime.datetime):
        top_videos (list[TopVideo]): The ten videos played most.
        total (PeriodFigures): The figures of one period.
    """

    from_: datetime.datetime
    to: datetime.datetime
    top_videos: list[TopVideo]
    total: PeriodFigures
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from_ = self.from_.isoformat()

        to = self.to.isoformat()

        top_videos = []
        for top_videos_item_data in self.top_videos:
            top_videos_item = top_videos_item_data.to_dict()
            top_videos.append(top_videos_item)

        total = self.total.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "from": from_,
                "to": to,
                "top_videos": top_videos,
                "total": total,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.period_figures import PeriodFigures
        from ..models.top_video import TopVideo

        d = dict(src_dict)
        from_ = datetime.datetime.fromisoformat(d.pop("from"))

        to = datetime.datetime.fromisoformat(d.pop("to"))

        top_videos = []
        _top_videos = d.pop("top_videos")
        for top_videos_item_data in _top_videos:
            top_videos_item = TopVideo.from_dict(top_videos_item_data)

            top_videos.append(top_videos_item)

        total = PeriodFigures.from_dict(d.pop("total"))

        my_stats = cls(
            from_=from_,
            to=to,
            top_videos=top_videos,
            total=total,
        )

        my_stats.additional_properties = d
        return my_stats

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
