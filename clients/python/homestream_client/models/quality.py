from enum import StrEnum


class Quality(StrEnum):
    AUTO = "auto"
    VALUE_1 = "480p"
    VALUE_2 = "720p"
    VALUE_3 = "1080p"

    def __str__(self) -> str:
        return str(self.value)
