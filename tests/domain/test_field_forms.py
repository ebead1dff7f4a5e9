"""BULK-7a: what real spreadsheet applications do to names, street lines, dates and postal
codes is read as the clerk meant it, or refused with a message that says how to fix it."""

import pytest

from openccc_tui.domain.contact import normalise_email
from openccc_tui.domain.fields import check_account, check_field
from tests.domain.test_fields import BULK, ROW, messages


@pytest.mark.parametrize(
    ("column", "typed", "stored"),
    [
        ("first", "Mary\u00a0Ann", "Mary Ann"),
        ("last", "Smith\u2013Jones", "Smith-Jones"),
        ("last", "Smith\u2011Jones", "Smith-Jones"),
        ("last", "O\u2018Brien", "O'Brien"),
        ("last", "O`Brien", "O'Brien"),
        ("last", "D\u00b4Angelo", "D'Angelo"),
        ("last", "O\u2019Brien", "O'Brien"),
        ("street1", "12\u00a0Main\u2011Street", "12 Main-Street"),
        ("city", "San\u00a0Jos\u0065\u0301", "San Jos\u00e9"),
    ],
)
def test_bulk_7a_look_alike_characters_are_read_as_their_plain_forms(column, typed, stored):
    draft, errors = check_account(ROW | {column: typed}, BULK)
    assert errors == []
    assert getattr(draft, {"first": "first_name", "last": "last_name"}.get(column, column)) == stored


def test_bulk_7a_parentheses_and_box_numbers_are_allowed_in_street_lines():
    draft, errors = check_account(ROW | {"street1": "P.O. Box 5003 (Calipatria State Prison)", "street2": "#4/B"}, BULK)
    assert draft is not None and errors == [] and draft.street1 == "P.O. Box 5003 (Calipatria State Prison)"


@pytest.mark.parametrize("last", ["-", ".", "'", "- .", "\u2013"])
def test_bulk_7a_a_name_needs_at_least_one_letter(last):
    (message,) = messages(ROW | {"last": last})
    assert message == "errorCode:invalid.value,field:name.last - a name needs at least one letter"


def test_bulk_7a_every_refused_character_is_named():
    error = check_field("last", ROW | {"last": "Smith\u2022Jones"}, BULK)
    assert error is not None and error.hint.endswith(", not U+2022 BULLET")
    error = check_field("street1", ROW | {"street1": "1 Main St; apt 2"}, BULK)
    assert error is not None and error.hint.endswith(", not U+003B SEMICOLON")


def test_acc_8_emails_are_compared_and_stored_composed():
    composed, decomposed = "jos\u00e9@test.com", "jose\u0301@test.com"
    assert normalise_email(composed) == normalise_email(decomposed)
    draft, errors = check_account(ROW | {"email": decomposed}, BULK)
    assert draft is not None and errors == [] and draft.email == composed


@pytest.mark.parametrize("dob", ["3/4/2001", "03/04/01", "3.4.2001", "04-03-2001"])
def test_bulk_7a_a_reformatted_date_is_not_guessed_and_the_message_says_how_to_fix_it(dob):
    (message,) = messages(ROW | {"dob": dob})
    assert message.startswith("errorCode:invalid.value,field:dob - ")
    assert "reformatted by a spreadsheet" in message and "YYYY-MM-DD" in message and ".xlsx" in message


def test_bulk_7a_a_date_with_a_time_says_to_write_the_date_alone():
    (message,) = messages(ROW | {"dob": "2001-03-04 00:00:00"})
    assert message == "errorCode:invalid.value,field:dob - a date and a time: write the date alone, 2001-03-04"


@pytest.mark.parametrize("postal", ["2134", "213"])
def test_bulk_7a_a_us_code_that_lost_its_leading_zero_gets_a_hint(postal):
    (message,) = messages(ROW | {"postal": postal})
    assert "a leading zero may have been lost, format the column as Text" in message


def test_bulk_7a_nine_digits_are_a_zip_plus_four():
    draft, errors = check_account(ROW | {"postal": "922431234"}, BULK)
    assert draft is not None and errors == [] and draft.postal_code == "92243-1234"
    other, _ = check_account(ROW | {"postal": "922431234", "country": "MX", "state": "Jalisco"}, BULK)
    assert other is not None and other.postal_code == "922431234"
