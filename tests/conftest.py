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


@pytest.fixture(autouse=True)
def own_configuration_folder(tmp_path_factory, monkeypatch):
    """The user's settings file (read when it exists; `init` writes the totp_key to it) is in a
    folder of the test's own: a test never reads or writes the real user's."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))


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
    if not POSTGRES_URL:
        pytest.skip("OPENCCC_TEST_POSTGRES_URL is not set")
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


OWNED_SEQUENCES = text(
    """SELECT sequence.relname FROM pg_class sequence
    JOIN pg_depend owner ON owner.objid = sequence.oid AND owner.deptype IN ('a', 'i')
    JOIN pg_class owning_table ON owning_table.oid = owner.refobjid
    WHERE sequence.relkind = 'S' AND sequence.relnamespace = current_schema()::regnamespace
    AND owning_table.relname = ANY(:tables)"""
)


@pytest.fixture(scope="session")
def postgres_cleaner(postgres_schema_url) -> Iterator[Engine]:
    """One connection pool, for the session, that empties the schema before each test."""
    engine = make_engine(postgres_schema_url)
    yield engine
    engine.dispose()


def _empty_postgres(engine: Engine) -> None:
    """What `TRUNCATE ... RESTART IDENTITY` does, at a fraction of its cost: TRUNCATE gives every
    table new files, a third of a second per test, where DELETE of a few rows takes milliseconds.
    The append-only audit trigger refuses DELETE, so a superuser turns triggers off for this one
    transaction; without superuser rights, TRUNCATE it is."""
    tables = SQLModel.metadata.sorted_tables
    with engine.begin() as connection:
        if connection.exec_driver_sql("SHOW is_superuser").scalar() != "on":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for table in reversed(tables):
            connection.execute(table.delete())
        sequences = connection.execute(OWNED_SEQUENCES, {"tables": [t.name for t in tables]}).scalars().all()
        for sequence in sequences:
            connection.execute(text("SELECT setval(quote_ident(:name), 1, false)"), {"name": sequence})


def fresh_sqlite_url(tmp_path: Path, template: Path) -> str:
    path = tmp_path / "openccc.db"
    shutil.copy(template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path, sqlite_template) -> Iterator[str]:
    if request.param == "sqlite":
        yield fresh_sqlite_url(tmp_path, sqlite_template)
    else:
        _empty_postgres(request.getfixturevalue("postgres_cleaner"))
        yield request.getfixturevalue("postgres_schema_url")


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


@pytest.fixture
def pacific_time(monkeypatch) -> Iterator[None]:
    """The system's local zone is California's (refusals say until when in local time, CODE-1)."""
    import time

    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()
