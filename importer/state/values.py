"""Small named values (table `kv`): feed cursors, cancellation markers, the report being
written, a batch API's off-until mark, the store's own write check."""

from __future__ import annotations

from importer.state.db import Table, storage_errors


@storage_errors
class Values(Table):
    """Table `kv`."""

    def get_value(self, name: str) -> str | None:
        row = self._db.execute("SELECT value FROM kv WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def set_value(self, name: str, value: str) -> None:
        self.set_values({name: value})

    def set_values(self, values: dict[str, str]) -> None:
        """Several named values in one transaction: after a crash, all of them or none."""
        with self._tx() as db:
            db.executemany(
                "INSERT INTO kv (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE "
                "SET value = excluded.value",
                list(values.items()),
            )
