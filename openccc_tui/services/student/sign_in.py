"""The student sign-in flow (SPEC SIGN-1..8, ACC-8), as data: every submit returns the next
step, and the screens only show steps.

Sign In (email or phone) -> Username when several accounts carry the attribute ->
Password, shown even for an unknown identifier -> Validation Code when the attribute is
not validated yet -> Edit Profile confirmation -> Update Password when a change is
required -> done (the student's home).

An unknown identifier, a wrong password and a locked account give the same message and
each cost two password hashes (the password and a one-time password, REC-2) and the same
transactions (services/credentials/lockout.py), so neither the words nor the time tell them apart.
"""

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from openccc_tui.domain.contact import (
    EMAIL_EXAMPLE,
    PHONE_EXAMPLE,
    ContactError,
    check_email,
    looks_like_email,
    normalise_email,
    normalise_phone,
    parent_email,
)
from openccc_tui.domain.hashing import Verification
from openccc_tui.domain.masking import mask_email, mask_phone
from openccc_tui.domain.policy import PasswordContext
from openccc_tui.services import audit
from openccc_tui.services.audit import student_actor
from openccc_tui.services.credentials import codes, lockout
from openccc_tui.services.credentials.codes import CodeLimitReached, CodeResult, Destination, Purpose, TooManyWrongCodes
from openccc_tui.services.credentials.one_time_password import PasswordCheck
from openccc_tui.services.credentials.password_context import student_password_context
from openccc_tui.services.errors import ServiceError
from openccc_tui.services.flow import MessageKind
from openccc_tui.services.records import get_row, required, saved_id, stored_ids
from openccc_tui.services.runtime import Runtime
from openccc_tui.services.student.recovery import ForgotPasswordFlow
from openccc_tui.services.student.sign_in_steps import FIRST_METHOD
from openccc_tui.services.student.sign_in_steps import Method as Method  # re-exported for the flow's users
from openccc_tui.services.student.sign_in_steps import Step as Step
from openccc_tui.services.student.student_profile import change_password, mark_email_validated, password_context
from openccc_tui.services.student.student_session import StudentSession
from openccc_tui.store.account_rows import lock_account_creation
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import StudentAccount

SIGN_IN_FAILED = (
    "We could not sign you in. Check your email address or phone number and your password, then try again. "
    "If you forgot them, choose Recover Account."
)
CODE_WRONG = "That Validation Code is not correct. Check the message and try again."
CODE_ENDED = "That Validation Code can no longer be used. Choose Resend for a new one."
CODE_SENT = "A new Validation Code is on its way."
ALTERNATE_EXAMPLE = "Enter a valid mobile phone number or email address, such as (530) 555-0123 or name@example.com."
NO_CODE_YET = "No Validation Code was sent yet. Choose Resend when the time above has passed."


def normalise_identifier(method: Method, text: str) -> str:
    """The stored form of what was typed; raises ServiceError saying what to fix."""
    try:
        if method is Method.EMAIL:
            return normalise_email(check_email(text))
        return normalise_phone(text).e164
    except ContactError:
        raise ServiceError(EMAIL_EXAMPLE if method is Method.EMAIL else PHONE_EXAMPLE) from None


def throttle_key(method: Method, identifier: str) -> str:
    return lockout.throttle_key(method.value, identifier)


def _holds(method: Method, value: str) -> ColumnElement[bool]:
    if method is Method.EMAIL:
        return col(StudentAccount.email_normalized) == value
    return col(StudentAccount.phone) == value


def _validated(method: Method) -> ColumnElement[bool]:
    return col(StudentAccount.email_validated if method is Method.EMAIL else StudentAccount.phone_validated).is_(True)


@dataclass
class SignInFlow:
    runtime: Runtime
    step: Step = Step.SIGN_IN
    method: Method = FIRST_METHOD
    message: str = ""
    message_kind: MessageKind = MessageKind.NOTICE
    session: StudentSession | None = None
    identifier: str = ""
    _candidates: list[int] = field(default_factory=list, repr=False)
    _account_id: int | None = None
    _challenge_id: int | None = None
    _pending: tuple[Method, str] | None = None
    """An alternate email or phone being validated instead of the one signed in with."""
    _policy_outdated: bool = False
    _contact_found: tuple[bool, bool] = (False, False)
    """After the password: the attribute is validated on this account; on another one."""

    # Sign In page -------------------------------------------------------------------

    def toggle_method(self) -> None:
        self._expect(Step.SIGN_IN)
        self.method = self.method.other
        self.message = ""

    def submit_identifier(self, text: str) -> Step:
        self._expect(Step.SIGN_IN)
        try:
            self.identifier = normalise_identifier(self.method, text)
        except ServiceError as error:
            return self._stay(str(error))
        with read_session(self.runtime.engine) as db:
            self._candidates = stored_ids(
                db.exec(
                    select(StudentAccount.id)
                    .where(_holds(self.method, self.identifier))
                    .order_by(col(StudentAccount.id))
                ).all()
            )
        self._account_id = self._candidates[0] if len(self._candidates) == 1 else None
        return self._go(Step.USERNAME if len(self._candidates) > 1 else Step.PASSWORD)

    def submit_username(self, username: str) -> Step:
        """SIGN-3: the legacy user name picks one of the accounts sharing the attribute."""
        self._expect(Step.USERNAME)
        with read_session(self.runtime.engine) as db:
            self._account_id = db.exec(
                select(StudentAccount.id).where(
                    col(StudentAccount.id).in_(self._candidates),
                    col(StudentAccount.username).is_not(None),
                    func.lower(StudentAccount.username) == username.strip().lower(),
                )
            ).first()
        return self._go(Step.PASSWORD)

    # Password page ------------------------------------------------------------------

    def submit_password(self, password: str) -> Step:
        """SIGN-7: the password is checked only within the lockout's limits (lockout.py)."""
        self._expect(Step.PASSWORD)
        if self._account_id is None:
            return self._unknown_identifier(password)
        runtime = self.runtime
        account = lockout.check_password(
            runtime,
            lockout.STUDENT,
            self._account_id,
            password,
            detail=f"by {self.method.value}",
            on_success=self._signed_in,
        )
        if account is None:
            return self._fail()
        context = student_password_context(runtime, account)
        self._policy_outdated = bool(runtime.profile.password_problems(password, context))
        validated, owned_elsewhere = self._contact_found
        if validated:
            return self._after_contact(account)
        if owned_elsewhere:
            return self._go(Step.ALTERNATE_CONTACT)
        return self._send_code()

    def _signed_in(self, db: Session, account: StudentAccount, verification: Verification) -> None:
        """In the transaction that accepted the password (after lockout's STUDENT counter used
        up a one-time password, or withdrew it for the current one): its upgrade (ACC-7), its
        audit event, and whether the attribute signed in with is validated here or elsewhere."""
        if verification.new_hash:
            account.password_hash = verification.new_hash
        one_time = isinstance(verification, PasswordCheck) and verification.one_time
        audit.record(
            db,
            self.runtime,
            student_actor(account),
            "student.sign_in.password",
            account_id=account.id,
            detail=f"by {self.method.value}" + (" with a one-time password" if one_time else ""),
        )
        owned_elsewhere = db.exec(
            select(StudentAccount.id).where(
                _holds(self.method, self.identifier), _validated(self.method), StudentAccount.id != account.id
            )
        ).first()
        validated = self._counts_as_validated(db, account, self.method, self.identifier)
        self._contact_found = (validated, owned_elsewhere is not None)

    def _counts_as_validated(self, db: Session, account: StudentAccount, method: Method, value: str) -> bool:
        if method is Method.PHONE:
            return account.phone_validated and account.phone == value
        if account.email_validated and account.email_normalized == value:
            return True
        parent = parent_email(value)  # ACC-8: a plus address under a validated parent
        return (
            parent is not None
            and db.exec(
                select(StudentAccount.id).where(StudentAccount.email_normalized == parent, _validated(Method.EMAIL))
            ).first()
            is not None
        )

    def _unknown_identifier(self, password: str) -> Step:
        """SIGN-4: the same transactions, hash and message as a wrong password, and throttled
        as SIGN-7 says, in a table apart from accounts: nothing is created that could block
        a later registration."""
        masked = mask_email(self.identifier) if self.method is Method.EMAIL else mask_phone(self.identifier)
        key = throttle_key(self.method, self.identifier)
        lockout.check_password(self.runtime, lockout.UNKNOWN_STUDENT, key, password, detail=f"by {masked}")
        return self._fail()

    def forgot_password(self) -> ForgotPasswordFlow:
        """REC-1 from the Password page, for the account the Sign In page found (if any)."""
        self._expect(Step.PASSWORD)
        return ForgotPasswordFlow(self.runtime, self.identifier, self._account_id)

    # Validation Code page -----------------------------------------------------------

    @property
    def destination(self) -> Destination:
        method, value = self._pending or (self.method, self.identifier)
        return Destination("email" if method is Method.EMAIL else "sms", value)

    @property
    def masked_destination(self) -> str:
        method, value = self._pending or (self.method, self.identifier)
        return mask_email(value) if method is Method.EMAIL else mask_phone(value)

    def _send_code(self) -> Step:
        self._challenge_id = None
        self._go(Step.VALIDATION_CODE)
        try:
            self._challenge_id = codes.issue(
                self.runtime, self._chosen_account_id, self.destination, Purpose.VALIDATE_CONTACT
            )
        except CodeLimitReached as refused:
            return self._stay(str(refused))
        return self.step

    def resend_code(self) -> Step:
        """CODE-1: three resends in 15 minutes; a refusal says until when."""
        self._expect(Step.VALIDATION_CODE)
        try:
            if self._challenge_id is None:
                self._challenge_id = codes.issue(
                    self.runtime, self._chosen_account_id, self.destination, Purpose.VALIDATE_CONTACT
                )
            else:
                self._challenge_id = codes.resend(self.runtime, self._challenge_id, self.destination)
        except CodeLimitReached as refused:
            return self._stay(str(refused))
        self.message, self.message_kind = CODE_SENT, MessageKind.NOTICE
        return self.step

    def submit_code(self, code: str) -> Step:
        """SIGN-5: a correct code validates the attribute; the first account to do so owns it (ACC-3)."""
        self._expect(Step.VALIDATION_CODE)
        if self._challenge_id is None:
            return self._stay(NO_CODE_YET)
        try:
            result = codes.verify(self.runtime, self._challenge_id, code)
        except TooManyWrongCodes as ended:
            return self._stay(str(ended))
        if result is not CodeResult.ACCEPTED:
            return self._stay(
                {CodeResult.MALFORMED: codes.NOT_A_CODE, CodeResult.WRONG: CODE_WRONG}.get(result, CODE_ENDED)
            )
        method, value = self._pending or (self.method, self.identifier)
        try:
            with write_session(self.runtime.engine) as db:
                account = get_row(db, StudentAccount, self._account_id)
                if method is Method.EMAIL:
                    if account.email_normalized != value:
                        lock_account_creation(db)  # ADD-3: no account is created with this email meanwhile
                        account.email = value
                        account.email_normalized = value
                    mark_email_validated(db, self.runtime, account)
                else:
                    account.phone = value
                    account.phone_type = "mobile"
                    account.phone_validated = True
                account.updated_at = self.runtime.clock()
                audit.record(
                    db, self.runtime, student_actor(account), f"student.{method.value}.validated", account_id=account.id
                )
        except IntegrityError:
            self._pending = None
            return self._go(Step.ALTERNATE_CONTACT)
        self.method, self.identifier, self._pending = method, value, None
        return self._go(Step.EDIT_PROFILE)

    # Ownership conflict (SIGN-3) ------------------------------------------------------

    def submit_alternate(self, method: Method, text: str) -> Step:
        """An alternate email or phone, used only if no other account carries it at all."""
        self._expect(Step.ALTERNATE_CONTACT)
        try:
            value = normalise_identifier(method, text)
        except ServiceError as error:
            return self._stay(str(error))
        with read_session(self.runtime.engine) as db:
            taken = db.exec(
                select(StudentAccount.id).where(_holds(method, value), StudentAccount.id != self._account_id)
            ).first()
        if taken is not None:
            return self._go(Step.HELPDESK)
        self._pending = (method, value)
        return self._send_code()

    def submit_alternate_contact(self, text: str) -> Step:
        """The alternate typed in one box: an @ makes it an email address, anything else is
        read as a mobile phone number."""
        method = Method.EMAIL if looks_like_email(text) else Method.PHONE
        step = self.submit_alternate(method, text)
        if step is Step.ALTERNATE_CONTACT and self.message == PHONE_EXAMPLE:
            self.message = ALTERNATE_EXAMPLE
        return step

    # Edit Profile confirmation, Update Password ---------------------------------------

    def preferred_choices(self) -> list[Method]:
        with read_session(self.runtime.engine) as db:
            account = get_row(db, StudentAccount, self._account_id)
        choices = [Method.EMAIL] if account.email_validated else []
        return choices + ([Method.PHONE] if account.phone_validated else [])

    def confirm_profile(self, preferred: Method) -> Step:
        self._expect(Step.EDIT_PROFILE)
        if preferred not in self.preferred_choices():
            return self._stay("Choose a contact method that is validated.")
        with write_session(self.runtime.engine) as db:
            account = get_row(db, StudentAccount, self._account_id)
            account.preferred_contact = preferred.value
            account.updated_at = self.runtime.clock()
            return self._after_contact(account)

    def _after_contact(self, account: StudentAccount) -> Step:
        """SIGN-6: a required change of password comes before anything else."""
        if account.must_change_password or self._policy_outdated:
            return self._go(Step.UPDATE_PASSWORD)
        return self._finish(account)

    def password_context(self) -> PasswordContext:
        return password_context(self.runtime, self._chosen_account_id)

    def submit_new_password(self, password: str, confirm: str) -> Step:
        self._expect(Step.UPDATE_PASSWORD)
        problem = change_password(self.runtime, self._chosen_account_id, password, confirm, why="required at sign-in")
        if problem:
            return self._stay(problem)
        self._policy_outdated = False
        with read_session(self.runtime.engine) as db:
            return self._finish(get_row(db, StudentAccount, self._account_id))

    def _finish(self, account: StudentAccount) -> Step:
        name = account.preferred_name or account.first_name or account.last_name
        self.session = StudentSession(
            account_id=saved_id(account), cccid=account.cccid, name=name, password_verified_at=self.runtime.clock()
        )
        return self._go(Step.DONE)

    # Step bookkeeping -------------------------------------------------------------------

    @property
    def _chosen_account_id(self) -> int:
        return required(self._account_id, "the account")

    def restart(self) -> Step:
        """Back to the Sign In page with nothing of the attempt kept but the method."""
        self._candidates, self._account_id, self._challenge_id, self._pending = [], None, None, None
        self.identifier, self.session = "", None
        return self._go(Step.SIGN_IN)

    def _expect(self, step: Step) -> None:
        if self.step is not step:
            raise ServiceError(f"this answer belongs to the {step.value} step, not {self.step.value}")

    def _go(self, step: Step) -> Step:
        self.step, self.message, self.message_kind = step, "", MessageKind.NOTICE
        return step

    def _stay(self, message: str) -> Step:
        self.message, self.message_kind = message, MessageKind.ERROR
        return self.step

    def _fail(self) -> Step:
        self.restart()
        return self._stay(SIGN_IN_FAILED)
