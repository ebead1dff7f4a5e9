"""Staff roles and identifiers (SPEC STAFF-1, STAFF-2)."""

import re
from enum import StrEnum

MIS_CODE_PATTERN = re.compile(r"[0-9A-Z]{3}")
STAFF_USERNAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{2,63}")


class Role(StrEnum):
    CREATOR = "creator"
    """The OpenCCC Admin role: Add User, Multi Account Creation, applications on behalf."""
    SUPPORT = "support"
    """Look up accounts, see a user name, update an email, trigger a one-time password."""
    DIRECTOR = "director"
    """Approves staff access and grants roles, never its own."""


class StaffRuleError(ValueError):
    pass


def parse_roles(text: str) -> frozenset[Role]:
    """`creator,support` -> the roles; raises StaffRuleError naming an unknown one."""
    roles = set()
    for name in (part.strip().lower() for part in text.split(",")):
        if not name:
            continue
        try:
            roles.add(Role(name))
        except ValueError:
            known = ", ".join(r.value for r in Role)
            raise StaffRuleError(f"unknown role {name!r}: use {known}") from None
    return frozenset(roles)


def format_roles(roles: frozenset[Role]) -> str:
    return ",".join(sorted(r.value for r in roles))


def check_mis_code(text: str) -> str:
    code = text.strip().upper()
    if not MIS_CODE_PATTERN.fullmatch(code):
        raise StaffRuleError(f"a college MIS code is 3 letters or digits, not {text!r}")
    return code


def check_staff_username(text: str) -> str:
    """The user name in its stored form, lower case; raises StaffRuleError when unusable."""
    name = text.strip().lower()
    if not STAFF_USERNAME_PATTERN.fullmatch(name):
        raise StaffRuleError(
            "a staff user name is 3 to 64 letters, digits, dots, hyphens or underscores, "
            "starting with a letter or digit"
        )
    return name
