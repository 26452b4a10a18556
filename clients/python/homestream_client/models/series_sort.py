from enum import StrEnum


class SeriesSort(StrEnum):
    ADDED = "added"
    TITLE = "title"

    def __str__(self) -> str:
        return str(self.value)
