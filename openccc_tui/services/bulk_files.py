"""Reading Multi Account Creation uploads (SPEC BULK-2, BULK-9) safely: CSV in UTF-8 (with
or without a BOM) or Windows-1252, .xlsx through defusedxml with a cap on what it expands
to, and rows pasted from a spreadsheet. A file is checked whole — size, encoding, quoting,
header, row count — before any account is created, then read again row by row, so even a
large file is never held in memory."""

import codecs
import csv
import hashlib
import hmac
import io
import secrets
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from openccc_tui.domain.bulk import CCCID_INDEX, PASSWORD_INDEX, header_problem, is_blank
from openccc_tui.domain.policy import password_stem
from openccc_tui.domain.template import TEMPLATE_COLUMNS
from openccc_tui.services.errors import ServiceError

CP1252_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
INPUT_COLUMNS = TEMPLATE_COLUMNS.index("status")
"""The columns a clerk fills (email … use_temp_password); status, cccid and message follow."""
XLSX_EXPANSION = 8
"""An .xlsx may expand to at most this many times the upload size limit."""

Row = tuple[int, list[str]]
"""The row's number as a spreadsheet shows it (the header is row 1), and its cells."""


class FileRefused(ServiceError):
    """The file as a whole cannot be processed; nothing was created. The message says why."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int


@dataclass
class Upload:
    name: str
    sha256: str
    total_rows: int
    note: str
    """Said in the summary and the results, e.g. that the file was read as Windows-1252."""
    read_rows: Callable[[], Iterator[Row]]
    same_password: dict[int, str] = field(default_factory=dict)
    """Rows whose password is also on other rows of the file (ACC-6b), with what to say."""

    def rows(self) -> Iterator[Row]:
        """The non-blank data rows, in file order."""
        return self.read_rows()


def open_upload(path: Path, limits: Limits) -> Upload:
    try:
        size = path.stat().st_size
    except OSError as error:
        raise FileRefused(f"cannot read {path.name}: {error.strerror}") from None
    if size > limits.max_bytes:
        raise FileRefused(
            f"{path.name} is {size:,} bytes; the limit is {limits.max_bytes:,}. Split it and upload the parts."
        )
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _open_xlsx(path, limits)
    if suffix == ".csv":
        return _open_csv_file(path, limits)
    raise FileRefused(f"{path.name} is not a .csv or .xlsx file")


def open_pasted(text: str, limits: Limits) -> Upload:
    """Rows copied from a spreadsheet (tab-separated); the header row may be included or not."""
    data = text.encode("utf-8")
    if len(data) > limits.max_bytes:
        raise FileRefused(f"the pasted rows are {len(data):,} bytes; the limit is {limits.max_bytes:,}")
    first_line, _, rest = text.lstrip("\r\n").partition("\n")
    header = "\t".join(TEMPLATE_COLUMNS) + "\n"
    if first_line.split("\t")[0].strip().lower() != TEMPLATE_COLUMNS[0]:
        data = header.encode() + data
    elif len(first_line.rstrip("\r").split("\t")) == INPUT_COLUMNS:
        data = (header + rest).encode()
    return _open_delimited("pasted rows", data, "\t", limits, pad_input_columns=True)


def _file_encoding(path: Path) -> tuple[str, str, str]:
    """The encoding to read `path` with, a note for the results, and the file's SHA-256,
    found by reading the file once in binary, line by line."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    digest = hashlib.sha256()
    utf8 = True
    line_number = 0
    with path.open("rb") as file:
        if file.read(2) in UTF16_BOMS:
            return "utf-16", "The file was UTF-16 (Unicode text); it was read as such.", _sha256(path)
        file.seek(0)
        for line in file:
            line_number += 1
            digest.update(line)
            if utf8:
                try:
                    decoder.decode(line)
                except UnicodeDecodeError:
                    utf8 = False
            if not utf8:
                bad = next((b for b in line if b in CP1252_UNDEFINED), None)
                if bad is not None:
                    raise FileRefused(
                        f"{path.name} is neither UTF-8 nor Windows-1252: line {line_number} holds the byte "
                        f"0x{bad:02X}. Save it again as CSV UTF-8."
                    )
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise FileRefused(
                f"{path.name} ends in the middle of a character on line {line_number}: the file was cut off. "
                "Save it again as CSV UTF-8 and upload the whole file."
            ) from None
        return "utf-8-sig", "", digest.hexdigest()
    note = "The file was not UTF-8; it was read as Windows-1252 (what Excel on Windows writes)."
    return "cp1252", note, digest.hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def _delimiter(path: Path, encoding: str) -> str:
    """A comma, or a tab for the tab-separated "Unicode text" that Excel saves."""
    with path.open(encoding=encoding, newline="") as file:
        header = file.readline()
    return "\t" if "\t" in header and "," not in header else ","


def _open_csv_file(path: Path, limits: Limits) -> Upload:
    encoding, note, digest = _file_encoding(path)
    delimiter = _delimiter(path, encoding)

    def records() -> Iterator[Row]:
        with path.open(encoding=encoding, newline="") as file:
            yield from _parse(path.name, file, delimiter)

    total, same_password = _check(path.name, records(), limits)
    return Upload(
        name=path.name,
        sha256=digest,
        total_rows=total,
        note=note,
        read_rows=lambda: _data_rows(records),
        same_password=same_password,
    )


def _parse(name: str, stream: Iterable[str], delimiter: str, pad_input_columns: bool = False) -> Iterator[Row]:
    reader = csv.reader(stream, delimiter=delimiter, strict=True)
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, shape_cells(cells, pad_input_columns)
    except csv.Error as error:
        raise FileRefused(f"{name}, line {reader.line_num}: {error}. Check the quotes on that line.") from None


def shape_cells(cells: list[str], pad_input_columns: bool = False) -> list[str]:
    """Trailing empty cells past the template's columns dropped (a trailing comma on every
    line, empty columns a spreadsheet kept); with `pad_input_columns`, a row of exactly the
    columns a clerk fills gets empty status, cccid and message (rows pasted from A to S)."""
    while len(cells) > len(TEMPLATE_COLUMNS) and not cells[-1].strip():
        cells.pop()
    if pad_input_columns and len(cells) == INPUT_COLUMNS:
        cells.extend([""] * (len(TEMPLATE_COLUMNS) - INPUT_COLUMNS))
    return cells


def _data_rows(records: Callable[[], Iterator[Row]]) -> Iterator[Row]:
    iterator = records()
    next(iterator, None)
    return (row for row in iterator if not is_blank(row[1]))


def _open_delimited(name: str, data: bytes, delimiter: str, limits: Limits, pad_input_columns: bool = False) -> Upload:
    text = data.decode("utf-8")
    digest = hashlib.sha256(data).hexdigest()

    def records() -> Iterator[Row]:
        return _parse(name, io.StringIO(text, newline=""), delimiter, pad_input_columns)

    total, same_password = _check(name, records(), limits)
    return Upload(
        name=name,
        sha256=digest,
        total_rows=total,
        note="",
        read_rows=lambda: _data_rows(records),
        same_password=same_password,
    )


MIN_SHARED_STEM = 6
"""Passwords that differ only in digits and symbols at their ends count as one password when
what is between is this long: shorter stems of random passwords may meet by chance."""


class _PasswordReuse:
    """ACC-6b: which rows of one upload share a password. Only digests keyed with a secret
    made for this upload are kept, and only while the file is checked."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)
        self._same: dict[bytes, list[int]] = {}
        self._stems: dict[bytes, list[tuple[int, bytes]]] = {}

    def _digest(self, text: str) -> bytes:
        return hmac.digest(self._key, text.encode("utf-8", "surrogatepass"), "sha256")

    def add(self, number: int, cells: list[str]) -> None:
        if len(cells) != len(TEMPLATE_COLUMNS) or cells[CCCID_INDEX].strip() or not cells[PASSWORD_INDEX]:
            return
        password = cells[PASSWORD_INDEX]
        digest = self._digest(password)
        self._same.setdefault(digest, []).append(number)
        stem = password_stem(password)
        if len(stem) >= MIN_SHARED_STEM:
            self._stems.setdefault(self._digest(stem), []).append((number, digest))

    def messages(self) -> dict[int, str]:
        """For each row sharing its password, the hint of its BULK-4 message."""
        found: dict[int, str] = {}
        for group in self._stems.values():
            if len({digest for _, digest in group}) > 1:
                rows = [number for number, _ in group]
                text = "the same password, but for digits or symbols at the ends, is on rows " + _row_list(rows)
                found.update(dict.fromkeys(rows, text))
        for rows in self._same.values():
            if len(rows) > 1 and not all(row in found for row in rows):
                found.update(dict.fromkeys(rows, "the same password is on rows " + _row_list(rows)))
        self._same.clear()
        self._stems.clear()
        return found


def _row_list(rows: list[int]) -> str:
    shown = ", ".join(str(row) for row in rows[:10])
    return shown if len(rows) <= 10 else f"{shown} and {len(rows) - 10:,} more"


def _check(name: str, records: Iterator[Row], limits: Limits) -> tuple[int, dict[int, str]]:
    """Read everything once: the header, the quoting, the number of rows, and which rows
    share a password (ACC-6b)."""
    first = next(records, None)
    if first is None:
        raise FileRefused(f"{name} is empty: it needs the template's header and at least one row")
    problem = header_problem(first[1])
    if problem:
        raise FileRefused(problem)
    total = 0
    reuse = _PasswordReuse()
    for number, cells in records:
        if not is_blank(cells):
            total += 1
            if total > limits.max_rows:
                raise FileRefused(f"{name} has more than {limits.max_rows:,} rows: split it and upload the parts")
            reuse.add(number, cells)
    if total == 0:
        raise FileRefused(f"{name} has the header but no rows to process")
    return total, reuse.messages()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _open_xlsx(path: Path, limits: Limits) -> Upload:
    import openpyxl  # loaded only for .xlsx uploads: 15 MB a CSV import never needs

    if not openpyxl.DEFUSEDXML:
        raise FileRefused("reading .xlsx needs defusedxml, which is not installed")
    try:
        with zipfile.ZipFile(path) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise FileRefused(f"{path.name} is not a readable .xlsx workbook") from None
    if expanded > limits.max_bytes * XLSX_EXPANSION:
        raise FileRefused(f"{path.name} expands to {expanded:,} bytes, more than a workbook of its kind should")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()

    def records() -> Iterator[Row]:
        try:
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many kinds for a damaged workbook
            raise FileRefused(f"{path.name} is not a readable .xlsx workbook ({type(error).__name__})") from None
        try:
            sheet = workbook.worksheets[0]
            for index, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield index, shape_cells([_cell_text(v) for v in values])
        finally:
            workbook.close()

    total, same_password = _check(path.name, records(), limits)
    return Upload(
        name=path.name,
        sha256=digest,
        total_rows=total,
        note="",
        read_rows=lambda: _data_rows(records),
        same_password=same_password,
    )
