"""Checks of the student account fields shared by Add User and Multi Account Creation.

SPEC ADD-2 (validation per field), BULK-3 (required fields and booleans) and BULK-4 (error
codes and field paths). Values come in as text keyed by the template's column names, so
one set of checks serves a typed form and a spreadsheet row alike.
"""

import re
import unicodedata
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time

import phonenumbers

from openccc_tui.domain.contact import ContactError, check_email, normalise_email, normalise_phone
from openccc_tui.domain.errors import INVALID, MISSING, FieldError
from openccc_tui.domain.policy import PasswordContext, PolicyProfile, describe_problems
from openccc_tui.domain.template import FIELD_PATHS
from openccc_tui.domain.text import (
    describe_character,
    first_outside_address,
    first_outside_name,
    has_letter,
    plain_form,
    unsafe_character,
)

MAX_FIELD_LENGTH = 1000
EARLIEST_BIRTH_DATE = date(1900, 1, 1)
FIRST_RELIABLE_DATE_CELL = date(1900, 3, 1)
"""Spreadsheets count the days before this one differently (Excel's 1900-02-29): a date cell
before it may be a day off, so it is not read (BULK-7a)."""
DATE_CELL_MARK = " (date cell)"

US_STATES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "AS",
        "GU",
        "MP",
        "PR",
        "VI",
        "UM",
        "AA",
        "AE",
        "AP",
    ]
)
COUNTRIES = frozenset(phonenumbers.SUPPORTED_REGIONS)
ZIP_PATTERN = re.compile(r"[0-9]{5}(-[0-9]{4})?")
POSTAL_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 -]{1,9}")
ISO_DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# What a spreadsheet makes of a date when it reformats the column (BULK-7a).
SLASHED_DATE_PATTERN = re.compile(r"[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{2,4}")
DATE_TIME_PATTERN = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})[ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?")
LOST_ZERO_PATTERN = re.compile(r"[0-9]{3,4}")
ZIP_DIGITS_PATTERN = re.compile(r"[0-9]{9}")
PHONE_TYPES = ("mobile", "landline")

# The order in which a row's problems are reported: the template's, with Add User's
# extra fields beside the field they belong to.
CHECK_ORDER: tuple[str, ...] = (
    "email",
    "email-confirm",
    "username",
    "first",
    "last",
    "middle",
    "suffix",
    "preferred",
    "dob",
    "dob-confirm",
    "accepted-terms",
    "homeless",
    "street1",
    "street2",
    "city",
    "state",
    "postal",
    "country",
    "phone-number",
    "phone-type",
    "password",
    "password-confirm",
    "use_temp_password",
)
ADD_USER_ONLY = frozenset({"username", "email-confirm", "dob-confirm", "password-confirm"})
UNTRIMMED = frozenset({"password", "password-confirm"})
PLAIN_FORM = frozenset({"first", "last", "middle", "suffix", "preferred", "street1", "street2", "city", "state"})
"""Columns whose look-alike spaces, dashes and apostrophes are read as plain ones (BULK-7a)."""


@dataclass(frozen=True)
class CheckContext:
    profile: PolicyProfile
    common_passwords: Collection[str] = field(repr=False)
    today: date
    bulk: bool = False
    """A spreadsheet row: homeless must be FALSE and Add User's extra fields are absent."""
    college_name: str = ""
    """The creating staff member's college: a password must not be built on it (ACC-6a)."""


@dataclass(frozen=True)
class AccountDraft:
    """A student account's fields after every check passed, ready to be created."""

    email: str
    username: str | None
    first_name: str
    middle_name: str
    last_name: str
    suffix: str
    preferred_name: str
    date_of_birth: date
    homeless: bool
    street1: str
    street2: str
    city: str
    state: str
    postal_code: str
    country: str
    phone: str | None
    phone_type: str | None
    password: str = field(repr=False)
    must_change_password: bool = True


Values = Mapping[str, str]
Check = Callable[[str, Values, CheckContext], str | None]
"""A field check: the value, all values, the context -> an invalid.value hint, or None."""


def _text(values: Values, column: str) -> str:
    raw = values.get(column) or ""
    if column in UNTRIMMED:
        return raw
    if column in PLAIN_FORM:
        return plain_form(raw).strip()
    return unicodedata.normalize("NFC", raw.strip())


def _country(values: Values) -> str:
    return _text(values, "country").upper()


def parse_bool(text: str) -> bool | None:
    """TRUE/FALSE in any case (BULK-3); None for anything else."""
    return {"TRUE": True, "FALSE": False}.get(text.strip().upper())


def parse_iso_date(text: str) -> date | None:
    if not ISO_DATE_PATTERN.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _check_email(value: str, values: Values, ctx: CheckContext) -> str | None:
    try:
        check_email(value)
    except ContactError as error:
        return str(error)
    return None


def _matches(original: str, fold: Callable[[str], str] = lambda s: s) -> Check:
    def check(value: str, values: Values, ctx: CheckContext) -> str | None:
        if fold(value) != fold(_text(values, original)):
            return f"does not match the {original.replace('-', ' ')} entered above"
        return None

    return check


def _check_username(value: str, values: Values, ctx: CheckContext) -> str | None:
    problems = ctx.profile.username_problems(value)
    return ", ".join(problems) if problems else None


def _name(max_length: int, allow_digits: bool = False) -> Check:
    def check(value: str, values: Values, ctx: CheckContext) -> str | None:
        if len(value) > max_length:
            return f"at most {max_length} characters"
        letters = value.translate(str.maketrans("", "", "0123456789")) if allow_digits else value
        bad = first_outside_name(letters)
        if bad is not None:
            return f"letters, spaces, hyphens, apostrophes and periods only, not {describe_character(bad)}"
        if not has_letter(value):
            return "a name needs at least one letter"
        return None

    return check


def _check_birth_date(value: str, values: Values, ctx: CheckContext) -> str | None:
    born = parse_iso_date(value)
    if born is None:
        return _date_hint(value)
    if not EARLIEST_BIRTH_DATE <= born < ctx.today:
        return "a date in the past, after 1900-01-01"
    return None


def date_cell_text(value: date) -> str:
    """The text a workbook's date cell is checked as (BULK-7a): the date, YYYY-MM-DD; with
    its time of day when that is not midnight, and marked when it is before 1900-03-01, so
    that the check says how to type it instead."""
    if isinstance(value, datetime):
        if value.time() != time(0):
            return value.isoformat(sep=" ")
        value = value.date()
    if value < FIRST_RELIABLE_DATE_CELL:
        return value.isoformat() + DATE_CELL_MARK
    return value.isoformat()


def _date_hint(value: str) -> str:
    """Why a date of birth was not read, and how to fix it (BULK-7a: never guessed)."""
    if value.endswith(DATE_CELL_MARK) and parse_iso_date(value.removesuffix(DATE_CELL_MARK)):
        return (
            "a date cell before 1900-03-01 may be a day off (spreadsheets count those days differently): "
            "type it as text, YYYY-MM-DD"
        )
    with_time = DATE_TIME_PATTERN.fullmatch(value)
    if with_time:
        return f"a date and a time: write the date alone, {with_time.group(1)}"
    if SLASHED_DATE_PATTERN.fullmatch(value):
        return (
            f"{value} looks reformatted by a spreadsheet and could be day/month or month/day: "
            "write it as YYYY-MM-DD (format the column as Text) or upload the .xlsx"
        )
    return "a real date written YYYY-MM-DD"


def _check_terms(value: str, values: Values, ctx: CheckContext) -> str | None:
    return None if parse_bool(value) is True else "the Terms of Use must be accepted (TRUE)"


def _check_homeless(value: str, values: Values, ctx: CheckContext) -> str | None:
    flag = parse_bool(value)
    if flag is None:
        return "TRUE or FALSE"
    if ctx.bulk and flag:
        return "must be FALSE in an upload"
    return None


def _check_street(value: str, values: Values, ctx: CheckContext) -> str | None:
    if len(value) > 100:
        return "at most 100 characters"
    bad = first_outside_address(value)
    if bad is not None:
        return f"letters, digits, spaces and # . , ' - / & ( ) only, not {describe_character(bad)}"
    if not any(c.isalnum() for c in value):
        return "a street address needs letters or digits"
    return None


def _check_city(value: str, values: Values, ctx: CheckContext) -> str | None:
    if len(value) > 50:
        return "at most 50 characters"
    bad = first_outside_name(value)
    if bad is not None:
        return f"letters, spaces, hyphens, apostrophes and periods only, not {describe_character(bad)}"
    return None if has_letter(value) else "a place name needs at least one letter"


def _check_state(value: str, values: Values, ctx: CheckContext) -> str | None:
    if _country(values) == "US":
        return None if value.upper() in US_STATES else "a 2-letter US state code, e.g. CA"
    return _check_city(value, values, ctx)


def _check_postal(value: str, values: Values, ctx: CheckContext) -> str | None:
    if _country(values) == "US":
        if ZIP_PATTERN.fullmatch(value) or ZIP_DIGITS_PATTERN.fullmatch(value):
            return None
        if LOST_ZERO_PATTERN.fullmatch(value):
            return "a ZIP code has 5 digits: a leading zero may have been lost, format the column as Text"
        return "a ZIP code: 12345 or 12345-6789"
    return None if POSTAL_PATTERN.fullmatch(value) else "2 to 10 letters, digits, spaces or hyphens"


def _check_country(value: str, values: Values, ctx: CheckContext) -> str | None:
    return None if value.upper() in COUNTRIES else "a 2-letter country code, e.g. US"


def _check_phone(value: str, values: Values, ctx: CheckContext) -> str | None:
    try:
        normalise_phone(value, _country(values) or "US")
    except ContactError as error:
        return str(error)
    return None


def _check_phone_type(value: str, values: Values, ctx: CheckContext) -> str | None:
    return None if value.lower() in PHONE_TYPES else "mobile or landline"


def password_context(values: Values, ctx: CheckContext) -> PasswordContext:
    return PasswordContext(
        first_name=_text(values, "first"),
        last_name=_text(values, "last"),
        email=_text(values, "email"),
        username=_text(values, "username"),
        common_passwords=ctx.common_passwords,
        college_name=ctx.college_name,
    )


def _check_password(value: str, values: Values, ctx: CheckContext) -> str | None:
    problems = ctx.profile.password_problems(value, password_context(values, ctx))
    return describe_problems(problems) if problems else None


def _check_bool(value: str, values: Values, ctx: CheckContext) -> str | None:
    return None if parse_bool(value) is not None else "TRUE or FALSE"


@dataclass(frozen=True)
class FieldRule:
    check: Check
    required: bool = False


RULES: dict[str, FieldRule] = {
    "email": FieldRule(_check_email, required=True),
    "email-confirm": FieldRule(_matches("email", normalise_email), required=True),
    "username": FieldRule(_check_username),
    "first": FieldRule(_name(50)),
    "last": FieldRule(_name(50), required=True),
    "middle": FieldRule(_name(50)),
    "suffix": FieldRule(_name(10, allow_digits=True)),
    "preferred": FieldRule(_name(50)),
    "dob": FieldRule(_check_birth_date, required=True),
    "dob-confirm": FieldRule(_matches("dob"), required=True),
    "accepted-terms": FieldRule(_check_terms, required=True),
    "homeless": FieldRule(_check_homeless, required=True),
    "street1": FieldRule(_check_street, required=True),
    "street2": FieldRule(_check_street),
    "city": FieldRule(_check_city, required=True),
    "state": FieldRule(_check_state, required=True),
    "postal": FieldRule(_check_postal, required=True),
    "country": FieldRule(_check_country, required=True),
    "phone-number": FieldRule(_check_phone),
    "phone-type": FieldRule(_check_phone_type),
    "password": FieldRule(_check_password, required=True),
    "password-confirm": FieldRule(_matches("password"), required=True),
    "use_temp_password": FieldRule(_check_bool),
}


def check_field(column: str, values: Values, ctx: CheckContext) -> FieldError | None:
    """The problem with one field, judged with the other fields it depends on, or None."""
    path = FIELD_PATHS[column]
    rule = RULES[column]
    value = _text(values, column)
    bad = unsafe_character(value)
    if bad is not None:
        return FieldError(path, INVALID, f"contains {describe_character(bad)}")
    if len(value) > MAX_FIELD_LENGTH:
        return FieldError(path, INVALID, f"longer than {MAX_FIELD_LENGTH:,} characters")
    if not value.strip():
        return FieldError(path, MISSING) if rule.required else None
    hint = rule.check(value, values, ctx)
    return FieldError(path, INVALID, hint) if hint else None


def columns_checked(ctx: CheckContext) -> list[str]:
    return [c for c in CHECK_ORDER if not (ctx.bulk and c in ADD_USER_ONLY)]


def check_account(values: Values, ctx: CheckContext) -> tuple[AccountDraft | None, list[FieldError]]:
    """Every field's problems in report order; the draft account when there are none."""
    errors = [e for c in columns_checked(ctx) if (e := check_field(c, values, ctx)) is not None]
    if errors:
        return None, errors
    return _draft(values), []


def _postal_code(text: str, country: str) -> str:
    """A 9-digit US code is a ZIP+4 without its hyphen."""
    if country == "US" and ZIP_DIGITS_PATTERN.fullmatch(text):
        return f"{text[:5]}-{text[5:]}"
    return text


def _draft(values: Values) -> AccountDraft:
    country = _country(values)
    phone_text = _text(values, "phone-number")
    phone = normalise_phone(phone_text, country).e164 if phone_text else None
    phone_type = (_text(values, "phone-type").lower() or "landline") if phone else None
    state = _text(values, "state")
    return AccountDraft(
        email=_text(values, "email"),
        username=_text(values, "username") or None,
        first_name=_text(values, "first"),
        middle_name=_text(values, "middle"),
        last_name=_text(values, "last"),
        suffix=_text(values, "suffix"),
        preferred_name=_text(values, "preferred"),
        date_of_birth=date.fromisoformat(_text(values, "dob")),
        homeless=parse_bool(_text(values, "homeless")) is True,
        street1=_text(values, "street1"),
        street2=_text(values, "street2"),
        city=_text(values, "city"),
        state=state.upper() if country == "US" else state,
        postal_code=_postal_code(_text(values, "postal"), country),
        country=country,
        phone=phone,
        phone_type=phone_type,
        password=_text(values, "password"),
        # BULK-6: use_temp_password TRUE means no change is forced; blank means FALSE.
        must_change_password=parse_bool(_text(values, "use_temp_password") or "FALSE") is not True,
    )
