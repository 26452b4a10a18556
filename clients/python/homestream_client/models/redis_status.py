from enum import StrEnum


class RedisStatus(StrEnum):
    DISABLED = "disabled"
    OK = "ok"
    UNAVAILABLE = "unavailable"

    def __str__(self) -> str:
        return str(self.value)
