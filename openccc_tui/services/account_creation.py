"""Creating student accounts (SPEC ADD-1..4, ACC-2, ACC-4), shared by Add User and Multi
Account Creation, and the account records staff keep (TRACK-1)."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import bindparam, literal, union_all
from sqlmodel import Session, col, func, select

from openccc_tui.domain.contact import normalise_email
from openccc_tui.domain.errors import MISSING, FieldError
from openccc_tui.domain.fields import AccountDraft, CheckContext, check_account
from openccc_tui.domain.staff import Role
from openccc_tui.domain.text import fold_for_matching, unsafe_character
from openccc_tui.services import audit
from openccc_tui.services.audit import Actor
from openccc_tui.services.errors import InvalidInput, NotFound, ServiceError
from openccc_tui.services.permissions import authorise
from openccc_tui.services.runtime import Runtime
from openccc_tui.store.account_rows import insert_with_new_cccid, lock_account_creation
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import College, StudentAccount

STAFF_VERIFIED = "staff_verified"
NOT_STARTED = "not_started"

EMAIL_EXISTS = "A user already exists with email: {}"
USERNAME_EXISTS = "A user already exists with username: {}"
PERSON_EXISTS = "A user already exists for the given firstname, lastname, date-of-birth, please contact support."
PERSON_MULTIPLE = "Multiple users match on (firstname, lastname, date-of-birth), please contact support."


class DuplicateAccount(ServiceError):
    """One of the ADD-3 duplicate checks matched; the message is the documented one."""


@dataclass(frozen=True)
class CreatedAccount:
    account_id: int
    cccid: str
    username: str
    email: str


_DUPLICATE_CHECKS = union_all(
    *(
        select(check.subquery())
        for check in (
            select(literal(1).label("kind")).where(StudentAccount.email_normalized == bindparam("email")).limit(1),
            select(literal(2).label("kind"))
            .where(
                col(StudentAccount.username).is_not(None), func.lower(StudentAccount.username) == bindparam("username")
            )
            .limit(1),
            select(literal(3).label("kind"))
            .where(
                StudentAccount.last_name_key == bindparam("last"),
                StudentAccount.first_name_key == bindparam("first"),
                StudentAccount.date_of_birth == bindparam("dob"),
            )
            .limit(2),
        )
    )
)
"""The three ADD-3 checks as one statement, built once and run with each draft's values."""


def duplicate_message(session: Session, draft: AccountDraft) -> str | None:
    """The first ADD-3 check that matches, in the documented order, or None.

    One round trip: the three checks are one UNION ALL of indexed look-ups. The answer
    holds until the transaction ends only under `lock_account_creation`.
    """
    username = draft.username or draft.email
    kinds = sorted(
        session.execute(
            _DUPLICATE_CHECKS,
            {
                "email": normalise_email(draft.email),
                "username": username.lower(),
                "first": fold_for_matching(draft.first_name),
                "last": fold_for_matching(draft.last_name),
                "dob": draft.date_of_birth,
            },
        ).scalars()
    )
    if not kinds:
        return None
    if kinds[0] == 1:
        return EMAIL_EXISTS.format(draft.email)
    if kinds[0] == 2:
        return USERNAME_EXISTS.format(username)
    return PERSON_EXISTS if kinds.count(3) == 1 else PERSON_MULTIPLE


def insert_account(
    session: Session,
    runtime: Runtime,
    actor: Actor,
    draft: AccountDraft,
    password_hash: str,
    *,
    must_change_password: bool,
    audit_detail: str = "",
    deferred_audit: list[dict[str, Any]] | None = None,
) -> CreatedAccount:
    """Check ADD-3 and create the staff-made account under a fresh CCCID, in `session`.

    Its `account.create` event is written at once, or, when `deferred_audit` is given,
    appended there for the caller to write with the rest of its transaction. Inside a
    savepoint, the caller must have taken `lock_account_creation` before opening it."""
    username = draft.username or draft.email
    lock_account_creation(session)
    duplicate = duplicate_message(session, draft)
    if duplicate:
        raise DuplicateAccount(duplicate)
    now = runtime.clock()
    inserted = insert_with_new_cccid(
        session,
        dict(
            username=username,
            email=draft.email,
            email_normalized=normalise_email(draft.email),
            phone=draft.phone,
            phone_type=draft.phone_type,
            first_name=draft.first_name,
            middle_name=draft.middle_name,
            last_name=draft.last_name,
            suffix=draft.suffix,
            preferred_name=draft.preferred_name,
            first_name_key=fold_for_matching(draft.first_name),
            last_name_key=fold_for_matching(draft.last_name),
            date_of_birth=draft.date_of_birth,
            homeless=draft.homeless,
            street1=draft.street1,
            street2=draft.street2,
            city=draft.city,
            state=draft.state,
            postal_code=draft.postal_code,
            country=draft.country,
            password_hash=password_hash,
            must_change_password=must_change_password,
            idme_workflow_status=STAFF_VERIFIED,
            created_by_staff_id=actor.staff_id,
            created_for_college_id=actor.college_id,
            created_at=now,
            updated_at=now,
        ),
    )
    created = audit.event(runtime, actor, "account.create", account_id=inserted.id, detail=audit_detail)
    if deferred_audit is None:
        audit.record_all(session, [created])
    else:
        deferred_audit.append(created)
    return CreatedAccount(account_id=inserted.id, cccid=inserted.cccid, username=username, email=draft.email)


def college_name(session: Session, college_id: int | None) -> str:
    """The name of the college, which a password must not be built on (ACC-6a)."""
    college = session.get(College, college_id) if college_id is not None else None
    return college.name if college is not None else ""


def form_context(runtime: Runtime, college: str = "") -> CheckContext:
    return CheckContext(runtime.profile, runtime.common_passwords, runtime.clock().date(), college_name=college)


def add_user(runtime: Runtime, actor: Actor, values: Mapping[str, str], *, permission_reference: str) -> CreatedAccount:
    """The Add User screen's Save (ADD-1..4): checks, duplicates, then the account.

    The account must change its password at first sign-in (ADD-4) and is staff_verified
    until the student reclaims it (ACC-4).
    """
    with read_session(runtime.engine) as session:
        creator = authorise(session, actor, Role.CREATOR)
        college = college_name(session, creator.college_id)
    draft, errors = check_account(values, form_context(runtime, college))
    reference = permission_reference.strip()
    if not reference or unsafe_character(reference) or len(reference) > 200:
        hint = "confirm the student's permission is on file and give its reference (up to 200 characters)"
        errors.append(FieldError("permission", MISSING, hint))
    if errors or draft is None:
        raise InvalidInput(errors)
    password_hash = runtime.hasher.hash(draft.password)
    with write_session(runtime.engine) as session:
        authorise(session, actor, Role.CREATOR)
        return insert_account(
            session,
            runtime,
            actor,
            draft,
            password_hash,
            must_change_password=True,
            audit_detail=f"Add User; student permission on file: {reference}",
        )


def record_credentials_given(runtime: Runtime, actor: Actor, account_id: int, given_on: date, note: str) -> None:
    """Record when the credentials were handed to the student, for the tracking sheet (TRACK-1)."""
    if unsafe_character(note) or len(note) > 500:
        raise InvalidInput([FieldError("note", "invalid.value", "plain text, up to 500 characters")])
    with write_session(runtime.engine) as session:
        authorise(session, actor, Role.CREATOR, Role.SUPPORT)
        account = session.get(StudentAccount, account_id)
        if account is None:
            raise NotFound("no such account")
        account.credentials_given_at = datetime.combine(given_on, time(12), tzinfo=runtime.clock().tzinfo)
        account.credentials_note = note.strip()
        account.updated_at = runtime.clock()
        audit.record(
            session,
            runtime,
            actor,
            "account.credentials_given",
            account_id=account.id,
            detail=f"on {given_on.isoformat()}",
        )
