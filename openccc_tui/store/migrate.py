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
    """Bring the schema to the newest revision; does nothing when it is there already."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")


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
