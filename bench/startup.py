"""Start-up of the app, from process start to its first page, against a bare Textual app.

What a user waits for: a new Python process that imports what it needs and shows its
first page, built as `openccc-tui` builds it (the app, which reads its settings and opens
and checks the database once its first page is on screen: settings, log file, exchange
folders, schema revision, the outbox purge). Each run is a fresh process; the figure is the time from just before it
starts until its first page has been laid out, which the process measures itself (the
monotonic clock is the machine's, shared by both processes) and prints. The bare app is a
fresh process with a header, an input and a footer, measured the same way. Our process
then waits for the settings to be read and the database to be open and checked, and fails
the bench if they are not, but that wait is not in the figure. Both run headless through Textual's test harness, so the
terminal is not part of the figure. Prints the median seconds of each and their ratio
(ARCHITECTURE, "Measuring").
"""

import compileall
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openccc_tui

RUNS = 15

BARE = """
import asyncio, sys, time
from textual.app import App
from textual.widgets import Footer, Header, Input

class BareApp(App[None]):
    def compose(self):
        yield Header()
        yield Input()
        yield Footer()

async def main():
    async with BareApp().run_test(size=(80, 24)) as pilot:
        print(time.monotonic() - float(sys.argv[1]))
        await pilot.pause()

asyncio.run(main())
"""

OURS = """
import asyncio, os, sys, time
from functools import partial
from openccc_tui.cli import logged_settings, new_app, parse_arguments

async def main():
    os.environ["OPENCCC_LOG_FILE"] = sys.argv[3]
    args = parse_arguments(["--db", sys.argv[2]])  # as `openccc-tui --db URL` starts
    app = new_app(partial(logged_settings, args), "full", report=None)
    async with app.run_test(size=(80, 24)) as pilot:
        print(time.monotonic() - float(sys.argv[1]))
        assert type(app.screen).__name__ == "SignInScreen"
        app.start_opening().result()  # the database opened and checked, after the figure
        await pilot.pause()
    assert app.startup_error is None, app.startup_error

asyncio.run(main())
"""


def time_process(code: str, *args: str) -> float:
    """Seconds from just before the process starts until it has laid out its first page."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code, str(started), *args], check=True, capture_output=True, text=True)
    return float(done.stdout.split()[0])


def main() -> None:
    # Our modules start from their bytecode, as Textual's do: pip compiles an installed
    # package, but where writing bytecode is turned off (PYTHONDONTWRITEBYTECODE) a source
    # checkout would be compiled again by every process.
    compileall.compile_dir(Path(openccc_tui.__file__).parent, quiet=1)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        log = str(Path(folder) / "log")
        subprocess.run([sys.executable, "-m", "openccc_tui", "--db", url, "db", "upgrade"], check=True)
        bare, ours = [], []
        for _ in range(RUNS):
            bare.append(time_process(BARE))
            ours.append(time_process(OURS, url, log))
    bare_median, our_median = statistics.median(bare), statistics.median(ours)
    print(f"start-up, process start to first page, median of {RUNS}: bare Textual app {bare_median:.3f} s, ", end="")
    print(f"OpenCCC {our_median:.3f} s")
    print(f"start-up ratio (OpenCCC / bare Textual): {our_median / bare_median:.2f}")


if __name__ == "__main__":
    main()
