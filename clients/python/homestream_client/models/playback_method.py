from enum import StrEnum


class PlaybackMethod(StrEnum):
    DIRECT = "direct"
    REMUX = "remux"
    TRANSCODE = "transcode"

    def __str__(self) -> str:
        return str(self.value)
