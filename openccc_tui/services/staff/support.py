"""The helpdesk (SPEC REC-4, STAFF-4): look accounts up, update the email on file after
verifying identity, and trigger a one-time-password reset that staff never see."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_
from sqlmodel import Session, col, select

from openccc_tui.domain.cccid import normalise_cccid
from openccc_tui.domain.contact import ContactError, check_email, normalise_email, normalise_phone
from openccc_tui.domain.errors import INVALID, FieldError
from openccc_tui.domain.masking import mask_email
from openccc_tui.domain.staff import Role
from openccc_tui.domain.text import fold_for_matching, unsafe_character
from openccc_tui.services import audit, notify
from openccc_tui.services.account_creation import EMAIL_EXISTS, DuplicateAccount
from openccc_tui.services.audit import Actor
from openccc_tui.services.credentials.one_time_password import send_one_time_password
from openccc_tui.services.errors import InvalidInput, NotFound, ServiceError
from openccc_tui.services.permissions import authorise
from openccc_tui.services.records import saved_id
from openccc_tui.services.runtime import Runtime
from openccc_tui.store.account_rows import lock_account_creation
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import Application, College, Staff, StudentAccount

MAX_RESULTS = 50


@dataclass(frozen=True)
class AccountView:
    """What support may see of an account: no password, no secret answer (STAFF-4)."""

    account_id: int
    cccid: str
    username: str | None
    email: str
    email_validated: bool
    phone: str | None
    phone_validated: bool
    first_name: str
    middle_name: str
    last_name: str
    preferred_name: str
    date_of_birth: date
    city: str
    state: str
    idme_workflow_status: str
    created_by: str
    college: str
    created_at: datetime
    reclaimed_at: datetime | None
    must_change_password: bool
    locked: bool
    credentials_given_at: datetime | None
    credentials_note: str
    confirmation_numbers: tuple[str, ...]


@dataclass(frozen=True)
class Search:
    cccid: str = ""
    email: str = ""
    phone: str = ""
    last_name: str = ""
    date_of_birth: date | None = None


def _view(session: Session, account: StudentAccount, now: datetime) -> AccountView:
    creator = session.get(Staff, account.created_by_staff_id) if account.created_by_staff_id else None
    college = session.get(College, account.created_for_college_id) if account.created_for_college_id else None
    numbers = session.exec(
        select(Application.confirmation_number)
        .where(Application.account_id == account.id)
        .order_by(col(Application.id))
    ).all()
    return AccountView(
        account_id=saved_id(account),
        cccid=account.cccid,
        username=account.username,
        email=account.email,
        email_validated=account.email_validated,
        phone=account.phone,
        phone_validated=account.phone_validated,
        first_name=account.first_name,
        middle_name=account.middle_name,
        last_name=account.last_name,
        preferred_name=account.preferred_name,
        date_of_birth=account.date_of_birth,
        city=account.city,
        state=account.state,
        idme_workflow_status=account.idme_workflow_status,
        created_by=creator.username if creator else "self",
        college=f"{college.mis_code} {college.name}" if college else "",
        created_at=account.created_at,
        reclaimed_at=account.reclaimed_at,
        must_change_password=account.must_change_password,
        locked=account.locked_until is not None and account.locked_until > now,
        credentials_given_at=account.credentials_given_at,
        credentials_note=account.credentials_note,
        confirmation_numbers=tuple(numbers),
    )


def find_accounts(runtime: Runtime, actor: Actor, search: Search) -> list[AccountView]:
    """Accounts by CCCID, email, phone, or last name with date of birth."""
    query = select(StudentAccount)
    if search.cccid.strip():
        query = query.where(StudentAccount.cccid == normalise_cccid(search.cccid))
    elif search.email.strip():
        email = normalise_email(search.email)
        query = query.where(
            or_(col(StudentAccount.email_normalized) == email, col(StudentAccount.username) == search.email.strip())
        )
    elif search.phone.strip():
        try:
            phone = normalise_phone(search.phone).e164
        except ContactError as error:
            raise InvalidInput([FieldError("phone", INVALID, str(error))]) from None
        query = query.where(StudentAccount.phone == phone)
    elif search.last_name.strip() and search.date_of_birth:
        query = query.where(
            StudentAccount.last_name_key == fold_for_matching(search.last_name),
            StudentAccount.date_of_birth == search.date_of_birth,
        )
    else:
        raise ServiceError("search by CCCID, email, phone, or last name with date of birth")
    with write_session(runtime.engine) as session:
        authorise(session, actor, Role.SUPPORT)
        accounts = session.exec(query.order_by(col(StudentAccount.id)).limit(MAX_RESULTS)).all()
        views = [_view(session, a, runtime.clock()) for a in accounts]
        for view in views:
            audit.record(session, runtime, actor, "account.view", account_id=view.account_id)
    return views


def get_account(runtime: Runtime, actor: Actor, account_id: int) -> AccountView:
    with read_session(runtime.engine) as session:
        authorise(session, actor, Role.SUPPORT, Role.CREATOR)
        account = session.get(StudentAccount, account_id)
        if account is None:
            raise NotFound("no such account")
        return _view(session, account, runtime.clock())


def update_email(
    runtime: Runtime,
    actor: Actor,
    account_id: int,
    new_email: str,
    confirm_email: str,
    *,
    identity_verified: bool,
    verification_note: str,
) -> None:
    """Replace the email on file once the staff member has verified the student's identity.

    The address is typed twice and may not be on any other account (ACC-3, with ADD-3's
    message); the new address starts unvalidated: the student validates it with a code at
    sign-in. The audit event keeps the old and the new address.
    """
    if not identity_verified:
        raise ServiceError("confirm that you verified the student's identity first")
    note = verification_note.strip()
    if not note or unsafe_character(note) or len(note) > 200:
        raise InvalidInput(
            [FieldError("verification", INVALID, "say how identity was verified (up to 200 characters)")]
        )
    try:
        email = check_email(new_email)
    except ContactError as error:
        raise InvalidInput([FieldError("email", INVALID, str(error))]) from None
    if normalise_email(email) != normalise_email(confirm_email):
        raise InvalidInput([FieldError("email.confirm", INVALID, "does not match the email entered above")])
    with write_session(runtime.engine) as session:
        authorise(session, actor, Role.SUPPORT)
        lock_account_creation(session)  # ADD-3: no account is created with this email meanwhile
        account = session.get(StudentAccount, account_id)
        if account is None:
            raise NotFound("no such account")
        # ACC-3 as Add User applies it (ADD-3, first check): an address on another account,
        # validated there or not, is refused, so no code meant for one student reaches another.
        other = session.exec(
            select(StudentAccount.id).where(
                StudentAccount.email_normalized == normalise_email(email), StudentAccount.id != account_id
            )
        ).first()
        if other is not None:
            raise DuplicateAccount(EMAIL_EXISTS.format(email))
        old_email = account.email
        account.email = email
        account.email_normalized = normalise_email(email)
        account.email_validated = False
        account.updated_at = runtime.clock()
        audit.record(
            session,
            runtime,
            actor,
            "account.email.update",
            account_id=account.id,
            detail=f"from {old_email} to {email}; identity verified: {note}",
        )


def reset_password(runtime: Runtime, actor: Actor, account_id: int) -> str:
    """Send a one-time password to the account's email (STAFF-4); returns the masked address.

    The password is random, is never shown to staff, and must be changed at sign-in.
    """
    with write_session(runtime.engine) as session:
        authorise(session, actor, Role.SUPPORT)
        account = session.get(StudentAccount, account_id)
        if account is None:
            raise NotFound("no such account")
        send_one_time_password(session, runtime, account)
        audit.record(session, runtime, actor, "account.password.reset", account_id=account.id)
        destination = mask_email(account.email)
    notify.deliver_pending(runtime)
    return destination
