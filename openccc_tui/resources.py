"""Files shipped in `data/`: the common-password list and the demo seed."""

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


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, case-folded (ACC-6)."""
    text = data_path("common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines() if line.strip())
