"""Cells written to files that staff open in a spreadsheet (SPEC BULK-7, TRACK-1)."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: str) -> str:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe, so it stays text."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value
