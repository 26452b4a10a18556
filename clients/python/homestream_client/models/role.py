from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    GUEST = "guest"
    USER = "user"

    def __str__(self) -> str:
        return str(self.value)
