"""Matching a file's headers to a flow's canonical column names.

Headers are compared in a normalised form (case, accents, spaces, underscores, hyphens and
dots do not matter), so `Preço Base`, `preco_base` and `PRECO BASE` are one name. Aliases
from the config win over a header that merely matches the canonical name: an export with
both `Quantity` and `Qty_1`, configured `quantity = ["Qty_1"]`, reads `Qty_1`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

# Whitespace (NBSP included), underscores, hyphens and dashes, dots. ':' is kept, so
# `product_spec:Cor` stays recognisable as a specification column.
_IGNORED = re.compile(r"[\s_.\-\u2010-\u2015]+")


@dataclass
class HeaderMatch:
    columns: dict[str, int] = field(default_factory=dict)
    """Canonical name -> column position in the table."""
    unknown: list[str] = field(default_factory=list)
    """Headers that matched nothing, as written, in file order (listed in the report)."""
    conflicts: dict[str, list[str]] = field(default_factory=dict)
    """Canonical name -> the two or more headers that all match it (the file is refused)."""


def normalize_header(text: str) -> str:
    """'Preço Base', 'preco_base', 'PRECO BASE', ' preço-base ' -> 'precobase'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    unaccented = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _IGNORED.sub("", unaccented)


def match_headers(
    headers: Sequence[str],
    canonical: Sequence[str],
    aliases: Mapping[str, Sequence[str]],
) -> HeaderMatch:
    """Map each canonical name to at most one header position.

    First every canonical name takes the headers that match one of its aliases; a name
    with no alias hit then takes the headers that match the name itself. Two hits for one
    name are a conflict. A header serves at most one name (the first in `canonical` order,
    should the config list one alias under two names). Empty headers are ignored.
    """
    normalized = [normalize_header(h) if h.strip() else "" for h in headers]
    taken: set[int] = set()
    hits: dict[str, list[int]] = {}

    for name in canonical:
        listed = aliases.get(name, ())
        if isinstance(listed, str):  # `sku_ref = "Codigo"` in TOML: one alias, not letters
            listed = [listed]
        wanted = {normalize_header(a) for a in listed} - {""}
        found = [i for i, h in enumerate(normalized) if h and h in wanted and i not in taken]
        if found:
            hits[name] = found
            taken.update(found)

    for name in canonical:
        if name in hits:
            continue
        own = normalize_header(name)
        found = [i for i, h in enumerate(normalized) if h and h == own and i not in taken]
        if found:
            hits[name] = found
            taken.update(found)

    match = HeaderMatch()
    for name in canonical:
        found = hits.get(name, [])
        if len(found) == 1:
            match.columns[name] = found[0]
        elif len(found) > 1:
            match.conflicts[name] = [headers[i].strip() for i in found]
    match.unknown = [h.strip() for i, h in enumerate(headers) if h.strip() and i not in taken]
    return match
