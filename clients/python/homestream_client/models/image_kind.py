from enum import StrEnum


class ImageKind(StrEnum):
    BACKDROP = "backdrop"
    POSTER = "poster"

    def __str__(self) -> str:
        return str(self.value)
