"""Edit Account and reclaiming (SPEC ACC-9) as a flow: the form, the password asked again
when the last one is older than 10 minutes, and the code that validates a new email.

Validating an email the student put there reclaims a staff-made account. The code follows
CODE-1 like every other: limits per account, destination and purpose, and an empty or
malformed entry is not a guess.
"""

from collections.abc import Mapping
from enum import StrEnum

from sqlalchemy.exc import IntegrityError

from openccc_tui.domain.errors import FieldError
from openccc_tui.services.credentials import codes
from openccc_tui.services.credentials.codes import CodeLimitReached, CodeResult, Destination, Purpose, TooManyWrongCodes
from openccc_tui.services.errors import InvalidInput
from openccc_tui.services.flow import Flow
from openccc_tui.services.records import get_row
from openccc_tui.services.runtime import Runtime
from openccc_tui.services.student import student_profile
from openccc_tui.services.student.student_profile import ReauthenticationNeeded
from openccc_tui.services.student.student_session import StudentSession
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import StudentAccount

SAVED = "Your changes are saved."
NOT_SAVED = "Not saved: correct the fields marked below."
REAUTHENTICATION_FAILED = "That password is not correct. Nothing was saved."
CANCELLED = "Nothing was saved."
VALIDATED = "Your new email is validated."
RECLAIMED = " The account the college made for you is now yours (reclaimed)."
LATER = "Saved. Your new email is not validated yet: you will be asked for a code at sign-in."
CODE_WRONG = "That Validation Code is not correct."
CODE_ENDED = "That Validation Code can no longer be used. Choose Resend for a new one."
CODE_SENT = "A new Validation Code is on its way."
TAKEN_MEANWHILE = "This email was validated on another account meanwhile; enter another one."


class EditStep(StrEnum):
    FORM = "form"
    REAUTHENTICATE = "reauthenticate"
    EMAIL_CODE = "email_code"


class EditAccountFlow(Flow[EditStep]):
    def __init__(self, runtime: Runtime, student: StudentSession) -> None:
        super().__init__(runtime, EditStep.FORM)
        self.student = student
        self.field_errors: list[FieldError] = []
        self.masked_new_email = ""
        self._pending: dict[str, str] | None = None
        """The changes waiting for the password, kept in memory only."""
        self._new_email: Destination | None = None
        self._challenge_id: int | None = None

    def save(self, changes: Mapping[str, str]) -> EditStep:
        self._expect(EditStep.FORM)
        self.field_errors = []
        if student_profile.needs_reauthentication(self.runtime, self.student):
            self._pending = dict(changes)
            return self._go(EditStep.REAUTHENTICATE)
        return self._save(changes)

    def reauthenticate(self, password: str) -> EditStep:
        self._expect(EditStep.REAUTHENTICATE)
        changes, self._pending = self._pending or {}, None
        if not student_profile.reauthenticate(self.runtime, self.student, password):
            return self._return_to(EditStep.FORM, REAUTHENTICATION_FAILED)
        return self._save(changes)

    def cancel(self) -> EditStep:
        """Back to the form: from the password prompt nothing is saved; from the code, the
        new email stays unvalidated until a code is entered at sign-in."""
        self._expect(EditStep.REAUTHENTICATE, EditStep.EMAIL_CODE)
        later = self.step is EditStep.EMAIL_CODE
        self._pending, self._new_email, self._challenge_id = None, None, None
        return self._go(EditStep.FORM, LATER if later else CANCELLED)

    def _save(self, changes: Mapping[str, str]) -> EditStep:
        try:
            result = student_profile.save_profile(self.runtime, self.student, changes)
        except ReauthenticationNeeded:
            self._pending = dict(changes)
            return self._go(EditStep.REAUTHENTICATE)
        except InvalidInput as error:
            self.field_errors = error.errors
            return self._return_to(EditStep.FORM, NOT_SAVED)
        if not result.new_email:
            return self._go(EditStep.FORM, SAVED)
        destination = Destination("email", result.new_email)
        try:
            self._challenge_id = codes.issue(
                self.runtime, self.student.account_id, destination, Purpose.VALIDATE_CONTACT
            )
        except CodeLimitReached as refused:
            return self._return_to(EditStep.FORM, f"Saved, but no code was sent: {refused}")
        self._new_email, self.masked_new_email = destination, result.masked_new_email
        return self._go(EditStep.EMAIL_CODE)

    def resend(self) -> EditStep:
        self._expect(EditStep.EMAIL_CODE)
        if self._new_email is None or self._challenge_id is None:
            raise ValueError("no code was sent")
        try:
            self._challenge_id = codes.resend(self.runtime, self._challenge_id, self._new_email)
        except CodeLimitReached as refused:
            return self._stay(str(refused))
        return self._notice(CODE_SENT)

    def submit_code(self, code: str) -> EditStep:
        """The code sent to the new email: a correct one validates it (and may reclaim the account)."""
        self._expect(EditStep.EMAIL_CODE)
        if self._challenge_id is None:
            raise ValueError("no code was sent")
        try:
            result = codes.verify(self.runtime, self._challenge_id, code)
        except TooManyWrongCodes as ended:
            return self._return_to(EditStep.FORM, f"{ended} Your new email is not validated yet.")
        if result is not CodeResult.ACCEPTED:
            return self._stay(
                {CodeResult.MALFORMED: codes.NOT_A_CODE, CodeResult.WRONG: CODE_WRONG}.get(result, CODE_ENDED)
            )
        try:
            with write_session(self.runtime.engine) as db:
                account = get_row(db, StudentAccount, self.student.account_id)
                student_profile.mark_email_validated(db, self.runtime, account)
        except IntegrityError:
            return self._return_to(EditStep.FORM, TAKEN_MEANWHILE)
        self._new_email, self._challenge_id = None, None
        return self._go(EditStep.FORM, VALIDATED + (RECLAIMED if self._reclaimed() else ""))

    def _reclaimed(self) -> bool:
        with read_session(self.runtime.engine) as db:
            account = db.get(StudentAccount, self.student.account_id)
        return account is not None and account.reclaimed_at is not None
