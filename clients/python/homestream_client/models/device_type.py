from enum import StrEnum


class DeviceType(StrEnum):
    DESKTOP = "desktop"
    MOBILE = "mobile"
    TV = "tv"

    def __str__(self) -> str:
        return str(self.value)
