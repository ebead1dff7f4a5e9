"""Errors a service raises for the caller to show: each message says what to fix."""

from openccc_tui.domain.errors import MISSING, FieldError


class ServiceError(Exception):
    """A request that cannot be carried out; `str(error)` is fit to show to the user."""


class PermissionDenied(ServiceError):
    """The signed-in staff member lacks the role this action needs (STAFF-2)."""


class NotFound(ServiceError):
    pass


class AlreadyExists(ServiceError):
    pass


class InvalidInput(ServiceError):
    """Field problems, each with its BULK-4 path and code."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.path}: {describe(e)}" for e in errors))


def describe(error: FieldError) -> str:
    """The human half of a field error, for a form or a command line."""
    if error.hint:
        return error.hint
    return "required" if error.code == MISSING else "not valid"
