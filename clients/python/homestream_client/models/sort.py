from enum import StrEnum


class Sort(StrEnum):
    ADDED = "added"
    DURATION = "duration"
    TITLE = "title"

    def __str__(self) -> str:
        return str(self.value)
