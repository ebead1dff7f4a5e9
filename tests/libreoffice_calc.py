"""Converts spreadsheets with LibreOffice Calc through UNO, for tests/test_libreoffice.py.

Run by the system Python, which has LibreOffice's `uno` module (Debian python3-uno), never by
the project's virtual environment. Standard input holds a JSON object: `profile` (a private
LibreOffice profile folder), `seconds` (the longest it may take: then Calc is killed) and
`jobs`, each with `source`, `target`, `filter` (the export filter), and optionally
`import_filter`, `import_options`, `export_options` and `password` (to open the source).
Passwords come on standard input, never on the command line. One Calc process runs all the
jobs, then quits."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import uno

CONNECT_SECONDS = 60.0
QUIT_SECONDS = 30.0


def properties(**values: Any) -> tuple[Any, ...]:
    found = []
    for name, value in values.items():
        item = uno.createUnoStruct("com.sun.star.beans.PropertyValue")
        item.Name, item.Value = name, value
        found.append(item)
    return tuple(found)


def connect(pipe: str) -> Any:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + CONNECT_SECONDS
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except Exception:  # NoConnectException until soffice listens
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def convert(desktop: Any, job: dict[str, str]) -> None:
    load: dict[str, Any] = {"Hidden": True, "ReadOnly": False}
    if "import_filter" in job:
        load["FilterName"] = job["import_filter"]
    if "import_options" in job:
        load["FilterOptions"] = job["import_options"]
    if "password" in job:
        load["Password"] = job["password"]
    source = uno.systemPathToFileUrl(str(Path(job["source"]).resolve()))
    document = desktop.loadComponentFromURL(source, "_blank", 0, properties(**load))
    if document is None:
        raise SystemExit(f"Calc could not open {job['source']}")
    try:
        store: dict[str, Any] = {"FilterName": job["filter"], "Overwrite": True}
        if "export_options" in job:
            store["FilterOptions"] = job["export_options"]
        document.storeToURL(uno.systemPathToFileUrl(str(Path(job["target"]).resolve())), properties(**store))
    finally:
        document.close(True)


def out_of_time(signal_number: int, frame: object) -> None:
    raise TimeoutError("Calc took too long")


def main() -> None:
    request = json.load(sys.stdin)
    signal.signal(signal.SIGALRM, out_of_time)
    signal.alarm(int(request["seconds"]))
    pipe = f"openccc-{uuid.uuid4().hex}"
    profile = uno.systemPathToFileUrl(str(Path(request["profile"]).resolve()))
    office = subprocess.Popen(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--invisible",
            "--nologo",
            "--norestore",
            "--nodefault",
            "--nolockcheck",
            f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        context = connect(pipe)
        desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        for job in request["jobs"]:
            convert(desktop, job)
        with contextlib.suppress(Exception):  # the bridge closes as Calc quits
            desktop.terminate()
        office.wait(timeout=QUIT_SECONDS)
    finally:
        if office.poll() is None:
            os.killpg(office.pid, signal.SIGKILL)
            office.wait()


if __name__ == "__main__":
    main()
