"""Email and phone normalising (SPEC ACC-8, SIGN-1)."""

import unicodedata
from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email

MAX_EMAIL_LENGTH = 254


class ContactError(ValueError):
    """The text is not a usable email address or phone number; the message says why."""


def normalise_email(email: str) -> str:
    """The form used for every comparison: trimmed, composed (NFC) and lower-cased (ACC-8), so
    `josé` typed with a combining accent and with `é` is one address."""
    return unicodedata.normalize("NFC", email.strip()).lower()


def parent_email(email: str) -> str | None:
    """The parent of a "plus one" address: `dept+anything@college.edu` -> `dept@college.edu`.

    None when the address has no plus part. The result is normalised.
    """
    local, at, domain = normalise_email(email).rpartition("@")
    if not at or "+" not in local:
        return None
    base = local.split("+", 1)[0]
    if not base:
        return None
    return f"{base}@{domain}"


def check_email(email: str) -> str:
    """The trimmed address when its syntax is valid; raises ContactError saying what is wrong.

    No DNS look-up: kiosks and test machines have no network, and staff type temporary
    addresses that a college creates later.
    """
    text = email.strip()
    if len(text) > MAX_EMAIL_LENGTH:
        raise ContactError(f"an email address has at most {MAX_EMAIL_LENGTH} characters")
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        raise ContactError(str(error).rstrip(".")) from None
    return text


@dataclass(frozen=True)
class Phone:
    e164: str
    region: str


def normalise_phone(text: str, region: str = "US") -> Phone:
    """A phone number in E.164 (`+15305551234`), read with `region` as the default country.

    Raises ContactError when the number is not a valid number for that country.
    """
    default_region = region.upper() if region.upper() in phonenumbers.SUPPORTED_REGIONS else "US"
    try:
        number = phonenumbers.parse(text.strip(), default_region)
    except phonenumbers.NumberParseException:
        raise ContactError("not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise ContactError(f"not a valid phone number for {default_region}")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return Phone(e164=e164, region=phonenumbers.region_code_for_number(number) or default_region)


EMAIL_EXAMPLE = "Enter a valid email address, such as name@example.com."
PHONE_EXAMPLE = "Enter a valid mobile phone number, such as (530) 555-0123."
"""What a student reads when a typed email or phone number cannot be used: an example of
the form, not the validating library's words."""


def looks_like_email(text: str) -> bool:
    """The Sign In page's guess of what was typed: an @ means an email address."""
    return "@" in text
