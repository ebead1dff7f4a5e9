"""Field paths (BULK-4's `email.confirm`, `address.postal_code` …) in the words a form shows,
for messages that name a field away from it."""

from openccc_tui.domain.errors import FieldError
from openccc_tui.services.errors import describe

FIELD_NAMES: dict[str, str] = {
    "email": "Email",
    "email.confirm": "Confirm email",
    "username": "User name",
    "name.first": "Legal first name",
    "name.middle": "Legal middle name",
    "name.last": "Legal last name",
    "name.suffix": "Suffix",
    "name.preferred": "Preferred name",
    "dob": "Date of birth",
    "dob.confirm": "Confirm date of birth",
    "terms.accepted": "Terms of Use",
    "address.homeless": "Homeless",
    "address.street1": "Street address 1",
    "address.street2": "Street address 2",
    "address.city": "City",
    "address.state": "State",
    "address.postal_code": "Postal code",
    "address.country": "Country",
    "phone": "Phone",
    "phone.number": "Primary phone",
    "phone.type": "Phone type",
    "password": "Password",
    "password.confirm": "Confirm password",
    "use_temp_password": "Use temporary password",
    "permission": "Permission reference",
    "verification": "How identity was verified",
    "note": "Note",
    "cccid": "CCCID",
    "secret.question": "Secret question",
    "secret.answer": "Secret answer",
    "ssn.last4": "Last 4 digits of SSN",
}


def field_name(path: str) -> str:
    """The words for `path`; an unknown path still reads as words, never as a dotted name."""
    return FIELD_NAMES.get(path) or path.replace(".", " ").replace("_", " ").capitalize()


def name_problems(errors: list[FieldError]) -> str:
    """`Confirm email: does not match the email entered above; …`"""
    return "; ".join(f"{field_name(e.path)}: {describe(e)}" for e in errors)
