"""Start-up of the app to its first page, against a bare Textual app, in the same run.

Prints the median seconds of each and their ratio (ARCHITECTURE, "Measuring"). Both run
headless through Textual's test harness, so the terminal is not part of the figure.
"""

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Input

from openccc_tui.app import Mode, OpenCCCApp
from openccc_tui.config import Settings
from openccc_tui.services.runtime import Runtime
from openccc_tui.store import migrate

RUNS = 15


class BareApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Header()
        yield Input()
        yield Footer()


async def time_to_first_page(make_app) -> float:
    started = time.perf_counter()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        elapsed = time.perf_counter() - started
    return elapsed


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_url=f"sqlite:///{Path(folder) / 'bench.db'}", log_file=Path(folder) / "log")
        runtime = Runtime.open(settings)
        migrate.upgrade(runtime.engine)
        bare, ours = [], []
        for _ in range(RUNS):
            bare.append(await time_to_first_page(BareApp))
            ours.append(await time_to_first_page(lambda: OpenCCCApp(runtime, Mode.FULL)))
        runtime.engine.dispose()
    bare_median, our_median = statistics.median(bare), statistics.median(ours)
    print(f"start-up, median of {RUNS}: bare Textual app {bare_median:.3f} s, OpenCCC {our_median:.3f} s")
    print(f"start-up ratio (OpenCCC / bare Textual): {our_median / bare_median:.2f}")


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
