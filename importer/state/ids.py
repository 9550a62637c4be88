"""ERP keys -> VTEX ids: the SKU id map (`sku_map`, both ways) and the catalog's category,
brand and product ids (`catalog_ids`)."""

from __future__ import annotations

from collections.abc import Sequence

from importer.state.db import Table, chunks, storage_errors


@storage_errors
class Ids(Table):
    """Tables `sku_map` and `catalog_ids`."""

    def sku_ids(self, refs: Sequence[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for chunk in chunks(refs, 500):
            marks = ",".join("?" * len(chunk))
            for ref, sku_id in self._db.execute(
                f"SELECT sku_ref, sku_id FROM sku_map WHERE sku_ref IN ({marks})",  # noqa: S608
                tuple(chunk),
            ):
                out[ref] = int(sku_id)
        return out

    def remember_sku_ids(self, mapping: dict[str, int]) -> None:
        if not mapping:
            return
        stamp = self._now()
        with self._tx() as db:
            db.executemany(
                "INSERT INTO sku_map (sku_ref, sku_id, updated_at) VALUES (?,?,?) "
                "ON CONFLICT (sku_ref) DO UPDATE SET sku_id = excluded.sku_id, "
                "updated_at = excluded.updated_at",
                [(ref, sku_id, stamp) for ref, sku_id in mapping.items()],
            )

    def sku_refs(self, sku_ids: Sequence[int]) -> dict[str, str]:
        """SKU id -> the ERP's RefId, for the SKUs this importer knows."""
        out: dict[str, str] = {}
        for chunk in chunks([str(i) for i in sku_ids], 500):
            marks = ",".join("?" * len(chunk))
            for ref, sku_id in self._db.execute(
                f"SELECT sku_ref, sku_id FROM sku_map WHERE sku_id IN ({marks})",  # noqa: S608
                tuple(int(c) for c in chunk),
            ):
                out[str(sku_id)] = str(ref)
        return out

    # -- catalog ids (ERP key -> VTEX id) ---------------------------------------------------

    def catalog_ids(self, kind: str) -> dict[str, int]:
        cur = self._db.execute("SELECT key, id FROM catalog_ids WHERE kind = ?", (kind,))
        return {str(k): int(v) for k, v in cur.fetchall()}

    def remember_catalog_ids(self, kind: str, mapping: dict[str, int]) -> None:
        if not mapping:
            return
        with self._tx() as db:
            db.executemany(
                "INSERT INTO catalog_ids (kind, key, id) VALUES (?,?,?) "
                "ON CONFLICT (kind, key) DO UPDATE SET id = excluded.id",
                [(kind, key, value) for key, value in mapping.items()],
            )
