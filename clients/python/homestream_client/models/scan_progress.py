from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ScanProgress")


@_attrs_define
class ScanProgress:
    """Where a scan is, or how the last one ended.

    Attributes:
        elapsed_seconds (float): Seconds since the scan started (to its end once finished).
        errors (list[str]): Libraries that could not be read.
        failed (int): Files that could not be read as media.
        missing (int): Files gone from disk, now out of the catalog.
        moved (int): Files recognised at a new path.
        probed (int): Files probed (new or changed): MP4 and Matroska in process, others with ffprobe.
        running (bool):
        seen (int): Media files found.
        skipped (int): Unchanged files that needed no probe.
        thumbnails_pending (int): Thumbnails still to make.
        catalogued_seconds (float | None | Unset): Seconds from the start until every file found was in the catalog;
            thumbnails
            are made after that (the scan runs on until they are).
        current_library (None | str | Unset): The library being scanned now.
        finished_at (datetime.datetime | None | Unset):
        started_at (datetime.datetime | None | Unset):
    """

    elapsed_seconds: float
    errors: list[str]
    failed: int
    missing: int
    moved: int
    probed: int
    running: bool
    seen: int
    skipped: int
    thumbnails_pending: int
    catalogued_seconds: float | None | Unset = UNSET
    current_library: None | str | Unset = UNSET
    finished_at: datetime.datetime | None | Unset = UNSET
    started_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        elapsed_seconds = self.elapsed_seconds

        errors = self.errors

        failed = self.failed

        missing = self.missing

        moved = self.moved

        probed = self.probed

        running = self.running

        seen = self.seen

        skipped = self.skipped

        thumbnails_pending = self.thumbnails_pending

        catalogued_seconds: float | None | Unset
        if isinstance(self.catalogued_seconds, Unset):
            catalogued_seconds = UNSET
        else:
            catalogued_seconds = self.catalogued_seconds

        current_library: None | str | Unset
        if isinstance(self.current_library, Unset):
            current_library = UNSET
        else:
            current_library = self.current_library

        finished_at: None | str | Unset
        if isinstance(self.finished_at, Unset):
            finished_at = UNSET
        elif isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        started_at: None | str | Unset
        if isinstance(self.started_at, Unset):
            started_at = UNSET
        elif isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "elapsed_seconds": elapsed_seconds,
                "errors": errors,
                "failed": failed,
                "missing": missing,
                "moved": moved,
                "probed": probed,
                "running": running,
                "seen": seen,
                "skipped": skipped,
                "thumbnails_pending": thumbnails_pending,
            }
        )
        if catalogued_seconds is not UNSET:
            field_dict["catalogued_seconds"] = catalogued_seconds
        if current_library is not UNSET:
            field_dict["current_library"] = current_library
        if finished_at is not UNSET:
            field_dict["finished_at"] = finished_at
        if started_at is not UNSET:
            field_dict["started_at"] = started_at

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        elapsed_seconds = d.pop("elapsed_seconds")

        errors = cast(list[str], d.pop("errors"))

        failed = d.pop("failed")

        missing = d.pop("missing")

        moved = d.pop("moved")

        probed = d.pop("probed")

        running = d.pop("running")

        seen = d.pop("seen")

        skipped = d.pop("skipped")

        thumbnails_pending = d.pop("thumbnails_pending")

        def _parse_catalogued_seconds(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        catalogued_seconds = _parse_catalogued_seconds(
            d.pop("catalogued_seconds", UNSET)
        )

        def _parse_current_library(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        current_library = _parse_current_library(d.pop("current_library", UNSET))

        def _parse_finished_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        finished_at = _parse_finished_at(d.pop("finished_at", UNSET))

        def _parse_started_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        started_at = _parse_started_at(d.pop("started_at", UNSET))

        scan_progress = cls(
            elapsed_seconds=elapsed_seconds,
            errors=errors,
            failed=failed,
            missing=missing,
            moved=moved,
            probed=probed,
            running=running,
            seen=seen,
            skipped=skipped,
            thumbnails_pending=thumbnails_pending,
            catalogued_seconds=catalogued_seconds,
            current_library=current_library,
            finished_at=finished_at,
            started_at=started_at,
        )

        scan_progress.additional_properties = d
        return scan_progress

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
