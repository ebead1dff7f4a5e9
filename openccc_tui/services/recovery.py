"""Recovery (SPEC REC-1..3): Forgot your password? and Recover Account, as flows.

Forgot Password sends a code to a validated email or phone of the account; an unknown
identifier, or an account with nothing validated, goes through the same pages and no
code is sent. Recover Account (seed 004) has two paths: the email on file (shows the
user name and sends a one-time password), or names with SSN last 4 or CCCID and the date
of birth, then the secret question. Wrong data of any kind gets one message; five
failures end the path. Recover Account is not offered under the nist profile.
"""

from dataclasses import dataclass, field
from enum import StrEnum

from sqlmodel import select

from openccc_tui.domain.cccid import normalise_cccid
from openccc_tui.domain.contact import normalise_email
from openccc_tui.domain.fields import parse_iso_date
from openccc_tui.domain.recovery import is_ssn_last4, normalise_answer, ssn_digest
from openccc_tui.domain.text import fold_for_matching
from openccc_tui.services import audit, codes, notify
from openccc_tui.services.audit import Actor, student_actor
from openccc_tui.services.codes import CodeResult, Destination, Purpose
from openccc_tui.services.errors import ServiceError
from openccc_tui.services.lockout import count_failure
from openccc_tui.services.one_time_password import send_one_time_password
from openccc_tui.services.records import get_row, required
from openccc_tui.services.runtime import Runtime
from openccc_tui.services.student_account import change_password
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import StudentAccount

MAX_FAILURES = 5
NOT_FOUND = "We could not find an account with those details. Check them and try again."
CONTACT_SUPPORT = (
    "We could not confirm who you are. Please contact your college's helpdesk: they can verify "
    "your identity and help you into your account."
)
ANSWER_WRONG = "That answer does not match. Check it and try again."
CODE_WRONG = "That code is not correct. Check the message and try again."
CODE_ENDED = "That code can no longer be used. Choose Resend for a new one."


class ForgotStep(StrEnum):
    CHANNEL = "channel"
    CODE = "code"
    NEW_PASSWORD = "new_password"
    DONE = "done"
    ENDED = "ended"


@dataclass
class ForgotPasswordFlow:
    """REC-1, from the Password page: the account (if any) was found by the Sign In page."""

    runtime: Runtime
    channels: list[Destination]
    account_id: int | None
    step: ForgotStep = ForgotStep.CHANNEL
    message: str = ""
    chosen: Destination | None = None
    _challenge_id: int | None = None
    _fake_failures: int = 0

    @classmethod
    def start(cls, runtime: Runtime, channel: str, identifier: str, account_id: int | None) -> "ForgotPasswordFlow":
        validated: list[Destination] = []
        if account_id is not None:
            with read_session(runtime.engine) as db:
                account = get_row(db, StudentAccount, account_id)
            if account.email_validated:
                validated.append(Destination("email", account.email_normalized))
            if account.phone_validated and account.phone:
                validated.append(Destination("sms", account.phone))
        if validated:
            return cls(runtime, validated, account_id)
        return cls(runtime, [Destination(channel, identifier)], None)

    def choose(self, index: int) -> ForgotStep:
        self.chosen = self.channels[index]
        if self.account_id is None:
            self.runtime.hasher.hash(codes.new_code())  # the time a real code costs; nothing is sent
        else:
            self._challenge_id = codes.issue(self.runtime, self.account_id, self.chosen, Purpose.RECOVER)
        return self._go(ForgotStep.CODE)

    def resend(self) -> ForgotStep:
        chosen = required(self.chosen, "the channel")
        if self.account_id is not None and not codes.resend(self.runtime, self._sent_challenge_id, chosen):
            self._challenge_id = codes.issue(self.runtime, self.account_id, chosen, Purpose.RECOVER)
        self.message = "A new code is on its way."
        return self.step

    def submit_code(self, code: str) -> ForgotStep:
        if self.account_id is None:
            self.runtime.hasher.dummy_verify()
            self._fake_failures += 1
            return self._stay(CODE_ENDED if self._fake_failures >= codes.MAX_WRONG_ENTRIES else CODE_WRONG)
        result = codes.verify(self.runtime, self._sent_challenge_id, code)
        if result is CodeResult.ACCEPTED:
            return self._go(ForgotStep.NEW_PASSWORD)
        return self._stay(CODE_WRONG if result is CodeResult.WRONG else CODE_ENDED)

    def submit_new_password(self, password: str, confirm: str) -> ForgotStep:
        account_id = required(self.account_id, "the account")
        problem = change_password(self.runtime, account_id, password, confirm, why="forgot password")
        if problem:
            return self._stay(problem)
        return self._go(ForgotStep.DONE)

    @property
    def _sent_challenge_id(self) -> int:
        return required(self._challenge_id, "the code")

    def _go(self, step: ForgotStep) -> ForgotStep:
        self.step, self.message = step, ""
        return step

    def _stay(self, message: str) -> ForgotStep:
        self.message = message
        return self.step


class RecoverStep(StrEnum):
    CHOOSE = "choose"
    BY_EMAIL = "by_email"
    BY_IDENTITY = "by_identity"
    ONE_TIME_PASSWORD_SENT = "one_time_password_sent"
    FOUND = "found"
    SECRET_QUESTION = "secret_question"
    NEW_PASSWORD = "new_password"
    DONE = "done"
    ENDED = "ended"


def recovery_offered(runtime: Runtime) -> bool:
    return runtime.profile.knowledge_based_recovery


@dataclass
class RecoverAccountFlow:
    runtime: Runtime
    step: RecoverStep = RecoverStep.CHOOSE
    message: str = ""
    username: str = ""
    question: str = ""
    failures: int = 0
    _account_id: int | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not recovery_offered(self.runtime):
            raise ServiceError("Account recovery is not offered here. Please contact your college's helpdesk.")

    @property
    def ssn_offered(self) -> bool:
        return self.runtime.settings.ssn_hash_key is not None

    def choose(self, step: RecoverStep) -> RecoverStep:
        if step not in (RecoverStep.BY_EMAIL, RecoverStep.BY_IDENTITY):
            raise ServiceError("choose the email on file or your identity details")
        return self._go(step)

    def submit_email(self, email: str) -> RecoverStep:
        """Path 1 (REC-2): the email on file shows the user name and gets a one-time password."""
        with read_session(self.runtime.engine) as db:
            matches = db.exec(
                select(StudentAccount).where(StudentAccount.email_normalized == normalise_email(email)).limit(2)
            ).all()
        if len(matches) != 1:
            return self._failed()
        account = matches[0]
        with write_session(self.runtime.engine) as db:
            fresh = get_row(db, StudentAccount, account.id)
            send_one_time_password(db, self.runtime, fresh)
            audit.record(db, self.runtime, student_actor(fresh), "student.recover.email", account_id=fresh.id)
        notify.deliver_pending(self.runtime)
        self.username = account.username or account.email
        return self._go(RecoverStep.ONE_TIME_PASSWORD_SENT)

    def submit_identity(
        self, first: str, last: str, birth_date: str, *, cccid: str = "", ssn_last4: str = ""
    ) -> RecoverStep:
        """Path 2 (REC-3): names and date of birth, with either the CCCID or the SSN last 4."""
        born = parse_iso_date(birth_date.strip())
        by_ssn = bool(ssn_last4.strip()) and self.ssn_offered and is_ssn_last4(ssn_last4)
        if born is None or not (by_ssn or cccid.strip()):
            return self._failed()
        query = select(StudentAccount).where(
            StudentAccount.first_name_key == fold_for_matching(first),
            StudentAccount.last_name_key == fold_for_matching(last),
            StudentAccount.date_of_birth == born,
        )
        if by_ssn:
            key = required(self.runtime.settings.ssn_hash_key, "the SSN hash key").get_secret_value().encode()
            query = query.where(StudentAccount.ssn_last4_hash == ssn_digest(ssn_last4.strip(), key))
        else:
            query = query.where(StudentAccount.cccid == normalise_cccid(cccid))
        with read_session(self.runtime.engine) as db:
            matches = db.exec(query.limit(2)).all()
        if len(matches) != 1:
            return self._failed()
        account = matches[0]
        self._account_id = account.id
        self.username = account.username or account.email
        self.question = account.secret_question if account.secret_answer_hash else ""
        return self._go(RecoverStep.FOUND)

    def reset_password(self) -> RecoverStep:
        if self.step is not RecoverStep.FOUND:
            raise ServiceError("find the account first")
        if not self.question:
            self.message = "This account has no secret question. " + CONTACT_SUPPORT
            return self._go_keep_message(RecoverStep.ENDED)
        return self._go(RecoverStep.SECRET_QUESTION)

    def submit_answer(self, answer: str) -> RecoverStep:
        if self.step is not RecoverStep.SECRET_QUESTION:
            raise ServiceError("the secret question is not being asked")
        with read_session(self.runtime.engine) as db:
            account = get_row(db, StudentAccount, self._account_id)
        locked = account.locked_until is not None and account.locked_until > self.runtime.clock()
        if locked or not self.runtime.hasher.verify(normalise_answer(answer), account.secret_answer_hash).ok:
            if not locked:
                count_failure(self.runtime, account, "wrong secret answer")
            return self._failed(ANSWER_WRONG)
        return self._go(RecoverStep.NEW_PASSWORD)

    def submit_new_password(self, password: str, confirm: str) -> RecoverStep:
        if self.step is not RecoverStep.NEW_PASSWORD:
            raise ServiceError("the secret question was not answered")
        account_id = required(self._account_id, "the account")
        problem = change_password(self.runtime, account_id, password, confirm, why="recover account")
        if problem:
            self.message = problem
            return self.step
        return self._go(RecoverStep.DONE)

    def _failed(self, message: str = NOT_FOUND) -> RecoverStep:
        self.failures += 1
        with write_session(self.runtime.engine) as db:
            audit.record(
                db,
                self.runtime,
                Actor(name="anonymous"),
                "student.recover.failed",
                account_id=self._account_id,
                detail=f"{self.step.value} failure {self.failures}",
            )
        if self.failures >= MAX_FAILURES:
            self.message = CONTACT_SUPPORT
            return self._go_keep_message(RecoverStep.ENDED)
        self.message = message
        return self.step

    def _go(self, step: RecoverStep) -> RecoverStep:
        self.step, self.message = step, ""
        return step

    def _go_keep_message(self, step: RecoverStep) -> RecoverStep:
        self.step = step
        return step
