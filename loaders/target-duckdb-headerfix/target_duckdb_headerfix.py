r"""target-duckdb, minus a silent data loss.

target-duckdb 0.8 loads each batch with `COPY tmp FROM 'batch.csv' WITH (new_line '\\r\\n')`
and leaves DuckDB to guess whether the file has a header. The file never has one, but when
the batch's first row starts with a quoted value holding the delimiter (a JSON object such
as an `_extra` column, a "Doe, John"), DuckDB guesses that it does and drops that row. This
wrapper tells COPY `header false` and otherwise runs the target unchanged.
"""

from __future__ import annotations

import typing as t

from target_duckdb import db_sync
from target_duckdb import main as target_main


class _HeaderlessCopy:
    """A DuckDB connection whose COPY ... FROM statements state that there is no header."""

    def __init__(self, connection: t.Any) -> None:
        self._connection = connection

    def execute(self, query: str, *args: t.Any, **kwargs: t.Any) -> t.Any:
        if query.lstrip().upper().startswith("COPY ") and "header" not in query.lower():
            query = query.replace("WITH (", "WITH (header false, ", 1)
        return self._connection.execute(query, *args, **kwargs)

    def __getattr__(self, name: str) -> t.Any:
        return getattr(self._connection, name)


_original_init = db_sync.DbSync.__init__


def _init_with_headerless_copy(self: t.Any, *args: t.Any, **kwargs: t.Any) -> None:
    _original_init(self, *args, **kwargs)
    self.conn = _HeaderlessCopy(self.conn)


def main() -> None:
    """Run target-duckdb with the fix applied."""
    db_sync.DbSync.__init__ = _init_with_headerless_copy
    target_main()
