"""Writing tables for staff to open in a spreadsheet: CSV, or a password-protected .xlsx.

Every cell is neutralised against formula injection (BULK-7). Files are created readable
by their owner only, because they hold students' personal data.
"""

import csv
import io
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from openccc_tui.domain.spreadsheet import neutralise_formula
from openccc_tui.services.errors import ServiceError
from openccc_tui.services.records import required

Row = Sequence[str]


def write_table(path: Path, header: Row, rows: Iterable[Row], *, password: str | None = None) -> int:
    """Write `rows` under `header` to `path` (.csv or .xlsx); returns the number of rows.

    An .xlsx file needs a password and is encrypted with it (the password is not kept).
    """
    suffix = path.suffix.lower()
    if suffix == ".xlsx" and not password:
        raise ServiceError("a password-protected .xlsx needs a password")
    if suffix not in (".csv", ".xlsx"):
        raise ServiceError("choose a file name ending in .csv or .xlsx")
    safe_rows = ([neutralise_formula(str(cell)) for cell in row] for row in rows)
    if suffix == ".csv":
        return _write_csv(path, header, safe_rows)
    data, count = _encrypted_workbook(header, safe_rows, required(password, "the password"))
    _write_private(path, data)
    return count


def _write_csv(path: Path, header: Row, rows: Iterable[Row]) -> int:
    """Row by row to the file, so a large result never sits in memory."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        count = 0
        with os.fdopen(descriptor, "w", encoding="utf-8-sig", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(header)
            for row in rows:
                writer.writerow(row)
                count += 1
        return count
    except OSError as error:
        raise ServiceError(f"cannot write {path}: {error.strerror or error}") from None


def _encrypted_workbook(header: Row, rows: Iterable[Row], password: str) -> tuple[bytes, int]:
    # Loaded only for .xlsx: together some 20 MB that a CSV import or export never needs.
    import msoffcrypto.format.ooxml
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(list(header))
    count = 0
    for row in rows:
        sheet.append(list(row))
        count += 1
    plain = io.BytesIO()
    workbook.save(plain)
    plain.seek(0)
    encrypted = io.BytesIO()
    msoffcrypto.format.ooxml.OOXMLFile(plain).encrypt(password, encrypted)
    return encrypted.getvalue(), count


def _write_private(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
    except OSError as error:
        raise ServiceError(f"cannot write {path}: {error.strerror or error}") from None
