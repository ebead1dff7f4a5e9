"""Staff TOTP secrets at rest (SPEC STAFF-6): encrypted with `totp_key` from the
configuration, a key that is never kept in the database.

A stored secret is `v1:` followed by a Fernet token (AES-128-CBC with HMAC-SHA256) of the
base32 secret. A row written before STAFF-6 holds the bare base32 secret: it still works,
and `openccc-tui db upgrade` (or `init`) encrypts it with the configured key. Staff
sign-in is refused, with the reason, while encrypted secrets exist and the configured key
is missing or is not the one that encrypted them.
"""

from cryptography.fernet import Fernet, InvalidToken
from pydantic import SecretStr
from sqlmodel import Session, col, select

from openccc_tui.services import audit
from openccc_tui.services.audit import Actor
from openccc_tui.services.errors import ServiceError
from openccc_tui.services.runtime import Runtime
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import Staff

PREFIX = "v1:"
NO_KEY = (
    "the settings have no totp_key, the key that encrypts the staff authenticator secrets: "
    "`openccc-tui init` writes one to the settings file"
)
WRONG_KEY = (
    "the totp_key in the settings is not the key that encrypted the staff authenticator secrets: "
    "set the key they were encrypted with"
)
SIGN_IN_UNAVAILABLE = "Staff sign-in is unavailable on this terminal; tell the host administrator that {}."


class TotpKeyProblem(ServiceError):
    """The configured key is missing, or does not open the stored secrets; the message says so."""


def new_key() -> str:
    """A fresh key for `totp_key`: 32 random bytes in URL-safe base64."""
    return Fernet.generate_key().decode("ascii")


def _fernet(key: SecretStr | None) -> Fernet:
    if key is None:
        raise TotpKeyProblem(NO_KEY)
    return Fernet(key.get_secret_value().encode("ascii"))


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)


def seal(secret: str, key: SecretStr | None) -> str:
    """The stored form of a base32 TOTP secret."""
    return PREFIX + _fernet(key).encrypt(secret.encode("ascii")).decode("ascii")


def unseal(stored: str, key: SecretStr | None) -> str:
    """The base32 secret of a stored one; a row from before STAFF-6 is its own plaintext."""
    if not is_sealed(stored):
        return stored
    try:
        return _fernet(key).decrypt(stored[len(PREFIX) :].encode("ascii")).decode("ascii")
    except InvalidToken:
        raise TotpKeyProblem(WRONG_KEY) from None


def check_key(session: Session, key: SecretStr | None) -> None:
    """Raise TotpKeyProblem when secrets are stored encrypted and `key` cannot open them."""
    sealed = session.exec(select(Staff.totp_secret).where(col(Staff.totp_secret).startswith(PREFIX)).limit(1)).first()
    if sealed is not None:
        unseal(sealed, key)


def sign_in_problem(runtime: Runtime) -> str | None:
    """Why staff cannot sign in on this terminal, or None."""
    with read_session(runtime.engine) as session:
        try:
            check_key(session, runtime.settings.totp_key)
        except TotpKeyProblem as problem:
            return SIGN_IN_UNAVAILABLE.format(problem)
    return None


def seal_plaintext_secrets(runtime: Runtime, actor: Actor) -> int:
    """Encrypt every secret still stored in plaintext with the configured key (the data step
    of `openccc-tui db upgrade` and `init`); returns how many were encrypted. Refused, with
    nothing changed, when there is no key or it is not the key of the secrets already encrypted."""
    with write_session(runtime.engine) as session:
        plain = session.exec(
            select(Staff).where(col(Staff.totp_secret).not_like(f"{PREFIX}%")).order_by(col(Staff.id)).with_for_update()
        ).all()
        if not plain:
            return 0
        key = runtime.settings.totp_key
        if key is None:
            raise TotpKeyProblem(
                f"{len(plain)} staff authenticator secret(s) are stored in plaintext and {NO_KEY}; "
                "then run `openccc-tui db upgrade` again"
            )
        check_key(session, key)
        for staff in plain:
            staff.totp_secret = seal(staff.totp_secret, key)
        audit.record(session, runtime, actor, "staff.totp.encrypt", detail=f"{len(plain)} secret(s) encrypted")
    return len(plain)
