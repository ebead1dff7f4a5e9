"""Rows for tests, with every required field filled."""

from datetime import date

from openccc_tui.domain.text import fold_for_matching
from openccc_tui.store.models import College, StudentAccount


def college(mis_code: str = "861", name: str = "Test College") -> College:
    return College(mis_code=mis_code, name=name)


def account(**fields) -> StudentAccount:
    values = {
        "cccid": "TST0001",
        "email": "winnie@test.com",
        "first_name": "Winnie",
        "last_name": "Pooh",
        "date_of_birth": date(2000, 1, 2),
        "password_hash": "$argon2id$not-a-real-hash",
    } | fields
    values.setdefault("email_normalized", values["email"].strip().lower())
    values.setdefault("first_name_key", fold_for_matching(values["first_name"]))
    values.setdefault("last_name_key", fold_for_matching(values["last_name"]))
    return StudentAccount(**values)
