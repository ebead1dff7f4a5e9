"""One-time passwords (SPEC STAFF-4, REC-2): random, sent to the email on file, never shown,
and changed at the next sign-in."""

from datetime import timedelta

from sqlmodel import Session

from openccc_tui.domain.policy import PasswordContext, generate_password
from openccc_tui.services import notify
from openccc_tui.services.runtime import Runtime
from openccc_tui.store.models import StudentAccount

LIFETIME_IN_OUTBOX = timedelta(hours=24)


def send_one_time_password(session: Session, runtime: Runtime, account: StudentAccount) -> None:
    """Replace the password with a random one and queue it to the account's email.

    The caller commits, then calls `notify.deliver_pending`.
    """
    context = PasswordContext(
        first_name=account.first_name,
        last_name=account.last_name,
        email=account.email,
        username=account.username or "",
        common_passwords=runtime.common_passwords,
    )
    one_time = generate_password(runtime.profile, context)
    account.password_hash = runtime.hasher.hash(one_time)
    account.must_change_password = True
    account.failed_sign_ins = 0
    account.locked_until = None
    account.updated_at = runtime.clock()
    notify.queue(
        session,
        runtime,
        channel="email",
        to=account.email,
        subject="Your OpenCCC one-time password",
        body=(
            f"A one-time password was set for your OpenCCC account {account.cccid}.\n\n"
            f"One-time password: {one_time}\n\n"
            "Sign in with it: you will be asked to choose a new password straight away.\n"
            "If you did not ask for this, contact your college's helpdesk."
        ),
        secret_until=runtime.clock() + LIFETIME_IN_OUTBOX,
    )
