"""Staff sign-in (SPEC STAFF-1, STAFF-3): user name and password, then a TOTP code.

A flow object knows its step and every submit returns the next one; the screens only
show steps. At first sign-in the TOTP secret is enrolled (confirmed by a first code) and
the agreement never to share the account is accepted. Five consecutive failures, at
either step, lock the account for 15 minutes; a locked account gets the same message as
a wrong password, and an unknown user name costs the same hash and transactions as a
known one and is throttled the same way. The password is checked by the same sequence
as a student's (services/credentials/lockout.py), never while a write transaction is open. The TOTP
secret is stored encrypted with `totp_key` (STAFF-6): while that key is missing or wrong,
sign-in is refused with the reason and no failure is counted.
"""

from dataclasses import dataclass, field
from enum import StrEnum

import pyotp
from sqlmodel import Session, col, func, select

from openccc_tui.domain.hashing import Verification
from openccc_tui.services import audit
from openccc_tui.services.audit import Actor, staff_actor
from openccc_tui.services.credentials import lockout, totp_secrets
from openccc_tui.services.errors import ServiceError
from openccc_tui.services.records import get_row
from openccc_tui.services.runtime import Runtime
from openccc_tui.services.staff.staff_members import enrolment_uri
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import College, Staff

TOTP_STEP_SECONDS = 30
WRONG_CREDENTIALS = "The user name or password is not correct."
WRONG_CODE = "That code is not correct. Enter the 6-digit code your authenticator app shows now."
CODE_JUST_USED = "That code was just used; wait for the next one your authenticator app shows."
NOT_APPROVED = "Your staff access is waiting for a director's approval."
AGREEMENT = (
    "I will never share this staff account, its password or its authenticator with anyone, "
    "including other college staff. I have the student's permission before I create an "
    "account or submit an application on a student's behalf."
)


class StaffStep(StrEnum):
    CREDENTIALS = "credentials"
    ENROL = "enrol"
    CODE = "code"
    AGREEMENT = "agreement"
    DONE = "done"


@dataclass(frozen=True)
class StaffSession:
    """A signed-in staff member, as the console and every service call sees them."""

    actor: Actor
    full_name: str
    college_name: str
    college_mis: str


@dataclass
class StaffSignInFlow:
    runtime: Runtime
    step: StaffStep = StaffStep.CREDENTIALS
    message: str = ""
    enrolment_uri: str = field(default="", repr=False)
    session: StaffSession | None = None
    _staff_id: int | None = None

    def submit_credentials(self, username: str, password: str) -> StaffStep:
        if self.step is not StaffStep.CREDENTIALS:
            raise ServiceError("the user name and password were already accepted")
        # STAFF-6: with the key missing or wrong no one can sign in; no failure is counted.
        unavailable = totp_secrets.sign_in_problem(self.runtime)
        if unavailable:
            return self._fail(unavailable)
        name = username.strip().lower()
        with read_session(self.runtime.engine) as db:
            staff_id = db.exec(
                select(Staff.id).where(func.lower(Staff.username) == name, col(Staff.active).is_(True))
            ).first()
        if staff_id is None:
            key = lockout.throttle_key("staff", name)
            lockout.check_password(self.runtime, lockout.UNKNOWN_STAFF, key, password)
            return self._fail(WRONG_CREDENTIALS)
        staff = lockout.check_password(
            self.runtime,
            lockout.STAFF,
            staff_id,
            password,
            detail="wrong password",
            reset_on_success=False,  # the code still follows; its success resets the count
            on_success=_upgrade_hash,
        )
        if staff is None:
            return self._fail(WRONG_CREDENTIALS)
        if staff.approved_at is None:
            with write_session(self.runtime.engine) as db:
                audit.record(db, self.runtime, staff_actor(staff), "staff.sign_in.not_approved")
            return self._fail(NOT_APPROVED)
        self._staff_id = staff.id
        if staff.totp_enrolled_at is None:
            with read_session(self.runtime.engine) as db:
                college = db.get(College, staff.college_id)
            if college is None:
                raise ServiceError("this staff account has no college")
            try:
                secret = totp_secrets.unseal(staff.totp_secret, self.runtime.settings.totp_key)
            except totp_secrets.TotpKeyProblem as problem:
                self._staff_id = None
                return self._fail(totp_secrets.SIGN_IN_UNAVAILABLE.format(problem))
            self.enrolment_uri = enrolment_uri(staff, college, secret)
            self.step = StaffStep.ENROL
        else:
            self.step = StaffStep.CODE
        self.message = ""
        return self.step

    def submit_code(self, code: str) -> StaffStep:
        if self.step not in (StaffStep.ENROL, StaffStep.CODE):
            raise ServiceError("a code is not expected now")
        now = self.runtime.clock()
        with write_session(self.runtime.engine) as db:
            staff = db.exec(select(Staff).where(Staff.id == self._staff_id).with_for_update()).one()
            if lockout.is_locked(staff, now):
                return self._restart(WRONG_CREDENTIALS)
            try:
                secret = totp_secrets.unseal(staff.totp_secret, self.runtime.settings.totp_key)
            except totp_secrets.TotpKeyProblem as problem:
                # STAFF-6: the key missing or wrong is the host's problem, not a failed code.
                return self._fail(totp_secrets.SIGN_IN_UNAVAILABLE.format(problem))
            # A TOTP code costs no hash: it is checked with the row held, against replay.
            step = _matching_step(secret, code.strip(), now.timestamp())
            if step is not None and staff.totp_last_step is not None and step <= staff.totp_last_step:
                # The right code, already used: the app still shows it, so it is no guess and
                # does not count toward the lock, but it is never accepted twice.
                audit.record(db, self.runtime, staff_actor(staff), "staff.sign_in.code_reused")
                self.message = CODE_JUST_USED
                return self.step
            if step is None:
                if lockout.count_failure_in(db, self.runtime, lockout.STAFF, staff, "wrong code"):
                    return self._restart(WRONG_CREDENTIALS)
                self.message = WRONG_CODE
                return self.step
            staff.totp_last_step = step
            staff.failed_attempts = 0
            if staff.totp_enrolled_at is None:
                staff.totp_enrolled_at = now
                audit.record(db, self.runtime, staff_actor(staff), "staff.totp.enrol")
            if staff.agreement_accepted_at is None:
                self.step = StaffStep.AGREEMENT
            else:
                self._finish(db, staff)
        self.message = ""
        self.enrolment_uri = ""
        return self.step

    def accept_agreement(self) -> StaffStep:
        if self.step is not StaffStep.AGREEMENT:
            raise ServiceError("the agreement is not expected now")
        with write_session(self.runtime.engine) as db:
            staff = get_row(db, Staff, self._staff_id)
            staff.agreement_accepted_at = self.runtime.clock()
            audit.record(db, self.runtime, staff_actor(staff), "staff.agreement.accept", detail=AGREEMENT)
            self._finish(db, staff)
        return self.step

    def _finish(self, db: Session, staff: Staff) -> None:
        college = get_row(db, College, staff.college_id)
        audit.record(db, self.runtime, staff_actor(staff), "staff.sign_in")
        self.session = StaffSession(
            actor=staff_actor(staff),
            full_name=staff.full_name,
            college_name=college.name,
            college_mis=college.mis_code,
        )
        self.step = StaffStep.DONE

    def _fail(self, message: str) -> StaffStep:
        self.message = message
        return self.step

    def _restart(self, message: str) -> StaffStep:
        self.step = StaffStep.CREDENTIALS
        self._staff_id = None
        self.enrolment_uri = ""
        self.message = message
        return self.step


def record_sign_out(runtime: Runtime, actor: Actor, why: str) -> None:
    """STAFF-5: the end of a staff session, signed out by hand or after the idle time."""
    with write_session(runtime.engine) as db:
        audit.record(db, runtime, actor, "staff.sign_out", detail=why)


def _upgrade_hash(_db: Session, staff: Staff, verification: Verification) -> None:
    """ACC-7: an out-of-date hash is replaced in the transaction that accepted the password."""
    if verification.new_hash:
        staff.password_hash = verification.new_hash


def _matching_step(secret: str, code: str, now: float) -> int | None:
    """The 30-second step, within one step of now, whose code is `code`; None if none is."""
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret, interval=TOTP_STEP_SECONDS)
    current = int(now // TOTP_STEP_SECONDS)
    for step in (current, current - 1, current + 1):
        if pyotp.utils.strings_equal(totp.at(step * TOTP_STEP_SECONDS), code):
            return step
    return None
