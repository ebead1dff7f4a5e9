"""Running test work in several OS processes at once (spawn), bounded in time.

Each worker is a module-level function `worker(database_url, folder, barrier, *args)`; it
builds its own runtime (cheap hasher, fixed clock), waits at the barrier so that all
start together, and returns a picklable result.
"""

import multiprocessing
import queue
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from openccc_tui.services.runtime import Runtime
from tests.conftest import make_runtime, make_settings

TIMEOUT_SECONDS = 120


def worker_runtime(database_url: str, folder: str) -> Runtime:
    return make_runtime(make_settings(database_url, Path(folder)))


def _run(target: Callable[..., Any], results: Any, index: int, args: tuple[Any, ...]) -> None:
    try:
        results.put((index, "ok", target(*args)))
    except BaseException:
        results.put((index, "error", traceback.format_exc()))


def run_at_once(target: Callable[..., Any], database_url: str, folder: Path, arguments: Sequence[tuple]) -> list[Any]:
    """Run `target(database_url, folder, barrier, *args)` in one process per `args`, all
    released together; their results in the order of `arguments`."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(arguments))
    results = context.Queue()
    processes = [
        context.Process(target=_run, args=(target, results, index, (database_url, str(folder), barrier, *args)))
        for index, args in enumerate(arguments)
    ]
    for process in processes:
        process.start()
    collected: dict[int, Any] = {}
    try:
        for _ in processes:
            index, status, value = results.get(timeout=TIMEOUT_SECONDS)
            if status == "error":
                raise AssertionError(f"worker {index} failed:\n{value}")
            collected[index] = value
    except queue.Empty:
        raise AssertionError(f"workers did not finish within {TIMEOUT_SECONDS} s") from None
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
                process.join()
    return [collected[index] for index in range(len(arguments))]
