"""Rows for tests, with every required field filled."""

from datetime import date
from typing import Any

from openccc_tui.domain.text import fold_for_matching
from openccc_tui.services.records import saved_id
from openccc_tui.store.models import College, StudentAccount


def college(mis_code: str = "861", name: str = "Test College") -> College:
    return College(mis_code=mis_code, name=name)


def account(**fields: Any) -> StudentAccount:
    values: dict[str, Any] = {
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


def staff_actor(runtime, username: str, *roles: str, approved: bool = True, mis_code: str = "861"):
    """A staff member of college `mis_code` (created when new) and the Actor they act as."""
    from openccc_tui.domain.staff import Role
    from openccc_tui.services.audit import Actor, command_line_actor
    from openccc_tui.services.staff.staff_members import add_staff, ensure_college
    from openccc_tui.store.engine import write_session

    with write_session(runtime.engine) as session:
        college = ensure_college(session, runtime, command_line_actor("root"), mis_code, f"College {mis_code}")
        created = add_staff(
            session,
            runtime,
            command_line_actor("root"),
            username=username,
            full_name=username.title(),
            college=college,
            roles=frozenset(Role(r) for r in roles),
            password="Staff#Pass99",
            approved=approved,
        )
        staff = created.staff
        return Actor(
            name=staff.username, staff_id=staff.id, college_id=staff.college_id, roles=frozenset(Role(r) for r in roles)
        )


def console_ready(runtime, username: str) -> None:
    """Mark the staff member as a full sign-in leaves them: TOTP enrolled, agreement accepted."""
    from sqlmodel import select

    from openccc_tui.store.engine import write_session
    from openccc_tui.store.models import Staff

    with write_session(runtime.engine) as session:
        staff = session.exec(select(Staff).where(Staff.username == username)).one()
        staff.totp_enrolled_at = staff.agreement_accepted_at = runtime.clock()


STUDENT_FORM = {
    "username": "",
    "email": "winnie@test.com",
    "email-confirm": "winnie@test.com",
    "phone-number": "",
    "phone-type": "",
    "homeless": "FALSE",
    "country": "US",
    "state": "CA",
    "street1": "1 Hundred Acre Wood",
    "street2": "",
    "city": "Davis",
    "postal": "95616",
    "first": "Winnie",
    "middle": "",
    "last": "Pooh",
    "preferred": "",
    "suffix": "",
    "dob": "2000-01-02",
    "dob-confirm": "2000-01-02",
    "password": "Hunny#Pot9",
    "password-confirm": "Hunny#Pot9",
    "accepted-terms": "TRUE",
}


STUDENT_PASSWORD = "Hunny#Pot9"


def stored_student(runtime, **fields) -> int:
    """A student account in the database, with the password STUDENT_PASSWORD unless one is given."""
    from openccc_tui.store.engine import write_session

    fields.setdefault("password_hash", runtime.hasher.hash(STUDENT_PASSWORD))
    with write_session(runtime.engine) as session:
        row = account(**fields)
        session.add(row)
        session.flush()
        return saved_id(row)


def latest_code(runtime, address: str) -> str:
    """The 6-digit code of the newest outbox message to `address`."""

    from openccc_tui.services import notify

    return code_in(notify.recent(runtime, to=address)[0].body)


def code_in(body: str | None) -> str:
    """The 6-digit code in a message's body."""
    import re

    found = re.search(r"\b(\d{6})\b", body or "")
    assert found is not None, "no code in the message"
    return found.group(1)
