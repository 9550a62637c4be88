"""Category paths and brand names -> VTEX ids, creating what is missing (parents first).

Ids are remembered in the store, so a path or brand is looked up in VTEX once. Creates go
through `create_once`: after a timeout the tree or the brand list is read again before a
second create is sent, so a retry never makes a duplicate category or brand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from importer.errors import FatalVtexError, RetriableVtexError, RowRejectedError, VtexError
from importer.flows.catalog.records import brand_key, category_path, path_key
from importer.messages import render
from importer.state import Store
from importer.vtex.catalog import CatalogClient, create_once
from importer.vtex.timing import Clock


@dataclass
class Resolved:
    ids: dict[str, int] = field(default_factory=dict)  # category text / brand name -> id
    failed: dict[str, str] = field(default_factory=dict)  # ... -> reason a person can act on
    pending: dict[str, VtexError] = field(default_factory=dict)  # VTEX unavailable


class CategoryResolver:
    def __init__(self, client: CatalogClient, store: Store, clock: Clock, attempts: int) -> None:
        self.client, self.store, self.clock, self.attempts = client, store, clock, attempts
        self.known = store.catalog_ids("category")  # path key -> id
        self._tree_loaded = False

    async def resolve(self, texts: set[str]) -> Resolved:
        out = Resolved()
        for text in sorted(texts):
            if text.isdigit():  # a VTEX category id, as FORMATS allows
                out.ids[text] = int(text)
                continue
            parts = category_path(text)
            try:
                out.ids[text] = await self._ensure(parts)
            except RetriableVtexError as exc:
                out.pending[text] = exc
            except (RowRejectedError, FatalVtexError) as exc:
                out.failed[text] = render(
                    "category-not-created",
                    path=" > ".join(parts),
                    status=exc.status,
                    answer=exc.body or exc,
                )
        self.store.remember_catalog_ids("category", self.known)
        return out

    async def _ensure(self, parts: list[str]) -> int:
        parent: int | None = None
        for depth in range(1, len(parts) + 1):
            key = path_key(parts[:depth])
            if key not in self.known and not self._tree_loaded:
                await self._load_tree()
            if key not in self.known:
                self.known[key] = await self._create(parts[depth - 1], parent, key)
            parent = self.known[key]
        assert parent is not None
        return parent

    async def _create(self, name: str, parent: int | None, key: str) -> int:
        async def create() -> int:
            return await self.client.create_category(name, parent)

        async def find() -> int | None:
            await self._load_tree()
            return self.known.get(key)

        return await create_once(create, find, self.attempts, self.client.http.pause_after)

    async def _load_tree(self) -> None:
        # Deep enough for any path an ERP sends; VTEX caches the tree, but ids are stable.
        tree = await self.client.category_tree(10)
        self._tree_loaded = True

        def walk(nodes: list[Any], prefix: list[str]) -> None:
            for node in nodes:
                path = [*prefix, str(node.get("name", "")).strip()]
                self.known.setdefault(path_key(path), int(node["id"]))
                walk(node.get("children") or [], path)

        walk(tree, [])


class BrandResolver:
    def __init__(
        self, client: CatalogClient, store: Store, clock: Clock, attempts: int, *, may_create: bool
    ) -> None:
        self.client, self.store, self.clock, self.attempts = client, store, clock, attempts
        self.may_create = may_create
        self.known = store.catalog_ids("brand")
        self._listed: dict[str, int] | None = None

    async def resolve(self, names: set[str]) -> Resolved:
        out = Resolved()
        for name in sorted(names):
            if name.isdigit():
                out.ids[name] = int(name)
                continue
            try:
                out.ids[name] = await self._ensure(" ".join(name.split()))
            except LookupError as exc:
                out.failed[name] = str(exc)
            except RetriableVtexError as exc:
                out.pending[name] = exc
            except (RowRejectedError, FatalVtexError) as exc:
                out.failed[name] = render(
                    "brand-not-created", brand=name, status=exc.status, answer=exc.body or exc
                )
        self.store.remember_catalog_ids("brand", self.known)
        return out

    async def _list(self) -> dict[str, int]:
        brands = await self.client.brands()
        fresh = {brand_key(str(b.get("name", ""))): int(b["id"]) for b in brands}
        # Refreshed in place: `_ensure` holds this dict while a create looks the list up again
        # (after a dropped connection), and records the new brand in it; a new dict would lose
        # that, and the next brand would take the same "next" Id (VTEX: 409, already exists).
        if self._listed is None:
            self._listed = fresh
        else:
            self._listed.clear()
            self._listed.update(fresh)
        return self._listed

    async def _ensure(self, name: str) -> int:
        key = brand_key(name)
        if key in self.known:
            return self.known[key]
        listed = self._listed if self._listed is not None else await self._list()
        if key not in listed:
            if not self.may_create:
                raise LookupError(render("brand-unknown", brand=name))
            # VTEX's brand create wants the Id (API-NOTES §2): the next one after the largest.
            new_id = max(listed.values(), default=0) + 1

            async def find() -> int | None:
                return (await self._list()).get(key)

            listed[key] = await create_once(
                lambda: self.client.create_brand(new_id, name),
                find,
                self.attempts,
                self.client.http.pause_after,
            )
        self.known[key] = listed[key]
        return listed[key]
