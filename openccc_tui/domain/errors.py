"""Field errors in the shape of the bulk upload messages (SPEC BULK-4)."""

from dataclasses import dataclass
from typing import Final, Literal

MISSING: Final = "missing.value"
INVALID: Final = "invalid.value"

ErrorCode = Literal["missing.value", "invalid.value"]


@dataclass(frozen=True)
class FieldError:
    """One problem with one field: `path` is the BULK-4 field path, `hint` a short human text."""

    path: str
    code: ErrorCode
    hint: str = ""

    def message(self) -> str:
        """`errorCode:<code>,field:<path>` with the hint after ` - ` when there is one."""
        text = f"errorCode:{self.code},field:{self.path}"
        return f"{text} - {self.hint}" if self.hint else text


def join_messages(errors: list[FieldError]) -> str:
    """All of a row's problems in one message, separated by `; ` (BULK-4)."""
    return "; ".join(error.message() for error in errors)
