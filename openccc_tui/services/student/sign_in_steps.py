"""The steps of the student sign-in flow and the choices of its first page, in a module
that needs no database: the Sign In page is shown while the database is still being
opened, and only its answer needs the flow (services/student/sign_in.py)."""

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openccc_tui.config import Settings


class Step(StrEnum):
    SIGN_IN = "sign_in"
    USERNAME = "username"
    PASSWORD = "password"
    VALIDATION_CODE = "validation_code"
    ALTERNATE_CONTACT = "alternate_contact"
    HELPDESK = "helpdesk"
    EDIT_PROFILE = "edit_profile"
    UPDATE_PASSWORD = "update_password"
    DONE = "done"


class Method(StrEnum):
    EMAIL = "email"
    PHONE = "phone"

    @property
    def other(self) -> "Method":
        return Method.PHONE if self is Method.EMAIL else Method.EMAIL


FIRST_METHOD = Method.EMAIL
"""What the Sign In page asks for until the student chooses the other."""


def recovery_offered(settings: "Settings") -> bool:
    """Recover Account (REC-2, REC-3) is offered unless the policy profile rules it out (nist)."""
    from openccc_tui.domain.policy import get_profile

    return get_profile(settings.policy_profile).knowledge_based_recovery
