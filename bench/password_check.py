"""Time of the ACC-6a common-password check, per password, against one production argon2id
hash (what every Add User or Multi Account Creation row costs anyway) and against the
issue's budget of one millisecond.

Usage: python bench/password_check.py [--count N]
"""

import argparse
import random
import statistics
import string
import time
from collections.abc import Callable

from openccc_tui.domain.hashing import PasswordHasher
from openccc_tui.domain.policy import NIST, OPENCCC, SPECIAL_CHARACTERS, PasswordContext, PolicyProfile
from openccc_tui.resources import common_passwords

BUDGET_SECONDS = 0.001
DECORATED = ["Password1!", "Summer2024!", "P@$$w0rd1", "OpenCCC2026!", "Qwerty123!", "Welcome1!", "Student1!"]


def contexts(count: int) -> list[PasswordContext]:
    common = common_passwords()
    return [
        PasswordContext(
            first_name=f"First{n % 97}",
            last_name=f"Last{n}",
            email=f"student{n}@college.edu",
            common_passwords=common,
            college_name="Excelsior Community College",
        )
        for n in range(count)
    ]


def random_passwords(count: int, length: int, chooser: random.Random) -> list[str]:
    alphabet = string.ascii_letters + string.digits + SPECIAL_CHARACTERS
    return ["".join(chooser.choice(alphabet) for _ in range(length)) for _ in range(count)]


def per_check(passwords: list[str], people: list[PasswordContext], profile: PolicyProfile = OPENCCC) -> float:
    started = time.perf_counter()
    for password, context in zip(passwords, people, strict=True):
        profile.password_problems(password, context)
    return (time.perf_counter() - started) / len(passwords)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=5000)
    count = parser.parse_args().count
    chooser = random.Random(6)
    people = contexts(count)
    kinds = {
        "random, 12 characters": random_passwords(count, 12, chooser),
        "decorated common passwords": [DECORATED[n % len(DECORATED)] for n in range(count)],
        "passphrases, about 30 characters": [
            " ".join(chooser.choice(["otter", "maple", "kettle", "river", "canyon", "lantern"]) for _ in range(5))
            for _ in range(count)
        ],
        "random, 128 characters": random_passwords(count, 128, chooser),
    }
    hasher = PasswordHasher()
    hash_seconds = statistics.median(_timed(hasher.hash, "Quiet#River2026") for _ in range(5))
    print(f"one argon2id hash: {hash_seconds * 1000:.1f} ms")
    for label, passwords in kinds.items():
        profile = NIST if "passphrase" in label else OPENCCC
        seconds = per_check(passwords, people, profile)
        print(
            f"{label}: {seconds * 1e6:.0f} us per check; ratio to the 1 ms budget {seconds / BUDGET_SECONDS:.2f}"
            f" (target < 1), to one hash {seconds / hash_seconds:.4f}"
        )


def _timed(function: Callable[[str], object], argument: str) -> float:
    started = time.perf_counter()
    function(argument)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
