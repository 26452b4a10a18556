from enum import StrEnum


class PlayerState(StrEnum):
    PAUSED = "paused"
    PLAYING = "playing"
    STOPPED = "stopped"

    def __str__(self) -> str:
        return str(self.value)
