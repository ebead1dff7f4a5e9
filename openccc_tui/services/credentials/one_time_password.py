"""One-time passwords (SPEC STAFF-4, REC-2): random, sent to the email on file, never shown.

Recover Account (REC-2) offers one as an extra credential: the current password keeps
working, the one-time password is valid 24 hours, works once, forces a change of password
at sign-in, and is withdrawn when the student signs in with the current password. A
helpdesk reset (STAFF-4) replaces the password instead.

A student's password check goes through the SIGN-7 sequence (services/credentials/lockout.py), and
this module gives it two steps. `check_password` is its VERIFY step, outside any
transaction: the current password or the one-time password. A failed check always costs
two hashes, with or without a one-time password outstanding, and `spend_a_failed_check`
costs the same for an identifier with no account or a locked one, so the time of an
answer tells nothing (SIGN-4). `settle` runs in the transaction that accepts the check:
the one-time password is used up there, by exactly one of the checks that matched it, and
the current password withdraws any one-time password outstanding.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from sqlmodel import Session, col, delete

from openccc_tui.domain.hashing import Verification
from openccc_tui.domain.readable_password import SEPARATOR, readable_one_time_password
from openccc_tui.services import notify
from openccc_tui.services.credentials.password_context import student_password_context
from openccc_tui.services.records import saved_id
from openccc_tui.services.runtime import Runtime
from openccc_tui.store.engine import read_session
from openccc_tui.store.models import OneTimePassword, StudentAccount

LIFETIME = timedelta(hours=24)
LIFETIME_IN_OUTBOX = LIFETIME


@dataclass(frozen=True)
class PasswordCheck(Verification):
    """A student's password check; `new_hash` upgrades the current password (ACC-7)."""

    one_time_hash: str | None = field(default=None, repr=False)
    """The hash of the one-time password that matched, to use up when the check settles."""

    @property
    def one_time(self) -> bool:
        """The one-time password matched: the account must change its password."""
        return self.one_time_hash is not None


def _new_one_time_password(runtime: Runtime, account: StudentAccount) -> str:
    return readable_one_time_password(runtime.profile, student_password_context(runtime, account))


def _queue(
    session: Session, runtime: Runtime, account: StudentAccount, one_time: str, intro: str, details: str = ""
) -> None:
    """The password comes right after the first line, so it is in view wherever the message
    is read in part (the trainer's outbox panel, a phone's preview)."""
    notify.queue(
        session,
        runtime,
        channel="email",
        to=account.email,
        subject="Your OpenCCC one-time password",
        body=(
            f"{intro}\n"
            f"One-time password: {one_time}\n"
            f"{'Type it as shown, dashes included. ' if SEPARATOR in one_time else ''}"
            "It has no zero, no letter O and no number one.\n\n"
            f"{details}"
            "Sign in with it: you will be asked to choose a new password straight away.\n"
            "If you did not ask for this, contact your college's helpdesk."
        ),
        secret_until=runtime.clock() + LIFETIME_IN_OUTBOX,
    )


def send_one_time_password(session: Session, runtime: Runtime, account: StudentAccount) -> None:
    """STAFF-4: replace the password with a random one and queue it to the account's email.

    The caller commits, then calls `notify.deliver_pending`.
    """
    one_time = _new_one_time_password(runtime, account)
    account.password_hash = runtime.hasher.hash(one_time)
    account.must_change_password = True
    account.failed_sign_ins = 0
    account.locked_until = None
    account.updated_at = runtime.clock()
    _queue(
        session, runtime, account, one_time, f"A one-time password was set for your OpenCCC account {account.cccid}."
    )


@dataclass(frozen=True)
class Offer:
    """A one-time password made and hashed before any write transaction begins."""

    account_id: int
    plain: str = field(repr=False)
    password_hash: str = field(repr=False)


def prepare_offer(runtime: Runtime, account: StudentAccount) -> Offer:
    plain = _new_one_time_password(runtime, account)
    return Offer(saved_id(account), plain, runtime.hasher.hash(plain))


def place(session: Session, runtime: Runtime, account_id: int, password_hash: str, lifetime: timedelta) -> None:
    """Make `password_hash` the account's one-time password from now for `lifetime`; any
    earlier one stops working (one per account: the newest offer or letter wins)."""
    now = runtime.clock()
    offered = session.get(OneTimePassword, account_id)
    if offered is None:
        offered = OneTimePassword(account_id=account_id, password_hash="", issued_at=now, expires_at=now)
        session.add(offered)
    offered.password_hash = password_hash
    offered.issued_at, offered.expires_at = now, now + lifetime


def offer_one_time_password(session: Session, runtime: Runtime, account: StudentAccount, offer: Offer) -> None:
    """REC-2: queue the user name and a one-time password to the account's email, leaving the
    password as it is. A newer offer replaces an older one. The caller commits, then calls
    `notify.deliver_pending`."""
    place(session, runtime, offer.account_id, offer.password_hash, LIFETIME)
    username = account.username or account.email
    _queue(
        session,
        runtime,
        account,
        offer.plain,
        f"Someone asked to recover the OpenCCC account {account.cccid}.",
        f"Your user name is: {username}\n"
        "Your password has not changed. If you remember it, sign in with it as usual: "
        "this one-time password then stops working. It works once, for 24 hours.\n",
    )


def withdraw(session: Session, account_id: int) -> None:
    """Any outstanding one-time password of the account stops working."""
    session.exec(delete(OneTimePassword).where(col(OneTimePassword.account_id) == account_id))


def check_password(runtime: Runtime, account: StudentAccount, password: str) -> PasswordCheck:
    """The current password, or else an outstanding one-time password (lockout's VERIFY
    step: no transaction is open while hashing; nothing is written here, `settle` uses up
    or withdraws the one-time password)."""
    with read_session(runtime.engine) as db:
        offered = db.get(OneTimePassword, saved_id(account))
    result = runtime.hasher.verify(password, account.password_hash)
    if result.ok:
        return PasswordCheck(ok=True, new_hash=result.new_hash)
    if offered is None or offered.expires_at <= runtime.clock():
        runtime.hasher.dummy_verify()
        return PasswordCheck(ok=False)
    if not runtime.hasher.verify(password, offered.password_hash).ok:
        return PasswordCheck(ok=False)
    return PasswordCheck(ok=True, one_time_hash=offered.password_hash)


def settle(session: Session, runtime: Runtime, account: StudentAccount, check: Verification) -> bool:
    """In the transaction that accepts a right `check_password` (lockout's SETTLE step, the
    account row locked): a one-time password is used up, unless another check used it, it
    expired or was replaced meanwhile (False: refused), and forces a change of password; the
    current password withdraws any one-time password outstanding."""
    account_id = saved_id(account)
    one_time_hash = check.one_time_hash if isinstance(check, PasswordCheck) else None
    if one_time_hash is None:
        if session.get(OneTimePassword, account_id) is not None:
            withdraw(session, account_id)
        return True
    now = runtime.clock()
    used = session.exec(
        delete(OneTimePassword).where(
            col(OneTimePassword.account_id) == account_id,
            col(OneTimePassword.password_hash) == one_time_hash,
            col(OneTimePassword.expires_at) > now,
        )
    ).rowcount
    if used != 1:
        return False
    account.must_change_password = True
    account.updated_at = now
    return True


def spend_a_failed_check(runtime: Runtime) -> None:
    """The cost of a failed `check_password`, for a check refused without one (an identifier
    that matches no account, a locked account)."""
    runtime.hasher.dummy_verify()
    runtime.hasher.dummy_verify()
