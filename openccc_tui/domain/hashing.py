"""Password hashing (SPEC ACC-7): argon2id through passlib's CryptContext (libpass).

The floor is OWASP's argon2id minimum, m=19 MiB, t=2, p=1. Hashes made by an older scheme
or weaker parameters verify and report that they need an upgrade, which the caller
stores after a successful sign-in.
"""

from dataclasses import dataclass

from passlib.context import CryptContext

MIN_MEMORY_KIB = 19456
MIN_TIME_COST = 2
MIN_PARALLELISM = 1

# Schemes a migrated legacy database may hold; they verify but are always upgraded.
LEGACY_SCHEMES = ("pbkdf2_sha256", "sha512_crypt")


class WeakHasherError(ValueError):
    """Argon2id parameters below the floor were asked for outside the test hasher."""


@dataclass(frozen=True)
class Verification:
    ok: bool
    new_hash: str | None = None
    """A replacement hash when the stored one used an older scheme or weaker parameters."""


class PasswordHasher:
    """Hashes and verifies secrets (passwords, codes, secret answers) with argon2id."""

    def __init__(
        self,
        memory_kib: int = MIN_MEMORY_KIB,
        time_cost: int = MIN_TIME_COST,
        parallelism: int = MIN_PARALLELISM,
        *,
        _allow_weak: bool = False,
    ) -> None:
        below_floor = memory_kib < MIN_MEMORY_KIB or time_cost < MIN_TIME_COST or parallelism < MIN_PARALLELISM
        if below_floor and not _allow_weak:
            raise WeakHasherError(
                f"argon2id needs at least m={MIN_MEMORY_KIB} KiB, t={MIN_TIME_COST}, p={MIN_PARALLELISM}"
            )
        self.memory_kib = memory_kib
        self.time_cost = time_cost
        self.parallelism = parallelism
        self._context = CryptContext(
            schemes=["argon2", *LEGACY_SCHEMES],
            default="argon2",
            deprecated=list(LEGACY_SCHEMES),
            argon2__type="ID",
            argon2__memory_cost=memory_kib,
            argon2__rounds=time_cost,
            argon2__parallelism=parallelism,
        )

    @classmethod
    def cheap_for_tests(cls) -> "PasswordHasher":
        """A fast argon2id for tests and the streaming benchmark only, never for real data."""
        return cls(memory_kib=64, time_cost=1, parallelism=1, _allow_weak=True)

    def hash(self, secret: str) -> str:
        return self._context.hash(secret)

    def verify(self, secret: str, stored_hash: str | None) -> Verification:
        """Check `secret`; when it matches a hash that is out of date, also give its upgrade.

        No stored hash (None) never matches, after the time of one verify."""
        ok, new_hash = self._context.verify_and_update(secret, stored_hash)
        return Verification(ok=ok, new_hash=new_hash if ok else None)

    def dummy_verify(self) -> None:
        """Spend the time of one verify, so an unknown user costs what a known one does."""
        self._context.dummy_verify()

    def needs_update(self, stored_hash: str) -> bool:
        return self._context.needs_update(stored_hash)
