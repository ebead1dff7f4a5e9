"""Shared fixtures: a migrated database on SQLite and, when `OPENCCC_TEST_POSTGRES_URL` is
set, on PostgreSQL too; a runtime with a cheap hasher and a fixed clock."""

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from openccc_tui.config import Settings
from openccc_tui.domain.hashing import PasswordHasher
from openccc_tui.resources import common_passwords
from openccc_tui.services.runtime import Runtime
from openccc_tui.store import migrate
from openccc_tui.store.engine import make_engine
from openccc_tui.store.models import SQLModel

POSTGRES_URL = os.environ.get("OPENCCC_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
NOW = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
TOTP_KEY = "dGVzdCBrZXkgb2YgdGhlIHN0YWZmIFRPVFAgc2VjciE="
"""The tests' totp_key (STAFF-6): 32 bytes in URL-safe base64, public like every test value."""


def pytest_collection_modifyitems(config, items):
    if POSTGRES_URL:
        return
    skip = pytest.mark.skip(reason="OPENCCC_TEST_POSTGRES_URL is not set")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """One migrated SQLite file, copied for each test: migrations run once per session."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_schema_url() -> Iterator[str]:
    """A private schema in the test database, migrated once and dropped at the end."""
    schema = f"openccc_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    url = f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _empty_postgres(engine: Engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def fresh_sqlite_url(tmp_path: Path, template: Path) -> str:
    path = tmp_path / "openccc.db"
    shutil.copy(template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path, sqlite_template) -> Iterator[str]:
    if request.param == "sqlite":
        yield fresh_sqlite_url(tmp_path, sqlite_template)
    else:
        url = request.getfixturevalue("postgres_schema_url")
        engine = make_engine(url)
        _empty_postgres(engine)
        engine.dispose()
        yield url


def make_settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        log_file=tmp_path / "log" / "openccc-tui.log",
        import_dir=tmp_path,
        export_dir=tmp_path,
        totp_key=TOTP_KEY,
    )


def make_runtime(settings: Settings) -> Runtime:
    return Runtime(
        settings=settings,
        engine=make_engine(settings.database_url),
        hasher=PasswordHasher.cheap_for_tests(),
        common_passwords=common_passwords(),
        clock=lambda: NOW,
        terminal="test tty",
    )


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    return make_settings(database_url, tmp_path)


@pytest.fixture
def runtime(settings) -> Iterator[Runtime]:
    runtime = make_runtime(settings)
    yield runtime
    runtime.engine.dispose()


@pytest.fixture
def sqlite_runtime(tmp_path, sqlite_template) -> Iterator[Runtime]:
    """For screen tests: one backend is enough, and snapshots need stable names."""
    runtime = make_runtime(make_settings(fresh_sqlite_url(tmp_path, sqlite_template), tmp_path))
    yield runtime
    runtime.engine.dispose()


@pytest.fixture
def engine(runtime) -> Engine:
    return runtime.engine
