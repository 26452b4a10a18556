from enum import StrEnum


class ClientPreset(StrEnum):
    ANDROID = "android"
    BROWSER = "browser"
    IOS = "ios"
    TV = "tv"

    def __str__(self) -> str:
        return str(self.value)
