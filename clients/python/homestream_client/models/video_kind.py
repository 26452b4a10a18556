from enum import StrEnum


class VideoKind(StrEnum):
    EPISODE = "episode"
    FILM = "film"
    VIDEO = "video"

    def __str__(self) -> str:
        return str(self.value)
