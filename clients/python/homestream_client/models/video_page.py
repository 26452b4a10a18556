from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.video import Video


T = TypeVar("T", bound="VideoPage")


@_attrs_define
class VideoPage:
    """One page of the catalog.

    Attributes:
        has_more (bool): Whether videos follow this page.
        items (list[Video]):
        limit (int):
        offset (int):
        total_capped (bool): `true` when a search stopped counting at 1,000 matches (`total` is 1000 and more
            match: "1,000+"). A common word matches most of a large catalog, and counting
            every match would read all of them for each keystroke.
        total (int | None | Unset): Videos matching the query in all pages; `null` when `count=false` asked not to
            count them. A search (`q`) counts up to 1,000: see `total_capped`.
    """

    has_more: bool
    items: list[Video]
    limit: int
    offset: int
    total_capped: bool
    total: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        has_more = self.has_more

        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        limit = self.limit

        offset = self.offset

        total_capped = self.total_capped

        total: int | None | Unset
        if isinstance(self.total, Unset):
            total = UNSET
        else:
            total = self.total

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "has_more": has_more,
                "items": items,
                "limit": limit,
                "offset": offset,
                "total_capped": total_capped,
            }
        )
        if total is not UNSET:
            field_dict["total"] = total

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.video import Video

        d = dict(src_dict)
        has_more = d.pop("has_more")

        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = Video.from_dict(items_item_data)

            items.append(items_item)

        limit = d.pop("limit")

        offset = d.pop("offset")

        total_capped = d.pop("total_capped")

        def _parse_total(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        total = _parse_total(d.pop("total", UNSET))

        video_page = cls(
            has_more=has_more,
            items=items,
            limit=limit,
            offset=offset,
            total_capped=total_capped,
            total=total,
        )

        video_page.additional_properties = d
        return video_page

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
