"""BULK-2, BULK-7a, BULK-9: the shapes real spreadsheet applications give a file are read,
and a file that cannot be read says what happened and where."""

import codecs
from collections.abc import Sequence

import pytest

from openccc_tui.domain.template import TEMPLATE_COLUMNS
from openccc_tui.services.bulk import bulk_jobs
from openccc_tui.services.bulk.bulk_uploads import INPUT_COLUMNS, FileRefused, open_pasted, pasted_row_count
from tests import factories
from tests.services.test_bulk import HEADER, LIMITS, csv_bytes, row, run, upload


@pytest.fixture
def creator(runtime):
    return factories.staff_actor(runtime, "cory", "creator")


def test_bulk_2_a_trailing_comma_on_every_line_is_ignored(runtime, creator, tmp_path):
    lines = [HEADER + ","] + [",".join(row(n)) + "," for n in (1, 2)]
    summary, _ = run(runtime, creator, tmp_path, ("\r\n".join(lines) + "\r\n").encode())
    assert summary.successes == 2, summary.failures


def test_bulk_2_trailing_empty_columns_with_empty_headers_are_ignored(tmp_path):
    lines = [HEADER + ",,,"] + [",".join(row(n)) + ",,," for n in (1, 2)]
    assert upload(tmp_path, "\n".join(lines).encode()).total_rows == 2


def test_bulk_2_a_named_extra_column_still_refuses_the_file(tmp_path):
    with pytest.raises(FileRefused, match=r"Column 23 \('notes'\) is not in the template"):
        upload(tmp_path, csv_bytes([row(1)], header=HEADER + ",notes"))


def test_bulk_2_a_file_cut_off_inside_a_character_names_the_line(tmp_path):
    data = csv_bytes([row(1), row(2, first="Jos\u00e9")])
    with pytest.raises(FileRefused, match="ends in the middle of a character on line 3: the file was cut off"):
        upload(tmp_path, data[: data.rindex("\u00e9".encode()) + 1])


@pytest.mark.parametrize("bom", [codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE])
def test_bulk_2_utf16_with_a_bom_is_read(runtime, creator, tmp_path, bom):
    codec = "utf-16-le" if bom == codecs.BOM_UTF16_LE else "utf-16-be"
    data = bom + csv_bytes([row(1, first="Zo\u00eb")]).decode().encode(codec)
    summary, results = run(runtime, creator, tmp_path, data)
    assert summary.successes == 1, summary.failures
    assert results[1][1] == "Zo\u00eb" and "UTF-16" in summary.note


def test_bulk_2_tab_separated_unicode_text_from_excel_is_read(runtime, creator, tmp_path):
    text = "\t".join(TEMPLATE_COLUMNS) + "\r\n" + "\t".join(row(1)) + "\r\n"
    summary, _ = run(runtime, creator, tmp_path, codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    assert summary.successes == 1, summary.failures


def test_bulk_9_pasted_rows_of_the_nineteen_input_columns_are_accepted(runtime, creator):
    text = "\n".join("\t".join(row(n)[:INPUT_COLUMNS]) for n in (1, 2))
    summary = bulk_jobs.run_job(runtime, creator, open_pasted(text, LIMITS), None)
    assert summary.successes == 2, summary.failures
    with_header = "\t".join(TEMPLATE_COLUMNS[:INPUT_COLUMNS]) + "\n" + "\t".join(row(3)[:INPUT_COLUMNS])
    assert open_pasted(with_header, LIMITS).total_rows == 1


def pasted(*rows: Sequence[str]) -> str:
    return "\n".join("\t".join(cells) for cells in rows)


@pytest.mark.parametrize(
    "text",
    [
        pasted(row(1), row(2), row(3)),
        "\r\n\n" + pasted(TEMPLATE_COLUMNS, row(1), [""] * 5, row(2)) + "\n\n",
        pasted(TEMPLATE_COLUMNS[:INPUT_COLUMNS], row(1)[:INPUT_COLUMNS]),
        pasted(row(1, street2='"Apt 4\nBack door"'), row(2)),
    ],
    ids=["no header", "header and blank lines", "nineteen columns", "a cell over two lines"],
)
def test_bulk_9_the_pasted_rows_counted_before_the_upload_are_the_rows_it_reads(text):
    assert pasted_row_count(text) == open_pasted(text, LIMITS).total_rows


def test_bulk_9_pasted_rows_whose_quoting_would_be_refused_are_not_counted():
    text = pasted(row(1, first='"Al"x'))
    with pytest.raises(FileRefused):
        open_pasted(text, LIMITS)
    assert pasted_row_count(text) is None
