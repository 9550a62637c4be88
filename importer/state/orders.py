"""The order ledger: which orders were exported to the ERP, into which outbox file, and whether
their start-handling is confirmed (exactly once). The feed cursors and cancellation markers
that `importer.orders.pull` keeps are named values (`importer.state.values`)."""

from __future__ import annotations

from collections.abc import Sequence

from importer.state.db import Table, chunks, storage_errors


@storage_errors
class Orders(Table):
    """Table `orders`."""

    def order_states(self, order_ids: Sequence[str] | None = None) -> dict[str, tuple[str, str]]:
        """order id -> (state, file), for the given orders or all of them."""
        if order_ids is None:
            cur = self._db.execute("SELECT order_id, state, file FROM orders")
            return {str(o): (str(s), str(f)) for o, s, f in cur.fetchall()}
        out: dict[str, tuple[str, str]] = {}
        for chunk in chunks(order_ids, 500):
            marks = ",".join("?" * len(chunk))
            for o, st, f in self._db.execute(
                f"SELECT order_id, state, file FROM orders WHERE order_id IN ({marks})",  # noqa: S608
                tuple(chunk),
            ):
                out[str(o)] = (str(st), str(f))
        return out

    def unfinished_orders(self) -> dict[str, tuple[str, str]]:
        """Orders exported (or being exported) whose start-handling is not confirmed yet."""
        cur = self._db.execute("SELECT order_id, state, file FROM orders WHERE state != 'handled'")
        return {str(o): (str(s), str(f)) for o, s, f in cur.fetchall()}

    def set_order_states(self, states: dict[str, tuple[str, str]]) -> None:
        if not states:
            return
        stamp = self._now()
        with self._tx() as db:
            db.executemany(
                "INSERT INTO orders (order_id, state, file, updated_at) VALUES (?,?,?,?) "
                "ON CONFLICT (order_id) DO UPDATE SET state = excluded.state, "
                "file = excluded.file, updated_at = excluded.updated_at",
                [(o, st, f, stamp) for o, (st, f) in states.items()],
            )

    def forget_orders(self, order_ids: Sequence[str]) -> None:
        with self._tx() as db:
            db.executemany("DELETE FROM orders WHERE order_id = ?", [(o,) for o in order_ids])
