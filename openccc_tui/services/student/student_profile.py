"""Edit Account (SPEC ACC-9, REC-3): the student's own profile, behind a fresh password.

A new email starts unvalidated and is validated by a code sent to it; the old address is
told of the change. When a staff-made account validates an email the student put there
itself, the account is reclaimed: reclaimed_at is set and idme_workflow_status moves from
staff_verified to not_started.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session, col, select

from openccc_tui.domain.contact import (
    EMAIL_EXAMPLE,
    ContactError,
    check_email,
    normalise_email,
    normalise_phone,
    parent_email,
)
from openccc_tui.domain.errors import INVALID, MISSING, FieldError
from openccc_tui.domain.fields import CheckContext, check_field, parse_iso_date
from openccc_tui.domain.masking import mask_email
from openccc_tui.domain.policy import PasswordContext
from openccc_tui.domain.recovery import SECRET_QUESTIONS, check_answer, is_ssn_last4, normalise_answer, ssn_digest
from openccc_tui.domain.text import fold_for_matching
from openccc_tui.services import audit, notify
from openccc_tui.services.account_creation import college_name
from openccc_tui.services.audit import student_actor
from openccc_tui.services.credentials import lockout
from openccc_tui.services.credentials.one_time_password import withdraw as withdraw_one_time_password
from openccc_tui.services.credentials.password_context import student_password_context
from openccc_tui.services.errors import InvalidInput, ServiceError
from openccc_tui.services.records import get_row, required
from openccc_tui.services.runtime import Runtime
from openccc_tui.services.student.student_session import StudentSession
from openccc_tui.store.account_rows import lock_account_creation
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import StudentAccount

REAUTHENTICATE_AFTER = timedelta(minutes=10)
NOT_STARTED = "not_started"
STAFF_VERIFIED = "staff_verified"

# Edit Account's fields, by the template's column names, and the account attribute of each.
PROFILE_FIELDS: dict[str, str] = {
    "first": "first_name",
    "middle": "middle_name",
    "last": "last_name",
    "preferred": "preferred_name",
    "suffix": "suffix",
    "dob": "date_of_birth",
    "street1": "street1",
    "street2": "street2",
    "city": "city",
    "state": "state",
    "postal": "postal_code",
    "country": "country",
    "phone-number": "phone",
    "phone-type": "phone_type",
}


class ReauthenticationNeeded(ServiceError):
    def __init__(self) -> None:
        super().__init__("Enter your password again to save changes.")


@dataclass(frozen=True)
class Profile:
    values: dict[str, str]
    email: str
    email_validated: bool
    """Validated, or a plus address under a validated parent (ACC-8)."""
    preferred_contact: str
    secret_question: str
    has_secret_answer: bool
    has_ssn_last4: bool
    staff_made: bool
    reclaimed: bool


@dataclass(frozen=True)
class SaveResult:
    new_email: str = ""
    """The new email to validate by code (normalised), or empty when the email did not change."""
    masked_new_email: str = ""
    changed: tuple[str, ...] = field(default_factory=tuple)


def _text(account: StudentAccount, attribute: str) -> str:
    value = getattr(account, attribute)
    return "" if value is None else value.isoformat() if attribute == "date_of_birth" else str(value)


def _parent_validated(db: Session, email: str) -> bool:
    """ACC-8: a plus address whose parent address is validated counts as validated."""
    parent = parent_email(email)
    if parent is None:
        return False
    holder = db.exec(
        select(StudentAccount.id).where(
            StudentAccount.email_normalized == parent, col(StudentAccount.email_validated).is_(True)
        )
    ).first()
    return holder is not None


def load_profile(runtime: Runtime, student: StudentSession) -> Profile:
    with read_session(runtime.engine) as db:
        account = get_row(db, StudentAccount, student.account_id)
        validated = account.email_validated or _parent_validated(db, account.email_normalized)
    return Profile(
        values={column: _text(account, attribute) for column, attribute in PROFILE_FIELDS.items()},
        email=account.email,
        email_validated=validated,
        preferred_contact=account.preferred_contact,
        secret_question=account.secret_question,
        has_secret_answer=account.secret_answer_hash is not None,
        has_ssn_last4=account.ssn_last4_hash is not None,
        staff_made=account.created_by_staff_id is not None,
        reclaimed=account.reclaimed_at is not None,
    )


def reauthenticate(runtime: Runtime, student: StudentSession, password: str) -> bool:
    """Check the password again, within the SIGN-7 limits like any other password check."""
    if lockout.check_password(runtime, lockout.STUDENT, student.account_id, password, detail="re-authentication"):
        student.password_verified_at = runtime.clock()
        return True
    return False


def needs_reauthentication(runtime: Runtime, student: StudentSession) -> bool:
    return runtime.clock() - student.password_verified_at >= REAUTHENTICATE_AFTER


def save_profile(runtime: Runtime, student: StudentSession, changes: Mapping[str, str]) -> SaveResult:
    """Save Edit Account. `changes` holds PROFILE_FIELDS columns plus, when given, `email`,
    `email-confirm`, `preferred-contact`, `secret-question`, `secret-answer`, `ssn-last4`."""
    if needs_reauthentication(runtime, student):
        raise ReauthenticationNeeded()
    profile = runtime.profile
    errors: list[FieldError] = []
    values = {column: changes.get(column, "") for column in PROFILE_FIELDS}
    values["accepted-terms"], values["homeless"] = "TRUE", "FALSE"
    ctx = CheckContext(profile, runtime.common_passwords, runtime.clock().date())
    for column in PROFILE_FIELDS:
        if (error := check_field(column, values, ctx)) is not None:
            errors.append(error)
    new_email = changes.get("email", "").strip()
    if new_email:
        try:
            check_email(new_email)
        except ContactError:
            errors.append(FieldError("email", INVALID, EMAIL_EXAMPLE.removeprefix("Enter ").rstrip(".")))
        if normalise_email(new_email) != normalise_email(changes.get("email-confirm", "")):
            errors.append(FieldError("email.confirm", INVALID, "does not match the email entered above"))
    question, answer = changes.get("secret-question", ""), changes.get("secret-answer", "")
    if answer and profile.secret_questions_allowed:
        if question not in SECRET_QUESTIONS:
            errors.append(FieldError("secret.question", INVALID, "choose one of the questions"))
        if (hint := check_answer(answer)) is not None:
            errors.append(FieldError("secret.answer", INVALID, hint))
    ssn = changes.get("ssn-last4", "").strip()
    if ssn and (runtime.settings.ssn_hash_key is None or not is_ssn_last4(ssn)):
        errors.append(FieldError("ssn.last4", INVALID, "four digits"))
    preferred = changes.get("preferred-contact", "")
    with read_session(runtime.engine) as db:
        account = get_row(db, StudentAccount, student.account_id)
    if profile.secret_question_required and account.secret_answer_hash is None and not answer:
        errors.append(FieldError("secret.answer", MISSING, "this college requires a secret question and answer"))
    if errors:
        raise InvalidInput(errors)
    answer_hash = runtime.hasher.hash(normalise_answer(answer)) if answer and profile.secret_questions_allowed else None
    return _write_profile(runtime, student, values, new_email, preferred, question, answer_hash, ssn)


def _write_profile(
    runtime: Runtime,
    student: StudentSession,
    values: dict[str, str],
    new_email: str,
    preferred: str,
    question: str,
    answer_hash: str | None,
    ssn: str,
) -> SaveResult:
    now = runtime.clock()
    changed: list[str] = []
    with write_session(runtime.engine) as db:
        account = get_row(db, StudentAccount, student.account_id)
        for column, attribute in PROFILE_FIELDS.items():
            value = _stored_value(column, values[column], values["country"])
            if getattr(account, attribute) != value:
                setattr(account, attribute, value)
                changed.append(column)
        if "phone-number" in changed:
            account.phone_validated = False
        account.first_name_key = fold_for_matching(account.first_name)
        account.last_name_key = fold_for_matching(account.last_name)
        if preferred in ("email", "phone") and preferred != account.preferred_contact:
            account.preferred_contact = preferred
            changed.append("preferred-contact")
        if answer_hash is not None:
            account.secret_question, account.secret_answer_hash = question, answer_hash
            changed.append("secret-question")
        if ssn:
            account.ssn_last4_hash = ssn_digest(
                ssn, required(runtime.settings.ssn_hash_key, "the SSN hash key").get_secret_value().encode()
            )
            changed.append("ssn-last4")
        old_email = account.email
        email_changed = bool(new_email) and normalise_email(new_email) != account.email_normalized
        if email_changed:
            lock_account_creation(db)  # ADD-3: no account is created with this email meanwhile
            if (
                db.exec(
                    select(StudentAccount.id).where(
                        StudentAccount.email_normalized == normalise_email(new_email),
                        col(StudentAccount.email_validated).is_(True),
                        StudentAccount.id != account.id,
                    )
                ).first()
                is not None
            ):
                raise InvalidInput([FieldError("email", INVALID, "this email is already validated on another account")])
            account.email, account.email_normalized = new_email, normalise_email(new_email)
            account.email_validated = False
            account.email_changed_by_student_at = now
            changed.append("email")
            notify.queue(
                db,
                runtime,
                channel="email",
                to=old_email,
                subject="Your OpenCCC email was changed",
                body=(
                    f"The email of your OpenCCC account {account.cccid} was changed to "
                    f"{mask_email(new_email)}. If you did not do this, contact your college's helpdesk."
                ),
            )
        account.updated_at = now
        audit.record(
            db,
            runtime,
            student_actor(account),
            "student.profile.update",
            account_id=account.id,
            detail="changed: " + ", ".join(changed),
        )
    notify.deliver_pending(runtime)
    return SaveResult(
        new_email=normalise_email(new_email) if email_changed else "",
        masked_new_email=mask_email(new_email) if email_changed else "",
        changed=tuple(changed),
    )


def _stored_value(column: str, text: str, country: str) -> date | str | None:
    text = text.strip()
    if column == "dob":
        return parse_iso_date(text)
    if column == "phone-number":
        return normalise_phone(text, country or "US").e164 if text else None
    if column == "phone-type":
        return text.lower() or None
    if column in ("state", "country") and (column == "country" or country.upper() == "US"):
        return text.upper()
    return text


def mark_email_validated(db: Session, runtime: Runtime, account: StudentAccount) -> None:
    """ACC-9: validating an email the student chose reclaims a staff-made account."""
    account.email_validated = True
    account.updated_at = runtime.clock()
    reclaiming = (
        account.created_by_staff_id is not None
        and account.reclaimed_at is None
        and account.email_changed_by_student_at is not None
        and account.idme_workflow_status == STAFF_VERIFIED
    )
    if reclaiming:
        account.reclaimed_at = runtime.clock()
        account.idme_workflow_status = NOT_STARTED
        audit.record(db, runtime, student_actor(account), "student.account.reclaim", account_id=account.id)
    db.flush()


def password_context(runtime: Runtime, account_id: int) -> PasswordContext:
    with read_session(runtime.engine) as db:
        account = get_row(db, StudentAccount, account_id)
        college = college_name(db, account.created_for_college_id)
    return student_password_context(runtime, account, college)


_NEGATIVE_RULES = (("Does not contain ", "it contains "), ("Not ", "it is "), ("No ", "it has "))


def password_refusal(problems: list[str]) -> str:
    """The rules a new password fails, in plain words: `Choose another password: it contains
    your first or last name.` rather than the checklist's `Does not contain …`."""
    reasons = []
    for problem in problems:
        for rule, reason in _NEGATIVE_RULES:
            if problem.startswith(rule):
                reasons.append(reason + problem.removeprefix(rule))
                break
        else:
            reasons.append("it needs " + problem[0].lower() + problem[1:])
    return "Choose another password: " + "; ".join(reasons) + "."


def change_password(runtime: Runtime, account_id: int, password: str, confirm: str, *, why: str) -> str | None:
    """Set a new password that meets the policy and differs from the old one (SIGN-6, REC-1).

    Returns what to fix, or None once saved. A change also ends any lock and forced change.
    """
    problems = runtime.profile.password_problems(password, password_context(runtime, account_id))
    if problems:
        return password_refusal(problems)
    if password != confirm:
        return "The two passwords do not match."
    with read_session(runtime.engine) as db:
        old_hash = get_row(db, StudentAccount, account_id).password_hash
    if runtime.hasher.verify(password, old_hash).ok:
        return "The new password must differ from the old one."
    new_hash = runtime.hasher.hash(password)
    with write_session(runtime.engine) as db:
        account = get_row(db, StudentAccount, account_id)
        account.password_hash = new_hash
        account.must_change_password = False
        account.failed_sign_ins, account.locked_until = 0, None
        account.updated_at = runtime.clock()
        withdraw_one_time_password(db, account_id)
        audit.record(db, runtime, student_actor(account), "student.password.change", account_id=account.id, detail=why)
    return None
