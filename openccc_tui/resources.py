"""Files shipped in `data/`: the common-password lists and the demo seed."""

from functools import cache
from pathlib import Path

_PACKAGED = Path(__file__).parent / "_data"
_SOURCE_TREE = Path(__file__).parent.parent / "data"


def data_path(name: str) -> Path:
    """A file of `data/`, from the installed wheel or from a source checkout."""
    for folder in (_PACKAGED, _SOURCE_TREE):
        candidate = folder / name
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"data file {name!r} is missing from this installation")


COMMON_PASSWORD_FILES = ("common-passwords.txt", "common-passwords-local.txt")


@cache
def common_passwords() -> frozenset[str]:
    """The shipped lists of common passwords, case-folded (ACC-6, ACC-6a)."""
    words: set[str] = set()
    for name in COMMON_PASSWORD_FILES:
        text = data_path(name).read_text(encoding="utf-8")
        words.update(line.strip().casefold() for line in text.splitlines() if line.strip())
    return frozenset(words)
