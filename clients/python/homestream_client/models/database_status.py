from enum import StrEnum


class DatabaseStatus(StrEnum):
    OK = "ok"
    OUTDATED = "outdated"
    UNREACHABLE = "unreachable"

    def __str__(self) -> str:
        return str(self.value)
