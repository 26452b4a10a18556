from enum import StrEnum


class ProgressiveMode(StrEnum):
    REMUX = "remux"
    TRANSCODE = "transcode"

    def __str__(self) -> str:
        return str(self.value)
