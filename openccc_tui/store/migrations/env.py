"""Alembic environment: migrations run on a connection handed in by `store.migrate`.

For `alembic revision --autogenerate` by hand, pass `-x url=DATABASE_URL`.
"""

import warnings

from alembic import context

from openccc_tui.store import models
from openccc_tui.store.engine import make_engine

target_metadata = models.SQLModel.metadata


def run_migrations(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction(), warnings.catch_warnings():
        # A SQLite batch copies a table by reflecting it and its neighbours; SQLAlchemy cannot
        # reflect the expression index on lower(username) and says so. The index is created by
        # its own migration and never copied by a batch, so the warning tells nobody anything.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    url = context.get_x_argument(as_dictionary=True)["url"]
    with make_engine(url).begin() as new_connection:
        run_migrations(new_connection)
