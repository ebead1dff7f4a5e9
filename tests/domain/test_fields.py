"""ADD-2 field checks and BULK-3/BULK-4 codes and paths, through one set of rules."""

from datetime import date

import pytest

from openccc_tui.domain.fields import CheckContext, check_account, check_field
from openccc_tui.domain.policy import OPENCCC
from openccc_tui.domain.template import FIELD_PATHS, TEMPLATE_COLUMNS
from openccc_tui.resources import common_passwords

TODAY = date(2026, 11, 24)
BULK = CheckContext(OPENCCC, common_passwords(), TODAY, bulk=True)
FORM = CheckContext(OPENCCC, common_passwords(), TODAY, bulk=False)

ROW = {
    "email": "winnie@test.com",
    "first": "Winnie",
    "last": "Pooh",
    "middle": "",
    "suffix": "",
    "preferred": "",
    "dob": "2000-01-02",
    "accepted-terms": "TRUE",
    "homeless": "FALSE",
    "street1": "1 Hundred Acre Wood",
    "street2": "",
    "city": "Davis",
    "state": "CA",
    "postal": "95616",
    "country": "US",
    "phone-number": "",
    "phone-type": "",
    "password": "Hunny#Pot9",
    "use_temp_password": "",
}
FORM_VALUES = ROW | {"email-confirm": "WINNIE@test.com", "dob-confirm": "2000-01-02", "password-confirm": "Hunny#Pot9"}


def messages(values, ctx=BULK):
    _, errors = check_account(values, ctx)
    return [e.message() for e in errors]


def test_bulk_1_template_columns_are_exact():
    assert ",".join(TEMPLATE_COLUMNS) == (
        "email,first,last,middle,suffix,preferred,dob,accepted-terms,homeless,street1,street2,"
        "city,state,postal,country,phone-number,phone-type,password,use_temp_password,status,cccid,message"
    )


def test_bulk_3_valid_row_gives_a_draft():
    draft, errors = check_account(ROW, BULK)
    assert errors == []
    assert draft is not None
    assert draft.email == "winnie@test.com" and draft.date_of_birth == date(2000, 1, 2)
    assert draft.must_change_password  # BULK-6: blank use_temp_password means FALSE


@pytest.mark.parametrize(
    ("column", "path"),
    [
        ("email", "email"),
        ("last", "name.last"),
        ("dob", "dob"),
        ("accepted-terms", "terms.accepted"),
        ("homeless", "address.homeless"),
        ("street1", "address.street1"),
        ("city", "address.city"),
        ("state", "address.state"),
        ("postal", "address.postal_code"),
        ("country", "address.country"),
        ("password", "password"),
    ],
)
def test_bulk_3_required_fields_give_missing_value_with_their_path(column, path):
    assert messages(ROW | {column: "  "}) == [f"errorCode:missing.value,field:{path}"]


def test_bulk_4_every_template_field_has_its_documented_path():
    assert FIELD_PATHS["postal"] == "address.postal_code"
    assert FIELD_PATHS["phone-type"] == "phone.type"
    assert set(TEMPLATE_COLUMNS) - {"status", "cccid", "message"} <= set(FIELD_PATHS)


def test_bulk_4_all_problems_of_a_row_in_column_order():
    row = ROW | {"email": "", "dob": "yesterday", "postal": ""}
    assert "; ".join(messages(row)) == (
        "errorCode:missing.value,field:email; "
        "errorCode:invalid.value,field:dob - a real date written YYYY-MM-DD; "
        "errorCode:missing.value,field:address.postal_code"
    )


@pytest.mark.parametrize(
    ("column", "value", "path"),
    [
        ("accepted-terms", "FALSE", "terms.accepted"),
        ("accepted-terms", "yes", "terms.accepted"),
        ("homeless", "TRUE", "address.homeless"),
        ("homeless", "maybe", "address.homeless"),
        ("use_temp_password", "Y", "use_temp_password"),
        ("phone-type", "pager", "phone.type"),
    ],
)
def test_bulk_3_booleans_and_choices(column, value, path):
    (message,) = messages(ROW | {column: value})
    assert message.startswith(f"errorCode:invalid.value,field:{path}")


def test_bulk_3_booleans_in_any_case():
    draft, errors = check_account(
        ROW | {"accepted-terms": "true", "homeless": "False", "use_temp_password": "tRUE"}, BULK
    )
    assert draft is not None
    assert errors == [] and draft.must_change_password is False  # BULK-6


def test_add_2_homeless_may_be_yes_on_add_user():
    draft, errors = check_account(FORM_VALUES | {"homeless": "TRUE"}, FORM)
    assert draft is not None
    assert errors == [] and draft.homeless


@pytest.mark.parametrize("dob", ["2000-02-30", "2000-1-2", "20000102", "2026-11-24", "2030-01-01", "1899-12-31"])
def test_add_2_date_of_birth_is_a_real_past_date(dob):
    (message,) = messages(ROW | {"dob": dob})
    assert message.startswith("errorCode:invalid.value,field:dob")


def test_add_2_us_state_and_zip():
    assert messages(ROW | {"state": "California"})[0].startswith("errorCode:invalid.value,field:address.state")
    assert messages(ROW | {"postal": "9561"})[0].startswith("errorCode:invalid.value,field:address.postal_code")
    assert messages(ROW | {"postal": "95616-1234", "state": "ca"}) == []
    draft = check_account(ROW | {"state": "ca"}, BULK)[0]
    assert draft is not None
    assert draft.state == "CA"


def test_add_2_non_us_addresses_use_their_own_rules():
    assert messages(ROW | {"country": "CA", "state": "Ontario", "postal": "K1A 0B1"}) == []
    assert messages(ROW | {"country": "XX"})[0].startswith("errorCode:invalid.value,field:address.country")


def test_add_2_phone_valid_for_the_country():
    draft, errors = check_account(ROW | {"phone-number": "(916) 445-2841", "phone-type": "Mobile"}, BULK)
    assert draft is not None
    assert errors == [] and draft.phone == "+19164452841" and draft.phone_type == "mobile"
    assert messages(ROW | {"phone-number": "12345"})[0].startswith("errorCode:invalid.value,field:phone.number")


def test_add_2_password_per_profile_names_the_rules():
    (message,) = messages(ROW | {"password": "winniepooh"})
    assert message.startswith("errorCode:invalid.value,field:password - rules not met: ")
    assert "an upper-case letter" in message and "does not contain your first or last name" in message


def test_add_2_confirmations_must_match():
    assert messages(FORM_VALUES, FORM) == []
    bad = FORM_VALUES | {"email-confirm": "other@test.com", "dob-confirm": "2000-01-03", "password-confirm": "x"}
    assert [m.split(" - ")[0] for m in messages(bad, FORM)] == [
        "errorCode:invalid.value,field:email.confirm",
        "errorCode:invalid.value,field:dob.confirm",
        "errorCode:invalid.value,field:password.confirm",
    ]


def test_add_1_username_is_checked_by_the_profile():
    assert messages(FORM_VALUES | {"username": "bad name!"}, FORM)[0].startswith(
        "errorCode:invalid.value,field:username"
    )
    draft = check_account(FORM_VALUES | {"username": "winnie@test.com"}, FORM)[0]
    assert draft is not None
    assert draft.username == "winnie@test.com"


@pytest.mark.parametrize(
    "name",
    ["Win\x1b[31mnie", "Win\u202enie", "Win\u200bnie", "[bold]Winnie", "[@click=app.quit]x", "Win\x00nie"],
)
def test_term_3_control_characters_and_markup_are_refused_in_names(name):
    (message,) = messages(ROW | {"first": name})
    assert message.startswith("errorCode:invalid.value,field:name.first")


def test_term_3_refusal_names_the_invisible_character():
    error = check_field("last", ROW | {"last": "Po\u202eoh"}, BULK)
    assert error is not None
    assert error.hint == "contains U+202E RIGHT-TO-LEFT OVERRIDE"


def test_names_of_any_script_are_accepted():
    assert messages(ROW | {"first": "José-María", "last": "O'Brien-Nguyễn", "middle": "Zoë"}) == []
    assert messages(ROW | {"first": "美玲", "last": "Иванова"}) == []


def test_fields_over_1000_characters_are_refused():
    (message,) = messages(ROW | {"street2": "x" * 1001})
    assert message == "errorCode:invalid.value,field:address.street2 - longer than 1,000 characters"
