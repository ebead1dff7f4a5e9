"""Multi Account Creation (SPEC BULK-1..9): the template, a file from the import folder or
rows pasted from a spreadsheet, processing with progress and Cancel, a summary, and the
results as CSV or a password-protected .xlsx."""

import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.geometry import Region
from textual.widgets import Button, DirectoryTree, Footer, Header, ProgressBar, Static, TextArea
from textual.worker import get_current_worker

from openccc_tui.domain.text import printable
from openccc_tui.screens.dialogs import ConfirmDialog, PasswordDialog
from openccc_tui.screens.staff.letters import LettersScreen
from openccc_tui.screens.staff.page import StaffPage
from openccc_tui.services.bulk import bulk_jobs
from openccc_tui.services.bulk.bulk_jobs import JobInterrupted, Progress, Summary
from openccc_tui.services.bulk.bulk_uploads import (
    CheckCancelled,
    FileRefused,
    Limits,
    PasswordNeeded,
    Upload,
    WrongPassword,
    listable,
    open_pasted,
    open_upload,
    pasted_row_count,
)
from openccc_tui.services.errors import ServiceError
from openccc_tui.widgets.form_field import FormField
from openccc_tui.widgets.page_message import PageMessage
from openccc_tui.widgets.verbatim import Verbatim

PROGRESS_INTERVAL = 0.1
FAILURE_LINES = 5
"""Failure messages listed in the summary, the most frequent first: with the rest counted in
one line, the summary fits an 80×24 terminal; the results file has every row's message."""
LAYOUT_TRIES = 5
"""Refreshes waited for a line just shown to be laid out before the page scrolls to it."""
NOTHING_CHOSEN = "Nothing chosen yet: a file from the import folder, or rows pasted below."
CANCEL_QUESTION = (
    "A job is running. Cancel it? The rows saved so far keep their accounts and their results; "
    "upload the same file again to finish it."
)


def free_results_path(folder: Path, stem: str, stamp: str) -> Path:
    """A results file name that no file has yet: results never replace a file (BULK-7)."""
    candidate = folder / f"{stem}-results-{stamp}.csv"
    number = 1
    while candidate.exists() or candidate.is_symlink():
        number += 1
        candidate = folder / f"{stem}-results-{stamp}-{number}.csv"
    return candidate


class UploadTree(DirectoryTree):
    """The import folder, showing only folders and .csv/.xlsx files, never a link (BULK-9)."""

    def filter_paths(self, paths):
        return [p for p in paths if listable(p)]


class MultiAccountScreen(StaffPage):
    AUTO_FOCUS = "#upload-tree"
    BINDINGS = [
        Binding("f2", "template", "Download Template", id="multi.template"),
        Binding("f4", "refresh_folder", "Refresh", id="multi.refresh"),
        Binding("f5", "upload", "Upload", id="multi.upload"),
        Binding("f8", "cancel_job", "Cancel", id="multi.cancel"),
        Binding("f9", "letters", "Hand-over letters", id="multi.letters"),
        Binding("escape", "back", "Back", id="multi.back"),
    ]

    def __init__(self, session) -> None:
        super().__init__(session)
        self.chosen: Path | None = None
        self.paste_chosen = False
        """The rows pasted were the last thing chosen, after any file: they are uploaded."""
        self.pasted_rows: int | None = None
        self.paste_edits = 0
        self.cancel = threading.Event()
        self.results: Path | None = None
        self.upload: Upload | None = None
        self.running = False
        self.checking = ""
        """What is being read and checked before its rows are processed (F8 cancels that too)."""
        self.protecting = False
        self.letters_job: int | None = None
        self.summary_lines: list[str] = []

    def compose(self) -> ComposeResult:
        settings = self.openccc_app.runtime.settings
        yield Header()
        with VerticalScroll(id="multi-page", classes="page wide"):
            yield Static("Multi Account Creation", classes="page-title")
            yield Static(
                "F2 writes the template to the export folder. Choose a .csv or .xlsx file from the import "
                "folder (below; F4 refreshes the list), or paste rows copied from a spreadsheet, then F5 uploads. "
                "use_temp_password: TRUE = no password change at first sign-in; FALSE or blank = the student "
                "must change it.",
                classes="page-help",
                markup=False,
            )
            yield UploadTree(settings.import_dir, id="upload-tree")
            yield Verbatim(NOTHING_CHOSEN, id="chosen-file")
            yield Static("Or paste rows (tab-separated, with or without the header):", classes="field-label")
            yield TextArea(id="pasted", soft_wrap=False)
            with Horizontal(classes="buttons"):
                yield Button("Download Template", id="template")
                yield Button("Upload", id="upload", variant="primary")
                yield Button("Cancel", id="cancel-job", variant="warning", disabled=True)
            # What the buttons did, the job's progress and its summary sit together under the
            # buttons and are scrolled into view whenever they change (TERM-1, BULK-8).
            yield PageMessage()
            yield ProgressBar(id="job-progress", show_eta=False)
            for line in (Verbatim("", id="job-rate"), Static("", id="job-summary", markup=False)):
                line.display = False
                yield line
            yield FormField("Results .xlsx password (12+)", field_id="results-password", secret=True)
            yield FormField("Confirm results password", field_id="results-confirm", secret=True)
            yield Button("Save results as password-protected .xlsx", id="protect", disabled=True)
        yield Footer()

    @on(DirectoryTree.FileSelected)
    def file_chosen(self, event: DirectoryTree.FileSelected) -> None:
        """A file chosen after rows were pasted is what F5 uploads (BULK-9): the last choice."""
        self.chosen = event.path
        self.paste_chosen = False
        self.show_chosen()

    @on(TextArea.Changed, "#pasted")
    def paste_changed(self, event: TextArea.Changed) -> None:
        """Rows pasted (or typed) after a file was chosen are what F5 uploads; emptied, the file is."""
        text = event.text_area.text
        self.paste_chosen = bool(text.strip())
        self.pasted_rows = None
        self.paste_edits += 1
        self.show_chosen()
        if self.paste_chosen:
            self.count_pasted(text, self.paste_edits)

    @work(thread=True, exclusive=True, group="paste-count")
    def count_pasted(self, text: str, edit: int) -> None:
        """Counted off the event loop: a large paste takes a moment to read."""
        rows = pasted_row_count(text)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.pasted_counted, rows, edit)

    def pasted_counted(self, rows: int | None, edit: int) -> None:
        """The count, unless the paste changed since (or the page closed) while it was made."""
        if edit == self.paste_edits and self.is_attached:
            self.pasted_rows = rows
            self.show_chosen()

    def chosen_name(self) -> str:
        """The chosen file as the import folder's tree shows it."""
        if self.chosen is None:
            return ""
        try:
            return str(self.chosen.relative_to(self.openccc_app.runtime.settings.import_dir))
        except ValueError:
            return self.chosen.name

    def pasted_description(self) -> str:
        rows = self.pasted_rows
        if rows is None:
            return "the pasted rows"
        if rows == 0:
            return "the pasted text (no rows in it yet)"
        return "the 1 pasted row" if rows == 1 else f"the {rows:,} pasted rows"

    def show_chosen(self) -> None:
        """Which source F5 uploads, in words: the last one chosen (BULK-9)."""
        pasted = bool(self.query_one("#pasted", TextArea).text.strip())
        if self.paste_chosen:
            text = f"Chosen: {self.pasted_description()}"
            if self.chosen is not None:
                text += f", not the file {self.chosen_name()}"
        elif self.chosen is not None:
            text = f"Chosen: file {self.chosen_name()}"
            if pasted:
                text += ", not the pasted rows"
        else:
            text = NOTHING_CHOSEN
        self.query_one("#chosen-file", Verbatim).show(text)

    def upload_pasted(self, pasted: str) -> bool:
        """The pasted rows when they were chosen last, or when no file was chosen at all."""
        return bool(pasted.strip()) and (self.paste_chosen or self.chosen is None)

    @on(Button.Pressed, "#template")
    def template_pressed(self) -> None:
        self.action_template()

    @on(Button.Pressed, "#upload")
    def upload_pressed(self) -> None:
        self.action_upload()

    @on(Button.Pressed, "#cancel-job")
    def cancel_pressed(self) -> None:
        self.action_cancel_job()

    @on(Button.Pressed, "#protect")
    def protect_pressed(self) -> None:
        self.protect_results()

    def on_screen_resume(self) -> None:
        """Files copied into the import folder (over SFTP) while another page was shown appear (BULK-9)."""
        self.action_refresh_folder()

    def action_refresh_folder(self) -> None:
        """The import folder read again, off the event loop: new files appear, removed ones go;
        open folders stay open and the highlighted file stays highlighted (BULK-9)."""
        self.query_one(UploadTree).reload()

    def from_worker(self, callback: Callable[[], object]) -> None:
        """Run `callback` on the event loop, for a worker; not once the page has closed."""

        def if_open() -> None:
            if self.is_attached:
                callback()

        self.app.call_from_thread(if_open)

    def show_message(self, text: str, *, error: bool = False) -> None:
        super().show_message(text, error=error)
        self.call_after_refresh(self.keep_in_view)

    def keep_in_view(self) -> None:
        """The message, the progress and then the summary in the page's view at 80×24 from any
        scroll position (TERM-1, BULK-8): the page scrolls as little as it can to show them
        all; when they do not fit, the summary (its top, if it is taller than the view)."""
        self.scroll_parts_into_view(LAYOUT_TRIES)

    def scroll_parts_into_view(self, tries: int) -> None:
        page = self.query_one("#multi-page", VerticalScroll)
        widgets = (
            self.query_one(PageMessage),
            self.query_one("#job-progress", ProgressBar),
            self.query_one("#job-rate", Static),
            self.query_one("#job-summary", Static),
        )
        if tries and any(widget.display and not widget.size.height for widget in widgets):
            # A line just shown is not laid out yet: the page does not know its height.
            self.call_after_refresh(self.scroll_parts_into_view, tries - 1)
            return
        parts = [widget.virtual_region_with_margin for widget in widgets if widget.display and widget.size.height]
        if not parts:
            return
        region = Region.from_union(parts)
        summary = self.query_one("#job-summary", Static)
        if region.height > page.scrollable_content_region.height and summary.display:
            region = summary.virtual_region_with_margin
        page.scroll_to_region(region, animate=False, immediate=True, x_axis=False)

    def action_template(self) -> None:
        self.write_template(self.openccc_app.runtime.settings.export_dir)

    @work(thread=True, exclusive=True, group="template")
    def write_template(self, folder: Path) -> None:
        """BULK-1, written off the event loop."""
        try:
            path = bulk_jobs.write_template(bulk_jobs.template_path(folder))
        except ServiceError as error:
            self.from_worker(partial(self.show_message, str(error), error=True))
            return
        self.from_worker(partial(self.show_written, path, f"Template written to {path}."))

    def action_cancel_job(self) -> None:
        if not self.running:
            return
        self.cancel.set()
        if self.checking:
            self.show_message(f"Cancelling the reading and checking of {self.checking}…")
        else:
            self.show_message("Cancelling: the rows being saved are finished first…")

    def on_unmount(self) -> None:
        """A page closed under a running job (a sign-out when idle) stops it after the batch being saved."""
        self.cancel.set()

    def action_back(self) -> None:
        """Escape while a job runs asks first (BULK-8): leaving would not stop it silently."""
        if not self.running:
            super().action_back()
            return

        def answered(cancel: bool | None) -> None:
            if cancel:
                self.action_cancel_job()

        self.app.push_screen(ConfirmDialog(CANCEL_QUESTION, yes="Cancel the job", no="Keep going"), answered)

    def action_upload(self) -> None:
        if self.running:
            self.show_message("A job is running: wait for its end, or cancel it with F8.", error=True)
            return
        if self.protecting:
            self.show_message("The results are being protected: upload again in a moment.", error=True)
            return
        self.action_refresh_folder()
        self.open_and_process(None)

    def open_and_process(self, file_password: str | None) -> None:
        """Read and check the chosen source, then process it, all in a worker (BULK-8): a large
        file never freezes the page, and F8 cancels the check too."""
        pasted = self.query_one("#pasted", TextArea).text
        from_paste = self.upload_pasted(pasted)
        if not from_paste and self.chosen is None:
            self.show_message("Not processed: choose a file in the import folder, or paste rows", error=True)
            return
        self.checking = self.pasted_description() if from_paste else self.chosen_name()
        self.cancel.clear()
        self.running = True
        self.letters_job = None
        self.refresh_bindings()
        self.query_one("#cancel-job", Button).disabled = False
        self.show_line("#job-rate", "")
        self.show_line("#job-summary", "")
        self.query_one("#job-progress", ProgressBar).display = False  # the last job's, until rows are processed
        self.query_one("#protect", Button).disabled = True
        self.show_message(f"Reading and checking {self.checking}… F8 cancels.")
        self.process(pasted if from_paste else self.chosen, file_password)

    def job_started(self, upload: Upload, results: Path, from_paste: bool) -> None:
        """The source was read and checked: its rows are processed now."""
        self.checking = ""
        self.upload = upload
        self.results = results
        bar = self.query_one("#job-progress", ProgressBar)
        bar.update(total=upload.total_rows, progress=0)
        bar.display = True
        self.show_line("#job-rate", f"0 of {upload.total_rows} rows")
        plural = "" if upload.total_rows == 1 else "s"
        source = f"the {upload.total_rows:,} pasted row{plural}" if from_paste else f"{upload.total_rows:,} row{plural}"
        if not from_paste:
            source += f" of {self.chosen_name()}"
        self.show_message(f"Processing {source}… F8 cancels.")

    def ask_file_password(self, chosen: Path, needed: PasswordNeeded) -> None:
        """A protected workbook (BULK-7a): its password in a masked dialog, asked again when wrong."""
        self.job_ended()
        self.show_message(f"{chosen.name} is protected by a password: type it in the dialog.")

        def answered(password: str | None) -> None:
            if password:
                self.open_and_process(password)
            else:
                self.show_message(f"Not processed: {chosen.name} is protected by a password.", error=True)

        problem = str(needed) if isinstance(needed, WrongPassword) else ""
        self.app.push_screen(PasswordDialog(f"Password of {chosen.name}:", problem), answered)

    @work(thread=True, exclusive=True, group="job")
    def process(self, source: str | Path, file_password: str | None) -> None:
        """`source` is the pasted text, or the path of the file chosen."""
        settings = self.openccc_app.runtime.settings
        limits = Limits(max_bytes=settings.bulk_max_bytes, max_rows=settings.bulk_max_rows)
        checking = self.checking
        try:
            if isinstance(source, Path):
                upload = open_upload(
                    source, limits, folder=settings.import_dir, password=file_password, cancel=self.cancel
                )
            else:
                upload = open_pasted(source, limits, cancel=self.cancel)
            if self.cancel.is_set():
                raise CheckCancelled(checking)
        except CheckCancelled:
            message = (
                f"Cancelled while reading and checking {checking}, before any row was processed: nothing was created."
            )
            self.from_worker(partial(self.job_failed, message, error=False))
            return
        except PasswordNeeded as needed:
            if isinstance(source, Path):
                self.from_worker(partial(self.ask_file_password, source, needed))
            return
        except (FileRefused, ServiceError) as refused:
            self.from_worker(partial(self.job_failed, f"Not processed: {refused}"))
            return
        stamp = self.openccc_app.runtime.clock().strftime("%Y%m%d-%H%M%S")
        results = free_results_path(settings.export_dir, Path(upload.name).stem.replace(" ", "-"), stamp)
        self.from_worker(partial(self.job_started, upload, results, not isinstance(source, Path)))
        self.run_rows(upload, results)

    def run_rows(self, upload: Upload, results: Path) -> None:
        """The job itself, in the worker that checked the upload."""
        last = [0.0]

        def report(progress: Progress) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_INTERVAL or progress.done == progress.total:
                last[0] = now
                self.from_worker(partial(self.show_progress, progress))

        try:
            summary = bulk_jobs.run_job(
                self.openccc_app.runtime, self.actor, upload, results, progress=report, cancel=self.cancel
            )
        except JobInterrupted as stopped:
            self.from_worker(partial(self.show_summary, stopped.summary, str(stopped)))
            return
        except ServiceError as error:
            self.from_worker(partial(self.job_failed, str(error)))
            return
        self.from_worker(partial(self.show_summary, summary))

    def job_ended(self) -> None:
        self.running = False
        self.checking = ""
        cancel = self.query_one("#cancel-job", Button)
        if cancel.has_focus:
            # Upload, beside it, takes the focus without scrolling: the focus leaving a disabled
            # button on its own would scroll the page away from the summary (TERM-1).
            self.query_one("#upload", Button).focus(scroll_visible=False)
        cancel.disabled = True
        self.refresh_bindings()

    def job_failed(self, message: str, *, error: bool = True) -> None:
        self.job_ended()
        self.show_line("#job-rate", "")
        self.show_message(message, error=error)

    def show_progress(self, progress: Progress) -> None:
        self.query_one("#job-progress", ProgressBar).update(total=progress.total, progress=progress.done)
        left = progress.seconds_left
        remaining = f", about {left:.0f} s left" if left is not None else ""
        self.show_line("#job-rate", f"{progress.done} of {progress.total} rows, {progress.rate:.1f} rows/s{remaining}")
        self.call_after_refresh(self.keep_in_view)

    def show_line(self, selector: str, text: str) -> None:
        """The rate line or the summary, which take no room while they have nothing to say;
        each of their lines shown literally (TERM-3)."""
        line = self.query_one(selector, Static)
        line.update("\n".join(printable(part) for part in text.splitlines()))
        line.display = bool(text)

    def show_summary(self, summary: Summary, stopped: str = "") -> None:
        self.job_ended()
        lines = [summary.line()]
        if summary.note:
            lines.append(summary.note)
        if summary.earlier_runs:
            lines.append(summary.earlier_line())
        failures = summary.failures.most_common()
        for message, count in failures[:FAILURE_LINES]:
            lines.append(f"  {count} × {message}")
        if others := failures[FAILURE_LINES:]:
            rows = sum(count for _, count in others)
            lines.append(f"  {rows} × {len(others)} other messages: the results file has each row's message")
        results_written = self.results is not None and self.results.exists()
        if self.results is not None and results_written:
            lines.append(f"Results: {self.results.name} in the export folder")
        else:
            lines.append("No results file was written.")
        self.show_line("#job-rate", "")
        self.summary_lines = lines
        self.show_line("#job-summary", "\n".join(lines))
        self.query_one("#protect", Button).disabled = not results_written
        self.letters_job = summary.job_id if summary.successes else None
        self.refresh_bindings()
        if stopped:
            self.show_message(stopped, error=True)
        elif summary.cancelled:
            self.show_message("Cancelled: upload the same file again to finish it.")
        elif self.results is not None:
            self.show_written(self.results, "Done.")
        self.call_after_refresh(self.keep_in_view)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """F8 is in the footer while a job runs, F9 once a job made accounts: with F4, the keys
        fit 80 columns."""
        if action == "letters":
            return self.letters_job is not None
        if action == "cancel_job":
            return self.running
        return True

    def action_letters(self) -> None:
        """TRACK-2: letters for the accounts the job's successful rows made."""
        if self.letters_job is not None:
            self.app.push_screen(LettersScreen(self.session, job_id=self.letters_job))

    def protect_results(self) -> None:
        """Rewrite the results as a password-protected .xlsx and remove the CSV copy (BULK-7),
        in a worker: a large results file takes a while to encrypt."""
        field = self.query_one("#results-password-field", FormField)
        again = self.query_one("#results-confirm-field", FormField)
        password, confirm = field.value, again.value
        field.input.value = again.input.value = ""
        if self.results is None or self.results.suffix != ".csv" or not self.results.exists():
            self.show_message("There are no CSV results to protect.", error=True)
            return
        self.protecting = True
        self.query_one("#protect", Button).disabled = True
        self.show_message(f"Protecting {self.results.name}…")
        self.protect(self.results, password, confirm, self.upload)

    @work(thread=True, exclusive=True, group="protect")
    def protect(self, results: Path, password: str, confirm: str, upload: Upload | None) -> None:
        try:
            target = bulk_jobs.protect_results(results, password, upload, confirm)
        except ServiceError as error:
            self.from_worker(partial(self.protected, None, str(error)))
            return
        self.from_worker(partial(self.protected, target, ""))

    def protected(self, target: Path | None, problem: str) -> None:
        self.protecting = False
        self.query_one("#protect", Button).disabled = False
        if target is None:
            self.show_message(problem, error=True)
            return
        self.results = target
        if self.summary_lines and self.summary_lines[-1].startswith("Results: "):
            self.summary_lines[-1] = f"Results: {target.name} in the export folder"
            self.show_line("#job-summary", "\n".join(self.summary_lines))
        self.show_written(target, f"Results saved to {target}, protected by the password you typed.")
