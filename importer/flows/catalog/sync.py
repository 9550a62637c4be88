"""Products, then SKUs and what hangs off them (EAN, images, specifications), then activation.

Each stage waits for what it depends on: a product whose category or brand could not be
resolved is not sent, and its SKU rows are reported as skipped with the reason; a SKU whose
product failed likewise. One row's failure never stops the rest of the file.

What is sent depends on what changed since VTEX last accepted the row (`previous`): an
unchanged SKU sends nothing, a changed image list only touches images, and EANs, images and
specifications are read from VTEX first, so that sending the same file twice (or retrying
after a timeout) never adds one twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace

from importer.config import FlowSettings
from importer.errors import RetriableVtexError, RowRejectedError, VtexError
from importer.flows.catalog import kits, policies, specfields
from importer.flows.catalog.owners import (
    PRODUCT_FIELDS,
    SKU_FIELDS,
    HeldBack,
    admin_columns,
    hold_back,
    keep_admin_fields,
)
from importer.flows.catalog.records import (
    PRODUCT_SPEC,
    REQUIRED_DIMENSIONS,
    SKU_SPEC,
    Record,
    changed_columns,
    emptied,
    file_name_for,
    image_urls,
    is_importer_file_name,
    is_true,
    merged_product,
    merged_sku,
    new_product_body,
    new_sku_body,
    product_columns,
    sku_columns,
    spec_values,
    weight_rounded,
)
from importer.flows.catalog.resolve import BrandResolver, CategoryResolver, Resolved
from importer.messages import render
from importer.models import Action
from importer.outcomes import RowOutcome, describe, vtex_outcome
from importer.rows import OutRow, Removal
from importer.state import Store
from importer.vtex.catalog import CatalogClient, create_once

# The main trade policy, which every product must be linked to to be shown (API-NOTES §3.3).
TRADE_POLICY = 1
LINKED = f"trade-policy-{TRADE_POLICY}"  # the store's catalog_ids kind for linked products

SKU_CORE = (
    "sku_name",
    "manufacturer_code",
    "weight_kg",
    "height_cm",
    "width_cm",
    "length_cm",
    "unit_multiplier",
    "measurement_unit",
    "product_ref",
)


@dataclass
class Work:
    """One file's catalog changes."""

    products: dict[str, Record]  # product_ref -> product record (every product the SKUs need)
    changed_products: set[str]  # product refs whose own columns are new or changed
    skus: list[Record]  # SKU rows that are new or changed (or pending)
    previous_products: dict[str, Record] = field(default_factory=dict)
    previous_skus: dict[str, Record] = field(default_factory=dict)
    removals: list[Record] = field(default_factory=list)  # SKUs to deactivate (full mode)
    present: set[str] = field(default_factory=set)  # columns the file carries


@dataclass
class SyncResult:
    sku_outcomes: list[RowOutcome] = field(default_factory=list)
    product_outcomes: list[RowOutcome] = field(default_factory=list)
    fatal: str = ""


class _RowFailure(Exception):
    """A part of a row that did not land as written: raised, the row is reported failed with
    this reason; returned as a note (`_weight_note`), the row landed and is a warning."""

    def __init__(
        self, type: str, reason: str, column: str = "", value: str = "", status: int | None = None
    ) -> None:
        super().__init__(reason)
        self.type, self.reason, self.column, self.value, self.status = (
            type,
            reason,
            column,
            value,
            status,
        )


class CatalogSync:
    def __init__(
        self,
        client: CatalogClient,
        store: Store,
        settings: FlowSettings,
        concurrency: int,
        attempts: int,
    ) -> None:
        self.client = client
        self.store = store
        self.settings = settings
        self.gate = asyncio.Semaphore(concurrency)
        self.attempts = attempts
        self.clock = client.http.clock
        self.product_ids = store.catalog_ids("product")
        # Products known to be linked to the main trade policy (product id -> trade policy):
        # a link is made once, not on every update (VTEX counts every write).
        self.linked = store.catalog_ids(LINKED)
        self.newly_linked: dict[str, int] = {}
        self.publish_new = settings.publish_new
        # Products the file gives no category for (default_category): their SKUs are not
        # activated while the category they are in is inactive.
        self.defaulted: set[str] = set()
        # Columns the Admin owns ([flows.catalog] owners): sent on create only.
        self.admin = admin_columns(settings.owners)
        self.fields = specfields.FieldMaker(client, settings.spec_group, attempts)
        self.components: dict[str, int] = {}  # kit component refs -> SKU ids, for this run
        self.columns: set[str] = set()  # the file's columns (`run`)

    async def run(self, work: Work) -> SyncResult:
        result = SyncResult()
        self.columns = work.present | {c for s in work.skus for c in s}
        needed = {p for p in work.changed_products} | {s["product_ref"] for s in work.skus}
        to_write = [work.products[r] for r in sorted(needed) if r in work.products]
        default = self.settings.default_category
        self.defaulted = {ref for ref, p in work.products.items() if not p.get("category")}
        # An admin-owned category or brand is resolved (and created when VTEX lacks it) for a
        # new product only: an update leaves it as VTEX has it.
        admin_category, admin_brand = "category" in self.admin, "brand" in self.admin
        if admin_category or admin_brand:
            await self._known_products(to_write)
        categories = await CategoryResolver(
            self.client, self.store, self.clock, self.attempts, publish_new=self.publish_new
        ).resolve(
            {
                p.get("category", "") or default
                for p in to_write
                if p["product_ref"] not in self.product_ids
                or (
                    p["product_ref"] in work.changed_products
                    and p.get("category", "")
                    and not admin_category
                )
            },
            inactive=frozenset({default}),
        )
        brands = await BrandResolver(
            self.client,
            self.store,
            self.clock,
            self.attempts,
            may_create=self.settings.create_brands,
            publish_new=self.publish_new,
        ).resolve(
            {
                p["brand"]
                for p in to_write
                if (p["product_ref"] in work.changed_products and not admin_brand)
                or p["product_ref"] not in self.product_ids
            }
        )
        product_state: dict[str, tuple[int | None, RowOutcome | None]] = {}

        async def product_task(product: Record) -> None:
            async with self.gate:
                product_state[product["product_ref"]] = await self._product(
                    product, work, categories, brands
                )

        await asyncio.gather(*(product_task(p) for p in to_write))
        self.store.remember_catalog_ids("product", self.product_ids)
        self.store.remember_catalog_ids(LINKED, self.newly_linked)
        for ref in sorted(work.changed_products):
            _, outcome = product_state.get(ref, (None, None))
            if outcome is not None:
                result.product_outcomes.append(outcome)
        sku_ids = await self._sku_ids([s["sku_ref"] for s in work.skus + work.removals])

        async def sku_task(sku: Record) -> None:
            async with self.gate:
                product_id, product_outcome = product_state.get(sku["product_ref"], (None, None))
                result.sku_outcomes.append(
                    await self._sku(
                        sku, product_id, product_outcome, sku_ids.get(sku["sku_ref"]), work
                    )
                )

        async def removal_task(sku: Record) -> None:
            async with self.gate:
                result.sku_outcomes.append(await self._deactivate(sku, sku_ids.get(sku["sku_ref"])))

        # Kits after the other SKUs: a kit's components may be SKUs this file creates.
        plain = [s for s in work.skus if not kits.is_kit(s)]
        kit_skus = [s for s in work.skus if kits.is_kit(s)]
        await asyncio.gather(
            *(sku_task(s) for s in plain), *(removal_task(s) for s in work.removals)
        )
        if kit_skus:
            wanted = {c.ref for s in kit_skus for c in kits.parse(str(s[kits.COLUMN])) or []}
            self.components = await self._sku_ids(sorted(wanted))
            sku_ids.update(await self._sku_ids([s["sku_ref"] for s in kit_skus]))
            await asyncio.gather(*(sku_task(s) for s in kit_skus))
        forbidden = [
            o
            for o in result.sku_outcomes + result.product_outcomes
            if o.type == "vtex-forbidden" and o.status == 401
        ]
        if forbidden:
            result.fatal = forbidden[0].reason
        return result

    # -- products ----------------------------------------------------------------------------

    async def _known_products(self, products: list[Record]) -> None:
        """The ids of the products VTEX has that the store does not know yet (looked up by
        RefId, as `_product` would), so that an admin-owned category or brand is resolved
        for new products only. A lookup VTEX refuses leaves the product to `_product`, whose
        row then says so."""

        async def look_up(ref: str) -> None:
            async with self.gate:
                try:
                    found = await self.client.product_by_ref(ref)
                except VtexError:
                    return
                if found:
                    self.product_ids[ref] = int(found["Id"])

        refs = {p["product_ref"] for p in products} - set(self.product_ids)
        await asyncio.gather(*(look_up(ref) for ref in sorted(refs)))

    async def _product(
        self, product: Record, work: Work, categories: Resolved, brands: Resolved
    ) -> tuple[int | None, RowOutcome | None]:
        ref = product["product_ref"]
        changed = ref in work.changed_products
        try:
            product_id = self.product_ids.get(ref)
            if product_id is None:
                found = await self.client.product_by_ref(ref)
                product_id = int(found["Id"]) if found else None
            if product_id is not None and not changed:
                self.product_ids[ref] = product_id
                return product_id, None
            # A file without a category column files new products under the default
            # category, and leaves an existing product in the category VTEX has it in.
            text = product.get("category", "") or self.settings.default_category
            # An existing product also stays where VTEX has it when the Admin owns its
            # category, and keeps VTEX's brand when the Admin owns that (neither resolved).
            keeps_category = product_id is not None and (
                not product.get("category", "") or "category" in self.admin
            )
            category_id = None if keeps_category else _resolved(categories, text, "category")
            keeps_brand = product_id is not None and "brand" in self.admin
            brand_id = None if keeps_brand else _resolved(brands, product["brand"], "brand")
            notes = _inactive_notes(product, categories, brands, None if keeps_category else text)
            if product_id is None and not product.get("category", ""):
                notes.append(
                    _RowFailure(
                        "default-category",
                        render("default-category-filed", category=text),
                        column="category",
                        value=text,
                    )
                )
            held: list[HeldBack] = []
            if product_id is None:
                assert category_id is not None and brand_id is not None
                body = new_product_body(product, category_id, brand_id)

                async def create() -> int:
                    return await self.client.create_product(body)

                async def find() -> int | None:
                    again = await self.client.product_by_ref(ref)
                    return int(again["Id"]) if again else None

                product_id = await create_once(
                    create, find, self.attempts, self.client.http.pause_after
                )
                self.product_ids[ref] = product_id
                action = Action.CREATED
                previous = None
            else:
                self.product_ids[ref] = product_id
                previous = work.previous_products.get(ref)
                product, held = hold_back(
                    product, previous, self.admin, product_columns(list(product))
                )
                columns = changed_columns(product, previous, product_columns(list(product)))
                if columns - {c for c in columns if c.startswith(PRODUCT_SPEC)} - _NOT_ON_RECORD:
                    current = await self.client.get_product(product_id)
                    brand = int(current["BrandId"]) if brand_id is None else brand_id
                    merged = merged_product(current, product, category_id, brand, work.present)
                    await self.client.put_product(
                        product_id, keep_admin_fields(merged, current, self.admin, PRODUCT_FIELDS)
                    )
                action = Action.UPDATED
            created = action == Action.CREATED
            refused = await self._link(product_id, product, previous, created=created)
            specs_need = product.get(specfields.COLUMN) or any(
                c.startswith(PRODUCT_SPEC) and product[c] for c in product
            )
            if category_id is None and specs_need:
                # Kept in the category VTEX has it in (a file without categories): its
                # specification fields are that category's.
                category_id = int((await self.client.get_product(product_id))["CategoryId"])
            spec_category = category_id if category_id is not None else 0
            types = await self._spec_types(spec_category, product, previous)
            # The Admin's specifications are sent on create only.
            skip = frozenset() if created else self.admin
            await self._product_specs(product_id, product, previous, spec_category, skip)
            if refused is not None:
                return product_id, _failed(product, refused)
            kept = _kept(product, previous, product_columns(sorted(work.present))) + types
            kept += _held_back(held)
            outcome = _warning(product, notes + kept) or RowOutcome(
                OutRow.from_payload(product), action
            )
            if previous is not None and not kept and not notes:
                changed_now = sorted(
                    changed_columns(product, previous, product_columns(list(product)))
                )
                outcome.column = changed_now[0] if changed_now else ""
                outcome.reason = render(
                    "product-changed", changes=describe(product, previous, changed_now)
                )
            return product_id, outcome
        except _RowFailure as failure:
            return None, _failed(product, failure)
        except VtexError as exc:
            return None, vtex_outcome(OutRow.from_payload(product), exc)

    async def _link(
        self, product_id: int, product: Record, previous: Record | None, *, created: bool
    ) -> _RowFailure | None:
        """With a `trade_policies` cell: the product's links become exactly that set, when it
        changed (`policies`). Without one: link the product to the main trade policy once. A
        product this importer has not seen linked (created by an earlier version, by hand, or
        its link timed out) is read first: it is linked only when VTEX lacks the link. A new
        product lacks it for sure. Returns the failure of a link VTEX refused."""
        key = str(product_id)
        if product.get(policies.COLUMN):
            wanted = policies.wanted(product, previous)
            if wanted is None:
                return None
            refused = await policies.link_exactly(self.client, product_id, wanted, created=created)
            if TRADE_POLICY in wanted and not any(p == TRADE_POLICY for p, _ in refused):
                self.linked[key] = self.newly_linked[key] = TRADE_POLICY
            if refused:
                policy, exc = refused[0]
                return _RowFailure(
                    "trade-policy-refused",
                    render(
                        "trade-policy-refused",
                        policy=policy,
                        status=exc.status,
                        answer=_short(exc.body),
                    ),
                    column=policies.COLUMN,
                    value=str(product[policies.COLUMN]),
                    status=exc.status,
                )
            return None
        if key in self.linked:
            return None
        if created or TRADE_POLICY not in await self.client.trade_policies(product_id):
            await self.client.link_trade_policy(product_id, TRADE_POLICY)
        self.linked[key] = self.newly_linked[key] = TRADE_POLICY
        return None

    async def _spec_types(
        self, category_id: int, product: Record, previous: Record | None
    ) -> list[_RowFailure]:
        """The typed fields of `spec_types`, made before any value is sent (when the cell is
        new or changed, or the product moved to another category, whose fields they are); a
        note per field VTEX holds with another type."""
        text = str(product.get(specfields.COLUMN) or "")
        if not text or (
            previous is not None
            and previous.get(specfields.COLUMN) == text
            and previous.get("category") == product["category"]
        ):
            return []
        wanted = list(specfields.declared(product, self.columns).values())
        mismatches = await self.fields.ensure(category_id, wanted)
        return [
            _RowFailure(
                "spec-type-differs",
                render(
                    "spec-type-differs",
                    name=m.name,
                    held=specfields.TYPE_NAMES.get(m.held, str(m.held)),
                    wanted=specfields.TYPE_NAMES[m.wanted],
                ),
                column=specfields.COLUMN,
                value=text,
            )
            for m in mismatches
        ]

    async def _product_specs(
        self,
        product_id: int,
        product: Record,
        previous: Record | None,
        category_id: int,
        skip: frozenset[str] = frozenset(),
    ) -> None:
        columns = [
            c
            for c in product
            if c.startswith(PRODUCT_SPEC)
            and c not in skip
            and product[c]
            and (previous is None or previous.get(c) != product[c])
        ]
        declared = specfields.declared(product, self.columns)
        # A field without values (Text, Number, ...) takes the whole cell as its one text. Its
        # type is the one VTEX holds (read once per run and category), the file's otherwise.
        texts: set[str] = set()
        for column in columns:
            if column in declared:
                await self.fields.ensure(category_id, [declared[column]])
                if self.fields.held_type(category_id, declared[column]) not in (
                    specfields.VALUE_TYPES
                ):
                    texts.add(column)
        wanted = {
            c[len(PRODUCT_SPEC) :]: [product[c]] if c in texts else spec_values(product[c])
            for c in columns
        }
        if not wanted:
            return
        held = await self.client.product_specs(product_id)
        for name, values in wanted.items():
            column = PRODUCT_SPEC + name
            if column in texts:
                await self._product_text(product_id, category_id, declared[column], values[0], held)
                continue
            field_id, current = held.get(name, (None, []))
            if sorted(current) == sorted(values):
                continue
            if field_id is not None and current:
                # The by-name call adds values and keeps the old ones: clear the field first,
                # so that a changed value replaces the old one.
                await self.client.delete_product_spec(product_id, field_id)
            await self.client.set_product_spec(product_id, self.settings.spec_group, name, values)

    async def _product_text(
        self,
        product_id: int,
        category_id: int,
        entry: specfields.FieldType,
        text: str,
        held: dict[str, tuple[int | None, list[str]]],
    ) -> None:
        """A text field's value replaces the old one: its associations are removed (by their
        own Id, which VTEX wants for fields without values), then the text is associated."""
        field_id, current = held.get(entry.name, (None, []))
        if current == [text]:
            return
        if field_id is None:
            field_id = self.fields.field_id(category_id, entry)
        if current:
            for association in await self.client.product_spec_associations(product_id):
                if association.get("FieldId") == field_id and association.get("Id"):
                    await self.client.delete_product_spec(product_id, int(association["Id"]))

        async def add() -> None:
            await self.client.add_product_spec_text(product_id, field_id, text)

        async def landed() -> bool:
            now = await self.client.product_specs(product_id)
            return now.get(entry.name, (None, []))[1] == [text]

        await self._add_once(add, landed)

    async def _sku_ids(self, refs: list[str]) -> dict[str, int]:
        known = self.store.sku_ids(refs)
        missing = [r for r in refs if r not in known]
        if missing:
            try:
                found = await self.client.sku_ids_by_refs(missing)
            except VtexError:
                return known  # each SKU looks itself up again before creating
            fresh = {r: i for r, i in found.items() if i is not None}
            self.store.remember_sku_ids(fresh)
            known.update(fresh)
        return known

    async def _sku(
        self,
        sku: Record,
        product_id: int | None,
        product_outcome: RowOutcome | None,
        sku_id: int | None,
        work: Work,
    ) -> RowOutcome:
        if product_id is None:
            reason = product_outcome.reason if product_outcome else render("product-failed")
            if product_outcome is not None and product_outcome.action == Action.PENDING:
                return RowOutcome(
                    OutRow.from_payload(sku),
                    Action.PENDING,
                    type="vtex-unavailable",
                    reason=reason,
                    status=product_outcome.status,
                )
            return RowOutcome(
                OutRow.from_payload(sku),
                Action.SKIPPED,
                type="dependency-failed",
                column="product_ref",
                value=sku["product_ref"],
                reason=render(
                    "product-not-saved", product=sku["product_ref"], product_reason=reason
                ),
            )
        ref = sku["sku_ref"]
        previous = work.previous_skus.get(ref)
        try:
            created = sku_id is None
            held: list[HeldBack] = []
            if sku_id is None:
                sku_id = await self._create_sku(sku, product_id)
                previous = None
            else:
                sku, held = hold_back(sku, previous, self.admin, sku_columns(list(sku)))
            columns = changed_columns(sku, previous, sku_columns(list(sku)))
            if not created:
                columns -= self.admin  # the Admin's columns: sent on create only
            problems: list[_RowFailure] = []
            desired_active = is_true(sku.get("sku_active", ""))
            current: Record | None = None
            if not created and columns & set(SKU_CORE):
                # `current` becomes what VTEX now holds, so that the activation PUT below
                # sends the row's changes again rather than the record as it was.
                held_now = await self.client.get_sku(sku_id)
                current = keep_admin_fields(
                    merged_sku(held_now, sku, product_id, self.settings.weight_unit, work.present),
                    held_now,
                    self.admin,
                    SKU_FIELDS,
                )
                await self.client.put_sku(sku_id, current)
            if kits.COLUMN in columns and kits.is_kit(sku):
                known_kit = created or bool(previous and previous.get(kits.COLUMN))
                current = await self._kit(sku_id, sku, current, known_kit=known_kit)
            if "ean" in columns and sku.get("ean"):
                refused = await self._ean(sku_id, sku["ean"])
                if refused is not None:
                    problems.append(refused)
            if "image_urls" in columns and sku.get("image_urls"):
                problems += await self._images(sku_id, sku)
            spec_columns = [c for c in columns if c.startswith(SKU_SPEC) and sku.get(c)]
            if spec_columns:
                await self._sku_specs(sku_id, sku, spec_columns)
            activation_held: list[_RowFailure] = []
            may_activate = created or "sku_active" not in self.admin
            if may_activate and (created or "sku_active" in columns or "image_urls" in columns):
                activation = await self._activation(sku_id, desired_active, current, sku)
                if activation is not None:
                    # Held by the store's choice, the row landed (a warning); else it failed.
                    held_as = activation_held if activation.type == "activation-held" else problems
                    held_as.append(activation)
            if problems:
                raise problems[0]
            notes = [*activation_held, self._weight_note(sku, created, columns)]
            notes += _kept(sku, previous, sku_columns(sorted(work.present)))
            notes += _held_back(held)
            outcome = _warning(sku, [n for n in notes if n is not None])
            return outcome or RowOutcome(
                OutRow.from_payload(sku), Action.CREATED if created else Action.UPDATED
            )
        except _RowFailure as failure:
            return _failed(sku, failure)
        except VtexError as exc:
            return vtex_outcome(OutRow.from_payload(sku), exc)

    def _weight_note(self, sku: Record, created: bool, columns: set[str]) -> _RowFailure | None:
        """The weight this row sent, when VTEX did not get it as written (whole units only)."""
        if not sku.get("weight_kg") or not (created or "weight_kg" in columns):
            return None
        unit = self.settings.weight_unit
        sent = weight_rounded(sku["weight_kg"], unit)
        if sent is None:
            return None
        value = sku["weight_kg"]
        return _RowFailure(
            "weight-rounded",
            render("weight-rounded", value=value, sent=sent, unit=unit),
            column="weight_kg",
            value=value,
        )

    async def _create_sku(self, sku: Record, product_id: int) -> int:
        missing = [c for c in REQUIRED_DIMENSIONS if not sku.get(c)]
        if missing:
            raise _RowFailure(
                "missing-cell",
                render("sku-create-needs", columns=", ".join(missing)),
                column=missing[0],
            )
        body = new_sku_body(sku, product_id, self.settings.weight_unit)
        if kits.is_kit(sku):
            body["IsKit"] = True  # VTEX: set on a kit, never reverted
        ref = sku["sku_ref"]

        async def create() -> int:
            return await self.client.create_sku(body)

        async def find() -> int | None:
            return (await self.client.sku_ids_by_refs([ref])).get(ref)

        sku_id = await create_once(create, find, self.attempts, self.client.http.pause_after)
        self.store.remember_sku_ids({ref: sku_id})
        return sku_id

    async def _kit(
        self, sku_id: int, sku: Record, current: Record | None, *, known_kit: bool
    ) -> Record | None:
        """The kit's components become the cell's. A SKU not known to be a kit already (created
        as one, or an earlier row of it had components) is read, and made a kit (PUT with
        IsKit) when VTEX has it as a plain SKU; returns the record VTEX now holds when it was
        read, so that the activation PUT after it sends IsKit too."""
        components = kits.parse(str(sku[kits.COLUMN])) or []
        missing = [c.ref for c in components if c.ref not in self.components]
        if missing:
            # Asked again, so that VTEX's trouble (an error, a timeout) is said as such and
            # never taken for a component that does not exist.
            found = await self.client.sku_ids_by_refs(missing)
            self.components.update({r: i for r, i in found.items() if i is not None})
            missing = [r for r in missing if found.get(r) is None]
        if missing:
            raise _RowFailure(
                "kit-component-unknown",
                render("kit-component-unknown", refs=", ".join(missing)),
                column=kits.COLUMN,
                value=missing[0],
            )
        if not known_kit or (current is not None and not current.get("IsKit")):
            record = current if current is not None else await self.client.get_sku(sku_id)
            if not record.get("IsKit"):
                record = dict(record)
                record["IsKit"] = True
                await self.client.put_sku(sku_id, record)
                current = record
        wanted = {self.components[c.ref]: (c.quantity, c.unit_price) for c in components}
        await kits.set_components(
            self.client, sku_id, wanted, kits.AddOnce(self.client, self._add_once)
        )
        return current

    async def _ean(self, sku_id: int, ean: str) -> _RowFailure | None:
        """The SKU's EAN becomes `ean` (VTEX's way: delete the old, post the new). VTEX keeps
        an EAN on one SKU: when it refuses the new one, the row fails with VTEX's answer and
        the rest of the SKU (images, specifications, activation) still goes."""
        held = await self.client.eans(sku_id)
        for stale in sorted(set(held) - {ean}):
            await self.client.delete_ean(sku_id, stale)
        if ean in held:
            return None

        async def add() -> None:
            await self.client.add_ean(sku_id, ean)

        async def landed() -> bool:
            return ean in await self.client.eans(sku_id)

        try:
            await self._add_once(add, landed)
        except RowRejectedError as exc:
            return _RowFailure(
                "ean-refused",
                render("ean-refused", value=ean, status=exc.status, answer=_short(exc.body)),
                column="ean",
                value=ean,
                status=exc.status,
            )
        return None

    async def _add_once(
        self, add: Callable[[], Awaitable[None]], landed: Callable[[], Awaitable[bool]]
    ) -> None:
        """An add VTEX would repeat if sent twice (EAN, image): after a timeout, read first."""
        for attempt in range(1, self.attempts + 1):
            try:
                await add()
                return
            except RetriableVtexError:
                if await landed():
                    return
                if attempt == self.attempts:
                    raise
                await self.client.http.pause_after(attempt)

    async def _images(self, sku_id: int, sku: Record) -> list[_RowFailure]:
        files = await self.client.files(sku_id)
        # VTEX keeps its own copy under another URL: an image is recognised by its Name.
        held = {str(f.get("Name", "")): f for f in files}
        wanted = image_urls(sku["image_urls"])
        names = [file_name_for(url, f"{sku['sku_ref']}-{i + 1}") for i, url in enumerate(wanted)]
        problems: list[_RowFailure] = []
        for position, (url, name) in enumerate(zip(wanted, names, strict=True)):
            if name in held and not (position == 0 and not held[name].get("IsMain")):
                continue
            if name in held:  # listed first now: it becomes the main image
                await self.client.update_file(
                    int(held[name]["Id"]), sku_id, url=url, name=name, is_main=True, position=0
                )
                continue

            async def add(url: str = url, name: str = name, position: int = position) -> None:
                # The first image of the list is the main one (FORMATS), whatever VTEX had.
                await self.client.add_file(
                    sku_id, url=url, name=name, is_main=position == 0, position=position
                )

            async def landed(name: str = name) -> bool:
                return any(f.get("Name") == name for f in await self.client.files(sku_id))

            try:
                await self._add_once(add, landed)
            except RowRejectedError as exc:
                problems.append(
                    _RowFailure(
                        "image-refused",
                        render(
                            "image-refused",
                            position=position + 1,
                            url=url,
                            status=exc.status,
                            answer=_short(exc.body),
                        ),
                        column="image_urls",
                        value=url,
                        status=exc.status,
                    )
                )
        # Images this importer added that the list no longer has were replaced in the ERP;
        # images added by hand in VTEX (other names) are left alone.
        for name, file in held.items():
            if is_importer_file_name(name) and name not in names and file.get("Id"):
                await self.client.delete_file(sku_id, int(file["Id"]))
        return problems

    async def _sku_specs(self, sku_id: int, sku: Record, columns: list[str]) -> None:
        context = await self.client.sku_context(sku_id)
        held: dict[str, tuple[int, list[str]]] = {
            str(spec.get("FieldName")): (
                int(spec["FieldId"]),
                [str(v) for v in spec.get("FieldValues") or []],
            )
            for spec in context.get("SkuSpecifications") or []
            if spec.get("FieldId")
        }
        associations: list[Record] | None = None
        for column in columns:
            name, value = column[len(SKU_SPEC) :], sku[column]
            field_id, current = held.get(name, (0, []))
            if current == [value]:
                continue
            if current:
                # A SKU has one value per field; the by-name call would add a second one.
                if associations is None:
                    associations = await self.client.sku_spec_associations(sku_id)
                for association in associations:
                    if association.get("FieldId") == field_id:
                        await self.client.delete_sku_spec(sku_id, int(association["Id"]))
            await self.client.set_sku_spec(sku_id, self.settings.spec_group, name, value)

    async def _activation(
        self, sku_id: int, desired: bool, current: Record | None, sku: Record
    ) -> _RowFailure | None:
        context = await self.client.sku_context(sku_id)
        if bool(context.get("IsActive")) == desired:
            return None
        held = _held_by(context)
        if desired and held and (not self.publish_new or sku["product_ref"] in self.defaulted):
            # Inactive by the store's choice (enriched before going live, or the default
            # category): VTEX would leave the SKU inactive, so no activation is sent.
            return _RowFailure(
                "activation-held",
                render("activation-held", reasons="; ".join(held)),
                column="sku_active",
            )
        body = current if current is not None else await self.client.get_sku(sku_id)
        body = dict(body)
        body["IsActive"] = desired
        await self.client.put_sku(sku_id, body)
        if not desired:
            return None
        after = await self.client.sku_context(sku_id)
        if after.get("IsActive"):
            return None
        # A kit activates only with an active component (read only when it did not activate).
        idle_kit = bool(after.get("IsKit"))
        for component in after.get("KitItems") or []:
            if idle_kit and (await self.client.sku_context(int(component))).get("IsActive"):
                idle_kit = False
        return _RowFailure(
            "not-activated",
            render("not-activated", reasons=_why_inactive(after, sku, idle_kit=idle_kit)),
            column="sku_active",
        )

    async def _deactivate(self, sku: Record, sku_id: int | None) -> RowOutcome:
        outcome_row = replace(OutRow.from_payload(sku), removal=Removal())
        if sku_id is None:
            return RowOutcome(
                outcome_row,
                Action.DEACTIVATED,
                reason=render("sku-absent-everywhere"),
            )
        try:
            current = await self.client.get_sku(sku_id)
            if current.get("IsActive"):
                body = dict(current)
                body["IsActive"] = False
                await self.client.put_sku(sku_id, body)
            return RowOutcome(
                outcome_row,
                Action.DEACTIVATED,
                reason=render("sku-deactivated-absent"),
            )
        except VtexError as exc:
            return vtex_outcome(outcome_row, exc)


# Product columns that are not fields of VTEX's product record (sent by their own calls).
_NOT_ON_RECORD = {policies.COLUMN, specfields.COLUMN}


def _resolved(resolved: Resolved, text: str, what: str) -> int:
    if text in resolved.ids:
        return resolved.ids[text]
    if text in resolved.pending:
        raise resolved.pending[text]
    if text in resolved.failed:
        reason = resolved.failed[text]
    elif what == "category":
        reason = render("category-failed", value=text)
    else:
        reason = render("brand-failed", value=text)
    raise _RowFailure("dependency-failed", reason, column=what, value=text)


def _held_by(context: Record) -> list[str]:
    """What keeps VTEX from activating any SKU of this product: its brand or category."""
    held = []
    if context.get("IsBrandActive") is False:
        held.append(render("inactive-brand"))
    if context.get("IsDirectCategoryActive") is False or context.get("IsCategoryActive") is False:
        held.append(render("inactive-category"))
    return held


def _inactive_notes(
    product: Record, categories: Resolved, brands: Resolved, category: str | None
) -> list[_RowFailure]:
    """What this run created inactive for the product's category (None: it keeps the one VTEX
    has) and brand, said on the product's line: it landed, but is not live until a person
    activates it."""
    template = (
        "created-inactive-category" if product.get("category", "") else "created-inactive-default"
    )
    notes = []
    if category is not None:
        notes = [
            _RowFailure("created-inactive", render(template, path=path), "category", category)
            for path in categories.created_inactive.get(category, [])
        ]
    notes += [
        _RowFailure(
            "created-inactive",
            render("created-inactive-brand", brand=name),
            column="brand",
            value=product["brand"],
        )
        for name in brands.created_inactive.get(product["brand"], [])
    ]
    return notes


def _why_inactive(context: Record, sku: Record, *, idle_kit: bool = False) -> str:
    """Each reason VTEX's activation rules give for this SKU, one template each, joined."""
    reasons = []
    if not context.get("Images"):
        reasons.append(render("inactive-no-image"))
    alternate = context.get("AlternateIds") or {}
    if not (alternate.get("RefId") or alternate.get("Ean")):
        reasons.append(render("inactive-no-ref-or-ean"))
    if idle_kit:
        reasons.append(render("inactive-kit"))
    if context.get("IsProductActive") is False:
        reasons.append(render("inactive-product"))
    if context.get("IsBrandActive") is False:
        reasons.append(render("inactive-brand"))
    if context.get("IsDirectCategoryActive") is False or context.get("IsCategoryActive") is False:
        reasons.append(render("inactive-category"))
    filled = {
        str(s.get("FieldName"))
        for s in context.get("SkuSpecifications") or []
        if s.get("FieldValues")
    }
    # VTEX wants every SKU specification of the category filled; the file's empty ones are
    # the likely culprits.
    empty = [c[len(SKU_SPEC) :] for c in sku if c.startswith(SKU_SPEC) and not sku[c]]
    empty = [name for name in empty if name not in filled]
    if empty:
        reasons.append(render("inactive-spec-empty", specs=", ".join(empty)))
    return "; ".join(reasons) or render("inactive-rules-unmet")


def _short(body: str) -> str:
    return " ".join(body.split())[:200]


def _kept(record: Record, previous: Record | None, columns: list[str]) -> list[_RowFailure]:
    """A note per column the row emptied while VTEX keeps its value (`columns`: those the file
    carries; a column the file lacks says nothing about its value)."""
    return [
        _RowFailure(
            "value-kept",
            render("value-kept", column=c, before=previous[c]),
            column=c,
        )
        for c in emptied(record, previous, columns)
        if previous is not None
    ]


def _held_back(held: list[HeldBack]) -> list[_RowFailure]:
    """A note per admin-owned column whose file value an update did not send."""
    return [
        _RowFailure(
            "admin-owned",
            render("admin-owned-kept", column=h.column, value=h.value, held=h.held)
            if h.held
            else render("admin-owned-not-sent", column=h.column, value=h.value),
            column=h.column,
            value=h.value,
        )
        for h in held
    ]


def _warning(record: Record, notes: list[_RowFailure]) -> RowOutcome | None:
    """The row landed, but not all of it as written: one warning line with every note."""
    if not notes:
        return None
    outcome = _failed(record, notes[0], Action.WARNING)
    outcome.reason = " ".join(n.reason for n in notes)
    return outcome


def _failed(record: Record, failure: _RowFailure, action: Action = Action.FAILED) -> RowOutcome:
    return RowOutcome(
        OutRow.from_payload(record),
        action,
        type=failure.type,
        column=failure.column,
        value=failure.value,
        reason=failure.reason,
        status=failure.status,
    )
