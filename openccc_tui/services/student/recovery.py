"""Recovery (SPEC REC-1..3): Forgot your password? and Recover Account, as flows.

Forgot Password offers the same two channels, email and text message, to everybody: a
code goes to the account's validated email or phone when it has one, and otherwise
nothing is sent, through the same pages, limits and time (CODE-1). A new password is
taken only after an accepted code.

Recover Account (seed 004) has two paths. By the email on file (REC-2): the user name and
a one-time password go to that email if an account has it; the page reads the same either
way, and the request changes nothing on the account. By identity (REC-3): names with the
SSN last 4 or the CCCID and the date of birth, then the secret question. Wrong data of
any kind gets one message; five failures end the path, counted in the database per
claimed identity and per terminal. Recover Account is not offered under the nist profile.
"""

import secrets
from datetime import timedelta
from enum import StrEnum
from typing import ClassVar

from sqlmodel import col, select

from openccc_tui.domain.cccid import normalise_cccid
from openccc_tui.domain.contact import EMAIL_EXAMPLE, ContactError, check_email, normalise_email
from openccc_tui.domain.fields import parse_iso_date
from openccc_tui.domain.local_time import try_again_after
from openccc_tui.domain.masking import mask_email
from openccc_tui.domain.recovery import is_ssn_last4, normalise_answer, ssn_digest
from openccc_tui.domain.text import fold_for_matching
from openccc_tui.services import audit, notify
from openccc_tui.services.audit import Actor, student_actor
from openccc_tui.services.credentials import attempts, codes
from openccc_tui.services.credentials.attempts import Limit, Taken
from openccc_tui.services.credentials.codes import CodeLimitReached, CodeResult, Destination, Purpose, TooManyWrongCodes
from openccc_tui.services.credentials.lockout import count_failure
from openccc_tui.services.credentials.one_time_password import offer_one_time_password, prepare_offer
from openccc_tui.services.errors import ServiceError
from openccc_tui.services.flow import Flow
from openccc_tui.services.runtime import Runtime
from openccc_tui.services.student.sign_in_steps import recovery_offered
from openccc_tui.services.student.student_profile import change_password
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import StudentAccount

MAX_FAILURES = 5
IDENTITY_FAILURES = Limit("rec3.identity", MAX_FAILURES, timedelta(hours=24))
TERMINAL_FAILURES = Limit("rec3.terminal", MAX_FAILURES, timedelta(hours=24))
EMAIL_REQUESTS = Limit("rec2.email", 3, timedelta(hours=1))
TERMINAL_REQUESTS = Limit("rec2.terminal", 10, timedelta(hours=1))

NOT_FOUND = "We could not find an account with those details. Check them and try again."
CONTACT_SUPPORT = (
    "We could not confirm who you are. Please contact your college's helpdesk: they can verify "
    "your identity and help you into your account."
)
ANSWER_WRONG = "That answer does not match. Check it and try again."
CODE_WRONG = "That Validation Code is not correct. Check the message and try again."
CODE_ENDED = "That Validation Code can no longer be used. Choose Resend for a new one."
CODE_SENT = "A new Validation Code is on its way."
PASSWORD_CHANGED = "Your password was changed. Sign in with it now."
TOO_MANY_REQUESTS = "You have asked for this too often."

CHANNELS: tuple[str, ...] = ("email", "sms")
"""Forgot Password's choices, the same for every identifier (REC-1)."""


class ForgotStep(StrEnum):
    CHANNEL = "channel"
    CODE = "code"
    NEW_PASSWORD = "new_password"
    DONE = "done"
    ENDED = "ended"


class ForgotPasswordFlow(Flow[ForgotStep]):
    """REC-1, from the Password page, for the account the Sign In page found (if any)."""

    channels = CHANNELS

    def __init__(self, runtime: Runtime, identifier: str, account_id: int | None) -> None:
        super().__init__(runtime, ForgotStep.CHANNEL)
        self.identifier = identifier
        self._account_id = account_id
        self._destination: Destination | None = None
        """Where the code really goes; None when nothing is sent."""
        self._chosen: Destination | None = None
        """The channel chosen, with the identifier typed: what the limits count when nothing is sent."""
        self._challenge_id: int | None = None

    def _destination_for(self, channel: str) -> Destination | None:
        if self._account_id is None:
            return None
        with read_session(self.runtime.engine) as db:
            account = db.get(StudentAccount, self._account_id)
        if account is None:
            return None
        if channel == "email" and account.email_validated:
            return Destination("email", account.email_normalized)
        if channel == "sms" and account.phone_validated and account.phone:
            return Destination("sms", account.phone)
        return None

    def choose(self, channel: str) -> ForgotStep:
        self._expect(ForgotStep.CHANNEL)
        if channel not in CHANNELS:
            raise ServiceError("choose email or text message")
        destination, chosen = self._destination_for(channel), Destination(channel, self.identifier)
        try:
            if destination is None or self._account_id is None:
                codes.pretend_issue(self.runtime, chosen, Purpose.RECOVER)
            else:
                self._challenge_id = codes.issue(self.runtime, self._account_id, destination, Purpose.RECOVER)
        except CodeLimitReached as refused:
            return self._stay(str(refused))
        self._destination, self._chosen = destination, chosen
        return self._go(ForgotStep.CODE)

    def resend(self) -> ForgotStep:
        self._expect(ForgotStep.CODE)
        try:
            if self._destination is None or self._challenge_id is None:
                codes.pretend_issue(self.runtime, self._sent_nowhere(), Purpose.RECOVER)
            else:
                self._challenge_id = codes.resend(self.runtime, self._challenge_id, self._destination)
        except CodeLimitReached as refused:
            return self._stay(str(refused))
        return self._notice(CODE_SENT)

    def submit_code(self, code: str) -> ForgotStep:
        self._expect(ForgotStep.CODE)
        try:
            if self._destination is None or self._challenge_id is None:
                result = codes.pretend_verify(self.runtime, self._sent_nowhere(), Purpose.RECOVER, code)
            else:
                result = codes.verify(self.runtime, self._challenge_id, code)
        except TooManyWrongCodes as ended:
            return self._end(str(ended))
        if result is CodeResult.ACCEPTED:
            return self._go(ForgotStep.NEW_PASSWORD)
        return self._stay(
            {CodeResult.MALFORMED: codes.NOT_A_CODE, CodeResult.WRONG: CODE_WRONG}.get(result, CODE_ENDED)
        )

    def submit_new_password(self, password: str, confirm: str) -> ForgotStep:
        self._expect(ForgotStep.NEW_PASSWORD)
        if self._account_id is None:
            raise ServiceError("no code was accepted")
        problem = change_password(self.runtime, self._account_id, password, confirm, why="forgot password")
        if problem:
            return self._stay(problem)
        return self._go(ForgotStep.DONE, PASSWORD_CHANGED)

    def _sent_nowhere(self) -> Destination:
        if self._chosen is None:
            raise ServiceError("choose where to send the code first")
        return self._chosen


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


class RecoverAccountFlow(Flow[RecoverStep]):
    FINAL_STEPS: ClassVar[frozenset[str]] = Flow.FINAL_STEPS | {RecoverStep.ONE_TIME_PASSWORD_SENT.value}

    def __init__(self, runtime: Runtime) -> None:
        if not recovery_offered(runtime.settings):
            raise ServiceError("Account recovery is not offered here. Please contact your college's helpdesk.")
        super().__init__(runtime, RecoverStep.CHOOSE)
        self.username = ""
        self.question = ""
        self._account_id: int | None = None
        self._claimed: tuple[str, str, str] | None = None
        """The identity claimed on the identity path (folded names, date of birth): what REC-3 counts."""

    @property
    def ssn_offered(self) -> bool:
        return self.runtime.settings.ssn_hash_key is not None

    def choose(self, step: RecoverStep) -> RecoverStep:
        self._expect(RecoverStep.CHOOSE)
        if step not in (RecoverStep.BY_EMAIL, RecoverStep.BY_IDENTITY):
            raise ServiceError("choose the email on file or your identity details")
        if step is RecoverStep.BY_IDENTITY and attempts.spent_until(
            self.runtime, TERMINAL_FAILURES, self.runtime.terminal
        ):
            return self._end(CONTACT_SUPPORT)
        return self._go(step)

    # Path 1: the email on file (REC-2) ---------------------------------------------------

    def submit_email(self, email: str) -> RecoverStep:
        """The same page follows for a known and an unknown email; only the email learns which."""
        self._expect(RecoverStep.BY_EMAIL)
        try:
            wanted = normalise_email(check_email(email))
        except ContactError:
            return self._stay(EMAIL_EXAMPLE)
        taken = attempts.take_all(
            self.runtime, [(EMAIL_REQUESTS, (wanted,)), (TERMINAL_REQUESTS, (self.runtime.terminal,))]
        )
        until = attempts.refused_until(taken)
        if until is not None:
            return self._stay(f"{TOO_MANY_REQUESTS} {try_again_after(until)}")
        with read_session(self.runtime.engine) as db:
            holders = db.exec(
                select(StudentAccount)
                .where(col(StudentAccount.email_normalized) == wanted)
                .order_by(col(StudentAccount.email_validated).desc(), col(StudentAccount.id))
                .limit(2)
            ).all()
        account = holders[0] if len(holders) == 1 or (holders and holders[0].email_validated) else None
        if account is None:
            self.runtime.hasher.hash(secrets.token_urlsafe(12))  # the time an offer costs
            with write_session(self.runtime.engine) as db:
                audit.record(
                    db, self.runtime, Actor(name="anonymous"), "student.recover.email", detail=mask_email(wanted)
                )
        else:
            offer = prepare_offer(self.runtime, account)
            with write_session(self.runtime.engine) as db:
                offer_one_time_password(db, self.runtime, account, offer)
                audit.record(db, self.runtime, student_actor(account), "student.recover.email", account_id=account.id)
        notify.deliver_pending(self.runtime)
        return self._go(RecoverStep.ONE_TIME_PASSWORD_SENT)

    # Path 2: identity, then the secret question (REC-3) ----------------------------------

    def _counted(self, claimed: tuple[str, str, str]) -> list[tuple[Limit, tuple[object, ...]]]:
        return [(IDENTITY_FAILURES, claimed), (TERMINAL_FAILURES, (self.runtime.terminal,))]

    def submit_identity(
        self, first: str, last: str, birth_date: str, *, cccid: str = "", ssn_last4: str = ""
    ) -> RecoverStep:
        """Names and date of birth, with either the CCCID or the SSN last 4."""
        self._expect(RecoverStep.BY_IDENTITY)
        claimed = (fold_for_matching(first), fold_for_matching(last), birth_date.strip())
        taken = attempts.take_all(self.runtime, self._counted(claimed))
        if attempts.refused_until(taken) is not None:
            return self._end(CONTACT_SUPPORT)
        account = self._match(first, last, birth_date, cccid, ssn_last4)
        if account is None:
            return self._failed(taken, NOT_FOUND)
        attempts.give_back_all(self.runtime, taken)
        self._claimed, self._account_id = claimed, account.id
        self.username = account.username or account.email
        self.question = account.secret_question if account.secret_answer_hash else ""
        return self._go(RecoverStep.FOUND)

    def _match(self, first: str, last: str, birth_date: str, cccid: str, ssn_last4: str) -> StudentAccount | None:
        born = parse_iso_date(birth_date.strip())
        key = self.runtime.settings.ssn_hash_key
        by_ssn = key is not None and is_ssn_last4(ssn_last4)
        if born is None or not (by_ssn or cccid.strip()):
            return None
        query = select(StudentAccount).where(
            col(StudentAccount.first_name_key) == fold_for_matching(first),
            col(StudentAccount.last_name_key) == fold_for_matching(last),
            col(StudentAccount.date_of_birth) == born,
        )
        if key is not None and by_ssn:
            digest = ssn_digest(ssn_last4.strip(), key.get_secret_value().encode())
            query = query.where(col(StudentAccount.ssn_last4_hash) == digest)
        else:
            query = query.where(col(StudentAccount.cccid) == normalise_cccid(cccid))
        with read_session(self.runtime.engine) as db:
            matches = db.exec(query.limit(2)).all()
        return matches[0] if len(matches) == 1 else None

    def reset_password(self) -> RecoverStep:
        self._expect(RecoverStep.FOUND)
        if not self.question:
            return self._end("This account has no secret question. " + CONTACT_SUPPORT)
        return self._go(RecoverStep.SECRET_QUESTION)

    def submit_answer(self, answer: str) -> RecoverStep:
        self._expect(RecoverStep.SECRET_QUESTION)
        if self._claimed is None or self._account_id is None:
            raise ServiceError("find the account first")
        taken = attempts.take_all(self.runtime, self._counted(self._claimed))
        if attempts.refused_until(taken) is not None:
            return self._end(CONTACT_SUPPORT)
        with read_session(self.runtime.engine) as db:
            account = db.get(StudentAccount, self._account_id)
        if account is None or account.secret_answer_hash is None:
            return self._failed(taken, ANSWER_WRONG)
        locked = account.locked_until is not None and account.locked_until > self.runtime.clock()
        if locked or not self.runtime.hasher.verify(normalise_answer(answer), account.secret_answer_hash).ok:
            if not locked:
                count_failure(self.runtime, account, "wrong secret answer")
            return self._failed(taken, ANSWER_WRONG)
        attempts.give_back_all(self.runtime, taken)
        return self._go(RecoverStep.NEW_PASSWORD)

    def submit_new_password(self, password: str, confirm: str) -> RecoverStep:
        self._expect(RecoverStep.NEW_PASSWORD)
        if self._account_id is None:
            raise ServiceError("the secret question was not answered")
        problem = change_password(self.runtime, self._account_id, password, confirm, why="recover account")
        if problem:
            return self._stay(problem)
        return self._go(RecoverStep.DONE, PASSWORD_CHANGED)

    def _failed(self, taken: list[Taken], message: str) -> RecoverStep:
        failures = max(t.count for t in taken)
        with write_session(self.runtime.engine) as db:
            audit.record(
                db,
                self.runtime,
                Actor(name="anonymous"),
                "student.recover.failed",
                account_id=self._account_id,
                detail=f"{self.step.value} failure {failures}",
            )
        if failures >= MAX_FAILURES:
            return self._end(CONTACT_SUPPORT)
        return self._stay(message)
