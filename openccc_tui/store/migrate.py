"""Schema migrations (Alembic), run from code: `openccc-tui db upgrade` and `init`."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, text
from sqlmodel import SQLModel

from openccc_tui.store import models  # noqa: F401  (the tables drop_everything drops)

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision; does nothing when it is there already.

    On SQLite a migration that changes a column rebuilds the table, and dropping a table
    that other rows point at breaks their foreign keys until the new one is in place: the
    keys are off while migrations run (SQLite's own procedure for schema changes), and
    checked whole before the commit."""
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _foreign_keys(connection, on=False)
        try:
            with connection.begin():
                command.upgrade(alembic_config(connection), "head")
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                    raise RuntimeError("a migration left rows whose foreign keys point nowhere")
        finally:
            if sqlite:
                _foreign_keys(connection, on=True)


def _foreign_keys(connection: Connection, *, on: bool) -> None:
    # Outside any transaction, where SQLite honours the pragma: on the driver's connection,
    # since a statement through SQLAlchemy would begin one first.
    driver = connection.connection.driver_connection
    if driver is None:
        raise RuntimeError("the SQLite connection is closed")
    driver.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def drop_everything(engine: Engine) -> None:
    """Drop every table, data included, so that `upgrade` starts from nothing: for the
    trainer's Reset demo only. Tables go children first, so foreign keys hold throughout;
    dropping a table fires no row trigger, so the append-only audit table goes too."""
    with engine.begin() as connection:
        SQLModel.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        if connection.dialect.name == "postgresql":
            connection.execute(text("DROP FUNCTION IF EXISTS audit_event_append_only()"))


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def is_known(revision: str) -> bool:
    """Whether this version's migrations include `revision` (a newer version's do not)."""
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False
