"""Unmapped headers that look like a flow's columns: "Preço Custo" beside a mapped price.

An unknown column is ignored, and a person rarely reads the list of them; but an unmapped
"Preço Custo" means the file's cost prices never reach VTEX. Such a header becomes a warning
about the file. A header looks like a column when

- its words, read through a small vocabulary of the languages ERPs export in (Portuguese,
  Spanish, English), include the column's own distinctive words ("Preço Custo" -> price, cost
  -> cost_price; "Qtd Mínima" -> quantity, min -> min_quantity), or those of one of its aliases;
- or it is a near spelling (one edit) of the column's name or of an alias ("cost_prce").

Only columns the file does not already carry are suggested: when cost_price is read from
another header, a second cost-like header is a column the person chose not to map.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence

from importer.read import normalize_header

# Words as ERPs write them -> the words of the canonical column names. Accents and case are
# removed before the lookup.
VOCABULARY: dict[str, str] = {
    **dict.fromkeys(("custo", "costo", "cost", "custos"), "cost"),
    **dict.fromkeys(("preco", "precos", "precio", "valor", "vlr", "price", "pvp"), "price"),
    **dict.fromkeys(("lista", "list", "tabela", "msrp", "sugerido"), "list"),
    **dict.fromkeys(("base", "venda", "venta", "sale", "selling"), "base"),
    **dict.fromkeys(("markup", "margem", "margen", "margin", "mkp", "mkup"), "markup"),
    **dict.fromkeys(("fixo", "fijo", "fixed"), "fixed"),
    **dict.fromkeys(("politica", "policy"), "policy"),
    **dict.fromkeys(("comercial", "trade"), "trade"),
    **dict.fromkeys(("minimo", "minima", "min", "minimum"), "min"),
    **dict.fromkeys(
        ("quantidade", "qtd", "qtde", "qty", "quant", "cantidad", "quantity", "estoque", "stock"),
        "quantity",
    ),
    # Not "de": "Preço De" is Brazil's list price ("de R$ 99 por R$ 79"), not a start date.
    **dict.fromkeys(("inicio", "desde", "from", "start", "inicial"), "from"),
    **dict.fromkeys(("fim", "ate", "hasta", "until", "end", "final", "to"), "to"),
    **dict.fromkeys(("validade", "valido", "valida", "vigencia", "valid", "validity"), "valid"),
    **dict.fromkeys(("ref", "referencia", "reference", "codigo", "cod", "code"), "ref"),
    **dict.fromkeys(("deposito", "armazem", "almacen", "warehouse", "wh"), "warehouse"),
    **dict.fromkeys(("ilimitado", "unlimited", "infinito"), "unlimited"),
    **dict.fromkeys(("prazo", "lead"), "lead"),
    **dict.fromkeys(("produto", "producto", "product"), "product"),
    **dict.fromkeys(("nome", "nombre", "name"), "name"),
    **dict.fromkeys(("categoria", "category"), "category"),
    **dict.fromkeys(("marca", "brand"), "brand"),
    **dict.fromkeys(("peso", "weight"), "weight"),
    **dict.fromkeys(("altura", "height"), "height"),
    **dict.fromkeys(("largura", "ancho", "width"), "width"),
    **dict.fromkeys(("comprimento", "largo", "length"), "length"),
    **dict.fromkeys(("imagem", "imagens", "imagen", "imagenes", "foto", "fotos", "image"), "image"),
    **dict.fromkeys(("ativo", "activo", "active"), "active"),
    **dict.fromkeys(("gtin", "ean", "barcode"), "ean"),
}
# Words too common in a flow's names to tell its columns apart (every price column is a
# price), and units. They count only together with a distinctive word.
GENERIC = frozenset({"price", "valid", "id", "kg", "cm", "urls", "time", "date", "data"})
_WORD = re.compile(r"[a-z0-9]+")


def words(header: str) -> frozenset[str]:
    """'Preço Custo (R$)' -> {'price', 'cost', 'r'}: the header's words in the columns' terms."""
    # camelCase and snake_case split like spaces: 'costPrice', 'cost_price'.
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", header).casefold()
    decomposed = unicodedata.normalize("NFKD", spaced)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return frozenset(VOCABULARY.get(w, w) for w in _WORD.findall(plain))


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, or limit + 1 as soon as it is certainly over `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _near(header: str, name: str) -> bool:
    a, b = normalize_header(header), normalize_header(name)
    if not a or not b or min(len(a), len(b)) < 5:
        return False  # 'cod' and 'qtd' are a letter from too many words
    # One edit: two already turn "costprice" into "listprice".
    return _distance(a, b, 1) <= 1


def _score(header: str, name: str, spellings: Sequence[str]) -> int:
    """How strongly `header` looks like the column `name` (0: not at all)."""
    got = words(header)
    best = 0
    for spelling in (name, *spellings):
        wanted = words(spelling)
        distinctive = wanted - GENERIC
        if distinctive and distinctive <= got:
            best = max(best, len(wanted & got))
        if _near(header, spelling):
            best = max(best, len(wanted) + 1)  # a near spelling beats shared words
    return best


def lookalikes(
    unknown: Sequence[str],
    columns: Sequence[str],
    aliases: Mapping[str, Sequence[str] | str],
    present: Collection[str],
) -> list[tuple[str, list[str]]]:
    """(header, the columns it looks like) for each unknown header that looks like one or more
    of `columns` the file does not carry, best matches only, in the file's order."""
    found: list[tuple[str, list[str]]] = []
    for header in unknown:
        scores: dict[str, int] = {}
        for name in columns:
            if name in present:
                continue
            listed = aliases.get(name, ())
            spellings = [listed] if isinstance(listed, str) else list(listed)
            score = _score(header, name, spellings)
            if score:
                scores[name] = score
        if scores:
            top = max(scores.values())
            found.append((header, [n for n in columns if scores.get(n) == top]))
    return found
