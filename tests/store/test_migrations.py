from collections.abc import Callable

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from openccc_tui.store import migrate
from openccc_tui.store.engine import make_engine
from openccc_tui.store.models import SQLModel


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_migrations_build_exactly_the_tables_the_models_describe(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_database_is_at_the_head_revision(engine):
    assert migrate.current_revision(engine) == migrate.head_revision() == "0010"


def test_upgrade_is_idempotent(engine):
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()


def test_upgrade_creates_a_fresh_sqlite_file_and_its_folder(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'new' / 'folder' / 'openccc.db'}")
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


def test_staff_5_audit_log_is_append_only_in_the_database(engine):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from openccc_tui.store.engine import write_session
    from openccc_tui.store.models import AuditEvent

    with write_session(engine) as session:
        session.add(AuditEvent(actor="cli:root", action="test"))
    for statement in ("UPDATE audit_event SET actor = 'someone else'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"), write_session(engine) as session:
            session.connection().execute(text(statement))


@pytest.fixture
def database_at_0005(request, tmp_path):
    """A database migrated to 0005 only, of the parametrised backend, in a schema of its own."""
    from alembic import command

    from tests.conftest import POSTGRES_URL

    cleanup: Callable[[], None] | None = None
    if request.node.callspec.params["database_url"] == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    else:
        assert POSTGRES_URL is not None
        import uuid

        from sqlalchemy import text

        schema = f"openccc_old_{uuid.uuid4().hex[:10]}"
        admin = make_engine(POSTGRES_URL)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        separator = "&" if "?" in POSTGRES_URL else "?"
        engine = make_engine(f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}")

        def drop_schema() -> None:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()

        cleanup = drop_schema

    with engine.begin() as connection:
        command.upgrade(migrate.alembic_config(connection), "0005")
    yield engine
    engine.dispose()
    if cleanup is not None:
        cleanup()


def test_staff_6_0009_widens_the_secret_column_keeping_every_row_and_reference(database_url, database_at_0005):
    from sqlalchemy import text

    engine = database_at_0005
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO college (id, mis_code, name, created_at) VALUES (1, '861', 'T', :t)"),
            {"t": "2026-01-01 00:00:00"},
        )
        connection.execute(
            text(
                "INSERT INTO staff (id, username, full_name, college_id, roles, password_hash, totp_secret, "
                "failed_attempts, active, created_at) VALUES (1, 'cory', 'Cory', 1, 'creator', 'h', "
                "'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', 0, true, :t)"
            ),
            {"t": "2026-01-01 00:00:00"},
        )
        connection.execute(
            text(
                "INSERT INTO audit_event (at, actor, staff_id, terminal, action, detail) "
                "VALUES (:t, 'cory', 1, '', 'x', '')"
            ),
            {"t": "2026-01-01 00:00:00"},
        )
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == "0010"
    long_value = "v1:" + "x" * 200
    with engine.begin() as connection:
        assert connection.execute(text("SELECT totp_secret FROM staff")).scalar() == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
        assert connection.execute(text("SELECT staff_id FROM audit_event")).scalar() == 1
        connection.execute(text("UPDATE staff SET totp_secret = :v"), {"v": long_value})
        if engine.dialect.name == "sqlite":
            assert connection.execute(text("PRAGMA foreign_key_check")).all() == []
            triggers = connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars()
            assert {"audit_event_no_update", "audit_event_no_delete"} <= set(triggers)


def test_the_head_read_from_the_files_is_alembics_head():
    assert migrate._newest_revision() == migrate.head_revision()


def test_bulk_8_a_database_at_the_head_is_recognised_without_loading_alembic(database_url):
    """Start-up time counts for `openccc-tui import` (bench/bulk_import.py): Alembic is
    loaded only when the schema needs upgrading."""
    import subprocess
    import sys

    program = (
        "import sys\n"
        "from openccc_tui.store import migrate\n"
        "from openccc_tui.store.engine import make_engine\n"
        f"engine = make_engine({database_url!r})\n"
        "migrate.upgrade(engine)\n"
        "revision = migrate.current_revision(engine)\n"
        "assert revision == migrate.head_revision() and revision is not None and migrate.is_known(revision)\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'alembic'))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=True)
    assert loaded.stdout.strip() == "[]"
