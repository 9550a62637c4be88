"""Category paths and brand names -> VTEX ids, creating what is missing (parents first).

Ids are remembered in the store as soon as VTEX gives them, so a path or brand is looked up in
VTEX once. Creates go through `create_once`: after a timeout the category or the brand list is
read again before a second create is sent, so a retry never makes a duplicate.

A category is created active (its SKUs can activate) unless the store enriches products
before they go live (`publish_new = false`) or it is the file's default category (VTEX's ERP
guide: an inactive "Integration" category receives the products, the store's team moves
them). VTEX's tree lists active categories only and VTEX has no lookup by name: before a
level is created, the Ids the tree does not account for are read one by one (GET category
shows inactive ones too), so that an inactive level is found, not created twice. A level
created inactive gets the Id after the largest known one, where the next run's reading finds
it, also after a kill between its create and remembering its id.
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

# Ids tried for one inactive category before giving up: each taken one is a category the tree
# does not list (an inactive one made in the Admin), so the next Id is tried.
MAX_ID_PROBES = 20
# Categories the tree hides are read by Id, once per run and only before a create: the Ids
# between the known ones, and those above them up to the first free one. A store whose Ids
# leave more gaps than this (custom Ids) is not read gap by gap (README: the known limit).
MAX_HIDDEN_READS = 200


@dataclass
class Resolved:
    ids: dict[str, int] = field(default_factory=dict)  # category text / brand name -> id
    failed: dict[str, str] = field(default_factory=dict)  # ... -> reason a person can act on
    pending: dict[str, VtexError] = field(default_factory=dict)  # VTEX unavailable
    # Text -> what this run created inactive for it ("Roupas > Camisetas", a brand's name).
    created_inactive: dict[str, list[str]] = field(default_factory=dict)


class NoFreeCategoryId(Exception):
    """Every Id tried for a new inactive category is taken by a category the tree hides."""


class CategoryResolver:
    def __init__(
        self,
        client: CatalogClient,
        store: Store,
        clock: Clock,
        attempts: int,
        *,
        publish_new: bool = True,
    ) -> None:
        self.client, self.store, self.clock, self.attempts = client, store, clock, attempts
        self.publish_new = publish_new
        self.known = store.catalog_ids("category")  # path key -> id
        self._tree_ids: set[int] = set()
        self._tree_loaded = False
        self._hidden_read = False

    async def resolve(self, texts: set[str], *, inactive: frozenset[str] = frozenset()) -> Resolved:
        """`inactive`: texts whose missing levels are created inactive whatever publish_new
        says (the default category)."""
        out = Resolved()
        for text in sorted(texts):
            if not text:  # no category and no default_category (a retry after it was unset)
                continue
            if text.isdigit():  # a VTEX category id, as FORMATS allows
                out.ids[text] = int(text)
                continue
            parts = category_path(text)
            active = self.publish_new and text not in inactive
            created: list[str] = []
            try:
                out.ids[text] = await self._ensure(parts, active, created)
            except RetriableVtexError as exc:
                out.pending[text] = exc
            except (RowRejectedError, FatalVtexError) as exc:
                out.failed[text] = render(
                    "category-not-created",
                    path=" > ".join(parts),
                    status=exc.status,
                    answer=exc.body or exc,
                )
            except NoFreeCategoryId:
                out.failed[text] = render(
                    "category-no-free-id", path=" > ".join(parts), tried=MAX_ID_PROBES
                )
            if created:
                out.created_inactive[text] = created
        self.store.remember_catalog_ids("category", self.known)  # the tree's ones too
        return out

    async def _ensure(self, parts: list[str], active: bool, created: list[str]) -> int:
        parent: int | None = None
        for depth in range(1, len(parts) + 1):
            key = path_key(parts[:depth])
            if key not in self.known and not self._tree_loaded:
                await self._load_tree()
            if key not in self.known and not self._hidden_read:
                await self._read_hidden()
            if key not in self.known:
                if active:
                    new_id = await self._create(parts[depth - 1], parent, key)
                else:
                    new_id = await self._create_inactive(parts[depth - 1], parent, key)
                    created.append(" > ".join(parts[:depth]))
                self.known[key] = new_id
                # Remembered at once: a kill later in the run must not lose it.
                self.store.remember_catalog_ids("category", {key: new_id})
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

    async def _create_inactive(self, name: str, parent: int | None, key: str) -> int:
        """Created with the Id after the largest known one, read first: VTEX's tree never
        lists an inactive category, so the next run finds it by that Id (`_read_hidden`
        reads up from the largest known Id), also after a kill before its id was remembered."""
        taken: set[int] = set()
        for _ in range(MAX_ID_PROBES):
            candidate = self._next_id(taken)
            held = await self.client.category(candidate)
            if held is None:
                return await self._create_with_id(name, parent, candidate)
            if _is(held, name, parent):  # made since the tree was read: the same level
                return candidate
            taken.add(candidate)  # a category the tree does not list holds this Id
        raise NoFreeCategoryId(key)

    async def _create_with_id(self, name: str, parent: int | None, chosen: int) -> int:
        async def create() -> int:
            return await self.client.create_category(name, parent, active=False, category_id=chosen)

        async def find() -> int | None:
            again = await self.client.category(chosen)
            return chosen if again is not None and _is(again, name, parent) else None

        return await create_once(create, find, self.attempts, self.client.http.pause_after)

    def _next_id(self, taken: set[int]) -> int:
        return max({*self.known.values(), *self._tree_ids, *taken}, default=0) + 1

    async def _read_hidden(self) -> None:
        """Find the categories the tree leaves out (inactive ones and those under them), so
        that a path whose level is inactive in VTEX is found, not created a second time. VTEX
        has no lookup by name, and gives its own Ids in sequence: the unknown Ids between the
        known ones and those just above them are read one by one (GET category)."""
        self._hidden_read = True
        by_id = {category_id: key for key, category_id in self.known.items()}
        top = max(by_id, default=0)
        # Counted before they are listed: custom Ids (2000000) would make a long list.
        sparse = top - len(by_id) > MAX_HIDDEN_READS
        gaps = [] if sparse else [i for i in range(1, top + 1) if i not in by_id]
        found: dict[int, dict[str, Any]] = {}
        for category_id in gaps:
            held = await self.client.category(category_id)
            if held is not None:
                found[category_id] = held
        above = top + 1
        while above - top <= MAX_HIDDEN_READS:
            held = await self.client.category(above)
            if held is None:
                break
            found[above] = held
            above += 1
        # Their paths, parents first: a level's key is its parent's and its own name.
        while found:
            placed = False
            for category_id, held in list(found.items()):
                father = held.get("FatherCategoryId")
                prefix = by_id.get(father) if father is not None else ""
                if prefix is None and father in found:
                    continue  # its parent is hidden too: placed first
                del found[category_id]
                placed = True
                if prefix is None:
                    continue  # under a category this scan could not place
                name = path_key([str(held.get("Name", "")).strip()])
                key = f"{prefix} > {name}" if prefix else name
                self.known.setdefault(key, category_id)
                by_id[category_id] = key
            if not placed:
                break

    async def _load_tree(self) -> None:
        # Deep enough for any path an ERP sends; VTEX caches the tree, but ids are stable.
        tree = await self.client.category_tree(10)
        self._tree_loaded = True

        def walk(nodes: list[Any], prefix: list[str]) -> None:
            for node in nodes:
                path = [*prefix, str(node.get("name", "")).strip()]
                self.known.setdefault(path_key(path), int(node["id"]))
                self._tree_ids.add(int(node["id"]))
                walk(node.get("children") or [], path)

        walk(tree, [])


def _is(category: dict[str, Any], name: str, parent: int | None) -> bool:
    """The same level: its name (as VTEX compares it, without case) under the same parent."""
    return (
        str(category.get("Name", "")).strip().casefold() == name.casefold()
        and category.get("FatherCategoryId") == parent
    )


class BrandResolver:
    def __init__(
        self,
        client: CatalogClient,
        store: Store,
        clock: Clock,
        attempts: int,
        *,
        may_create: bool,
        publish_new: bool = True,
    ) -> None:
        self.client, self.store, self.clock, self.attempts = client, store, clock, attempts
        self.may_create, self.publish_new = may_create, publish_new
        self.known = store.catalog_ids("brand")
        self._listed: dict[str, int] | None = None

    async def resolve(self, names: set[str]) -> Resolved:
        out = Resolved()
        for name in sorted(names):
            if name.isdigit():
                out.ids[name] = int(name)
                continue
            try:
                out.ids[name], created = await self._ensure(" ".join(name.split()))
                if created and not self.publish_new:
                    out.created_inactive[name] = [" ".join(name.split())]
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

    async def _ensure(self, name: str) -> tuple[int, bool]:
        """The brand's id, and whether this call created it. VTEX's brand list has every
        brand, inactive ones too (`isActive`), so an inactive brand is found, not created."""
        key = brand_key(name)
        if key in self.known:
            return self.known[key], False
        listed = self._listed if self._listed is not None else await self._list()
        created = key not in listed
        if created:
            if not self.may_create:
                raise LookupError(render("brand-unknown", brand=name))
            # VTEX's brand create wants the Id (API-NOTES §2): the next one after the largest.
            new_id = max(listed.values(), default=0) + 1

            async def find() -> int | None:
                return (await self._list()).get(key)

            listed[key] = await create_once(
                lambda: self.client.create_brand(new_id, name, active=self.publish_new),
                find,
                self.attempts,
                self.client.http.pause_after,
            )
        self.known[key] = listed[key]
        return listed[key], created
