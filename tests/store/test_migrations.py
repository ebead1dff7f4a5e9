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
    assert migrate.current_revision(engine) == migrate.head_revision() == "0007"


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
            session.exec(text(statement))


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
        f"migrate.upgrade(make_engine({database_url!r}))\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'alembic'))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=True)
    assert loaded.stdout.strip() == "[]"
