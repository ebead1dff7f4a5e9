"""One-time passwords (SPEC STAFF-4, REC-2): random, sent to the email on file, never shown.

Recover Account (REC-2) offers one as an extra credential: the current password keeps
working, the one-time password is valid 24 hours, works once, forces a change of password
at sign-in, and is withdrawn when the student signs in with the current password. A
helpdesk reset (STAFF-4) replaces the password instead.

`check_password` is the sign-in's password check: the current password or the one-time
password. A failed check always costs two hashes, with or without a one-time password
outstanding, and `spend_a_failed_check` costs the same for an identifier with no account,
so the time of an answer tells nothing (SIGN-4).
"""

from dataclasses import dataclass, field
from datetime import timedelta

from sqlmodel import Session, col, delete, update

from openccc_tui.domain.policy import PasswordContext, generate_password
from openccc_tui.services import notify
from openccc_tui.services.runtime import Runtime
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import OneTimePassword, StudentAccount

LIFETIME = timedelta(hours=24)
LIFETIME_IN_OUTBOX = LIFETIME


@dataclass(frozen=True)
class PasswordCheck:
    ok: bool
    one_time: bool = False
    """The one-time password was used (and is used up); the account must change its password."""
    new_hash: str | None = None
    """An upgraded hash of the current password, to store (ACC-7)."""


def _new_one_time_password(runtime: Runtime, account: StudentAccount) -> str:
    context = PasswordContext(
        first_name=account.first_name,
        last_name=account.last_name,
        email=account.email,
        username=account.username or "",
        common_passwords=runtime.common_passwords,
    )
    return generate_password(runtime.profile, context)


def _queue(session: Session, runtime: Runtime, account: StudentAccount, one_time: str, intro: str) -> None:
    notify.queue(
        session,
        runtime,
        channel="email",
        to=account.email,
        subject="Your OpenCCC one-time password",
        body=(
            f"{intro}\n\n"
            f"One-time password: {one_time}\n\n"
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
    if account.id is None:
        raise ValueError("the account is not saved")
    plain = _new_one_time_password(runtime, account)
    return Offer(account.id, plain, runtime.hasher.hash(plain))


def offer_one_time_password(session: Session, runtime: Runtime, account: StudentAccount, offer: Offer) -> None:
    """REC-2: queue the user name and a one-time password to the account's email, leaving the
    password as it is. A newer offer replaces an older one. The caller commits, then calls
    `notify.deliver_pending`."""
    now = runtime.clock()
    offered = session.get(OneTimePassword, offer.account_id)
    if offered is None:
        offered = OneTimePassword(account_id=offer.account_id, password_hash="", issued_at=now, expires_at=now)
        session.add(offered)
    offered.password_hash = offer.password_hash
    offered.issued_at, offered.expires_at = now, now + LIFETIME
    username = account.username or account.email
    _queue(
        session,
        runtime,
        account,
        offer.plain,
        f"Someone asked to recover the OpenCCC account {account.cccid}.\n"
        f"Your user name is: {username}\n"
        "Your password has not changed. If you remember it, sign in with it as usual: "
        "this one-time password then stops working. It works once, for 24 hours.",
    )


def withdraw(session: Session, account_id: int) -> None:
    """Any outstanding one-time password of the account stops working."""
    session.exec(delete(OneTimePassword).where(col(OneTimePassword.account_id) == account_id))


def check_password(runtime: Runtime, account: StudentAccount, password: str) -> PasswordCheck:
    """The current password, or else an outstanding one-time password, which is used up."""
    if account.id is None:
        raise ValueError("the account is not saved")
    result = runtime.hasher.verify(password, account.password_hash)
    with read_session(runtime.engine) as db:
        offered = db.get(OneTimePassword, account.id)
    if result.ok:
        if offered is not None:
            with write_session(runtime.engine) as db:
                withdraw(db, account.id)
        return PasswordCheck(ok=True, new_hash=result.new_hash)
    now = runtime.clock()
    if offered is None or offered.expires_at <= now:
        runtime.hasher.dummy_verify()
        return PasswordCheck(ok=False)
    if not runtime.hasher.verify(password, offered.password_hash).ok:
        return PasswordCheck(ok=False)
    with write_session(runtime.engine) as db:
        used = db.exec(
            delete(OneTimePassword).where(
                col(OneTimePassword.account_id) == account.id,
                col(OneTimePassword.password_hash) == offered.password_hash,
                col(OneTimePassword.expires_at) > now,
            )
        ).rowcount
        if used != 1:
            return PasswordCheck(ok=False)
        db.exec(
            update(StudentAccount)
            .where(col(StudentAccount.id) == account.id)
            .values(must_change_password=True, updated_at=now)
        )
    return PasswordCheck(ok=True, one_time=True)


def spend_a_failed_check(runtime: Runtime) -> None:
    """The cost of a failed `check_password`, for an identifier that matches no account."""
    runtime.hasher.dummy_verify()
    runtime.hasher.dummy_verify()
