"""Start-up of the app, from process start to its first page, against a bare Textual app.

What a user waits for: a new Python process that imports what it needs, opens and checks
the database as `openccc-tui` does (settings, schema revision, the outbox purge), and
shows its first page. Each run is a fresh process, timed from its start until the first
page has been laid out; the bare app is a fresh process with a header, an input and a
footer. Both run headless through Textual's test harness, so the terminal is not part of
the figure. Prints the median seconds of each and their ratio (ARCHITECTURE, "Measuring").
"""

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 15

BARE = """
import asyncio
from textual.app import App
from textual.widgets import Footer, Header, Input

class BareApp(App[None]):
    def compose(self):
        yield Header()
        yield Input()
        yield Footer()

async def main():
    async with BareApp().run_test(size=(80, 24)) as pilot:
        await pilot.pause()

asyncio.run(main())
"""

OURS = """
import asyncio, sys
from openccc_tui.cli import open_runtime
from openccc_tui.config import load_settings

async def main():
    settings = load_settings(database_url=sys.argv[1], log_file=sys.argv[2])
    runtime = open_runtime(settings)
    from openccc_tui.app import Mode, OpenCCCApp
    async with OpenCCCApp(runtime, Mode.FULL).run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert type(pilot.app.screen).__name__ == "SignInScreen"

asyncio.run(main())
"""


def time_process(code: str, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, *args], check=True)
    return time.perf_counter() - started


def main() -> None:
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
