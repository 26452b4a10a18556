from enum import StrEnum


class ReadyStatus(StrEnum):
    DEGRADED = "degraded"
    NOT_READY = "not_ready"
    READY = "ready"

    def __str__(self) -> str:
        return str(self.value)
