"""Every sentence a report shows comes from a template in `importer.messages`.

Read from the source with `ast`, so that a new call site is checked the day it is written:
(1) every `render("x", ...)` / `row_error(..., template="x")` names a template that exists and
passes every field the template uses; (2) no room of `importer/flows/` builds a row's reason
in English inline (a literal or an f-string instead of `render`), so that the reports can be
translated by translating `TEMPLATES` alone.
"""

from __future__ import annotations

import ast
import re
import string
from dataclasses import dataclass
from pathlib import Path

import pytest

from importer.messages import TEMPLATES, render

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "importer"
ROOMS = PACKAGE / "flows"
# The catalog's send side: every string it writes for a person is a report message.
CATALOG_SEND = [ROOMS / "catalog" / "sync.py", ROOMS / "catalog" / "resolve.py"]
# Two words in a row: a sentence (or a clause of one), not a column name, key or separator.
WORDS = re.compile(r"[A-Za-z]+ +[A-Za-z]+")


def template_fields(template: str) -> set[str]:
    return {
        name.split(".")[0].split("[")[0]
        for _, name, _, _ in string.Formatter().parse(template)
        if name
    }


@dataclass(frozen=True)
class Call:
    where: str
    template: str | None  # None: the name is computed (checked where it is computed)
    fields: frozenset[str]
    open_fields: bool  # the call passes **fields: which ones is known only at run time


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _constant(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def template_calls(paths: list[Path]) -> list[Call]:
    calls = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or _name(node.func) not in ("render", "row_error"):
                continue
            keywords = {k.arg: k.value for k in node.keywords if k.arg is not None}
            open_fields = any(k.arg is None for k in node.keywords)
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            first = _constant(node.args[0]) if node.args else None
            if _name(node.func) == "render":
                calls.append(Call(where, first, frozenset(keywords), open_fields))
                continue
            # row_error(type, template=..., row=..., column=..., value=..., key=..., **fields)
            # always gives the template column, value and key.
            named = _constant(keywords["template"]) if "template" in keywords else first
            computed = "template" in keywords and named is None
            fields = (set(keywords) - {"template", "row"}) | {"column", "value", "key"}
            calls.append(Call(where, None if computed else named, frozenset(fields), open_fields))
    return calls


SOURCES = sorted(PACKAGE.rglob("*.py"))
CALLS = template_calls(SOURCES)


def test_the_walk_finds_the_call_sites() -> None:
    # A walk that finds nothing would pass every check below.
    named = [c for c in CALLS if c.template is not None]
    assert len(named) >= 40, [c.where for c in CALLS]
    assert any(c.where.startswith("importer/flows/catalog/sync.py") for c in named)


@pytest.mark.parametrize(
    "call", [c for c in CALLS if c.template is not None], ids=lambda c: c.where
)
def test_every_call_names_a_template_and_gives_its_fields(call: Call) -> None:
    assert call.template in TEMPLATES, f"{call.where}: no template {call.template!r}"
    if call.open_fields:
        return  # the fields come from a mapping: the template itself is checked below
    missing = template_fields(TEMPLATES[call.template]) - call.fields
    assert not missing, f"{call.where}: {call.template!r} needs {sorted(missing)}"
    # And the sentence renders with exactly those fields (no stray brace, no format spec
    # that a text value would break).
    assert render(call.template, **dict.fromkeys(call.fields, "x"))


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_renders_with_its_own_fields(name: str) -> None:
    sentence = render(name, **dict.fromkeys(template_fields(TEMPLATES[name]), "x"))
    assert sentence.strip() and "{" not in sentence.replace("{x}", "")


def test_every_template_is_said_somewhere() -> None:
    # A template whose name no module of the importer mentions is a sentence no report can
    # show: a leftover, or a caller that spells the name differently.
    names: set[str] = set()
    for path in SOURCES:
        if path == PACKAGE / "messages.py":
            continue
        names |= {
            node.value
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        }
    assert sorted(set(TEMPLATES) - names) == []


def test_no_template_name_is_given_twice() -> None:
    # A dict literal keeps the last of two equal keys without a word: a template written by
    # one change and again by another would silently lose one sentence.
    tree = ast.parse((PACKAGE / "messages.py").read_text(encoding="utf-8"))
    (templates,) = [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.AnnAssign) and _name(n.target) == "TEMPLATES"
    ]
    assert isinstance(templates, ast.Dict)
    keys = [str(_constant(k)) for k in templates.keys if k is not None]
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)


# -- (2) no reason is English built inline ---------------------------------------------------


def _inline_english(node: ast.AST) -> list[ast.expr]:
    """The literals and f-strings with words in `node`, not looking inside `render(...)`."""
    if isinstance(node, ast.Call) and _name(node.func) == "render":
        return []
    if isinstance(node, ast.JoinedStr):
        return [node]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node] if re.search(r"[A-Za-z]", node.value) else []
    return [hit for child in ast.iter_child_nodes(node) for hit in _inline_english(child)]


def _reason_expressions(tree: ast.AST) -> list[ast.expr]:
    """What becomes the reason of a row's outcome: `reason=` (or a record's `_reason=`) of any
    call (RowOutcome and the rooms' helpers), the catalog's `_RowFailure(type, reason)`, and
    what is assigned to a `reason`, an `outcome.reason` or a resolver's `failed[...]` (a
    category's or brand's reason, which its products' rows carry)."""
    found: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            found += [k.value for k in node.keywords if k.arg in ("reason", "_reason")]
            if _name(node.func) == "_RowFailure" and len(node.args) >= 2:
                found.append(node.args[1])
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign) and node.value:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                is_failed = isinstance(target, ast.Subscript) and _name(target.value) == "failed"
                if _name(target) == "reason" or is_failed:
                    found.append(node.value)
    return found


def _docstrings(tree: ast.AST) -> set[int]:
    kinds = ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, kinds)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }


ROOM_FILES = sorted(ROOMS.rglob("*.py"))


def _inline_reasons(source: str) -> list[int]:
    tree = ast.parse(source)
    return sorted(
        {
            hit.lineno
            for expression in _reason_expressions(tree)
            for hit in _inline_english(expression)
        }
    )


def test_the_check_tells_an_inline_reason_from_a_template() -> None:
    # The forms today's catalog had (each line 1-7), and the forms that are fine (8-12).
    source = """
RowOutcome(row, Action.FAILED, reason=f"not sent: product {ref} was not saved")
RowOutcome(row, Action.FAILED, reason="the product failed")
_RowFailure("missing-cell", f"VTEX needs {columns} to create a SKU.")
outcome.reason = "product: " + describe(product, previous, changed)
reason = product_outcome.reason if product_outcome else "the product failed"
out.failed[name] = ("brand " + name + " could not be created")
raise _RowFailure("dependency-failed", resolved.failed.get(text, f"{what} failed"))
RowOutcome(row, Action.FAILED, reason=render("product-failed"))
_RowFailure("not-activated", render("not-activated", reasons="; ".join(parts)))
outcome.reason = " ".join(n.reason for n in notes)
reason = product_outcome.reason if product_outcome else render("product-failed")
out.failed[name] = render("brand-unknown", brand=name)
"""
    assert _inline_reasons(source.strip()) == [1, 2, 3, 4, 5, 6, 7]


@pytest.mark.parametrize("path", ROOM_FILES, ids=lambda p: str(p.relative_to(ROOMS)))
def test_no_reason_is_built_inline(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    inline = [
        f"{path.relative_to(ROOT)}:{hit.lineno}: {ast.unparse(hit)[:80]}"
        for expression in _reason_expressions(tree)
        for hit in _inline_english(expression)
    ]
    assert not inline, "a row's reason must come from render(<template>, ...):\n" + "\n".join(
        inline
    )


@pytest.mark.parametrize("path", ROOM_FILES, ids=lambda p: str(p.relative_to(ROOMS)))
def test_no_sentence_is_an_f_string(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    sentences = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(
                str(v.value) if isinstance(v, ast.Constant) else "{}" for v in node.values
            )
            if WORDS.search(text):
                sentences.append(f"{path.relative_to(ROOT)}:{node.lineno}: {text[:80]}")
    assert not sentences, "a sentence belongs in importer/messages.py:\n" + "\n".join(sentences)


@pytest.mark.parametrize("path", CATALOG_SEND, ids=lambda p: p.name)
def test_the_catalog_send_side_writes_no_sentence(path: Path) -> None:
    # Parts of a sentence too (why VTEX did not activate a SKU): each is a template.
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = _docstrings(tree)
    in_f_strings = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    sentences = [
        f"{path.relative_to(ROOT)}:{node.lineno}: {node.value[:80]}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings | in_f_strings
        and WORDS.search(node.value)
    ]
    assert not sentences, "a sentence belongs in importer/messages.py:\n" + "\n".join(sentences)
