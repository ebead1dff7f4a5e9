"""Rows of a Multi Account Creation upload (SPEC BULK-2..7): the header check, what counts
as a blank row, the row's values, and the results row written back."""

import hashlib
from collections.abc import Sequence

from openccc_tui.domain.contact import normalise_email
from openccc_tui.domain.template import TEMPLATE_COLUMNS
from openccc_tui.domain.text import fold_for_matching

SUCCESS = "Success"
FAILURE = "Failure"
SUCCESS_MESSAGE = "Successfully added user"
INVALID_COLUMNS = "Invalid number of columns found!"
PASSWORD_INDEX = TEMPLATE_COLUMNS.index("password")
CCCID_INDEX = TEMPLATE_COLUMNS.index("cccid")
STATUS_INDEX, MESSAGE_INDEX = TEMPLATE_COLUMNS.index("status"), TEMPLATE_COLUMNS.index("message")


def header_problem(header: Sequence[str]) -> str | None:
    """What is wrong with the header row, naming the first column that differs (BULK-2)."""
    cells = [cell.strip().lower() for cell in header]
    for position, expected in enumerate(TEMPLATE_COLUMNS, start=1):
        if position > len(cells):
            return (
                f"The header stops before column {position} ({expected!r}): use the header of "
                "bulkAccountCreateTemplate.csv."
            )
        if cells[position - 1] != expected:
            return (
                f"Column {position} of the header is {header[position - 1]!r}, the template has "
                f"{expected!r} there: use the header of bulkAccountCreateTemplate.csv."
            )
    if len(cells) > len(TEMPLATE_COLUMNS):
        extra = len(TEMPLATE_COLUMNS) + 1
        return f"Column {extra} ({header[extra - 1]!r}) is not in the template: remove it and upload again."
    return None


def is_blank(cells: Sequence[str]) -> bool:
    return all(not cell.strip() for cell in cells)


def row_values(cells: Sequence[str]) -> dict[str, str]:
    return dict(zip(TEMPLATE_COLUMNS, cells, strict=True))


def fingerprint(values: dict[str, str]) -> str:
    """Who a row is about (email, names, date of birth), to find it again when the same file,
    or its results file, is uploaded after a crash or a cancel. No password goes in."""
    parts = (
        normalise_email(values["email"]),
        fold_for_matching(values["first"]),
        fold_for_matching(values["last"]),
        values["dob"].strip(),
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def result_cells(
    cells: Sequence[str], status: str, cccid: str, message: str, *, keep_failed_password: bool = False
) -> list[str]:
    """The uploaded row with status, cccid and message filled (a skipped row keeps its own),
    and the password cell blank.

    BULK-7, ACC-7: a CSV results file holds no password at all; a successful or skipped row's
    password is never needed again. Only the password-protected .xlsx results keep a failed
    row's password (`keep_failed_password`), so the clerk fixes the row and uploads the same
    workbook again without typing the password anew.
    """
    out = list(cells) + [""] * (len(TEMPLATE_COLUMNS) - len(cells))
    out = out[: len(TEMPLATE_COLUMNS)]
    if not (keep_failed_password and status == FAILURE):
        out[PASSWORD_INDEX] = ""
    if status:
        out[STATUS_INDEX], out[CCCID_INDEX], out[MESSAGE_INDEX] = status, cccid, message
    return out
